import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { watchConsole, sameSite } from './helpers';

/** The demo corpus, written by the custody binary under test. */
function demoCorpus(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-demo-'));
  execFileSync(process.env.CUSTODY_BIN ?? 'custody', ['demo', '--out', dir]);
  return dir;
}

test('bundles loaded from the incidents page are stored and listed with their verdicts', async ({ page }) => {
  const problems = watchConsole(page);
  const demo = demoCorpus();
  const wasm = page.waitForResponse((r) => r.url().endsWith('.wasm') && r.ok());
  await page.goto('/');
  await wasm;

  // Chosen with the file picker, once the wasm has enabled it.
  const picker = page.locator('#bundle-file');
  await expect(picker).toBeEnabled({ timeout: 15_000 });
  await picker.setInputFiles(path.join(demo, 'prod-config-change.bundle.json'));
  await expect(page.getByTestId('upload-result')).toBeVisible({ timeout: 15_000 });
  const result = page.getByTestId('upload-result');
  // The e2e server trusts no root: the intact demo evidence is untrusted there.
  await expect(result).toContainText('Untrusted');
  await expect(result).toContainText('15 events');
  await expect(result).toContainText('trust.key_not_certified');
  const row = page.getByRole('row', { name: /prod-config-change\.bundle\.json/ });
  await expect(row).toContainText('Untrusted');
  await expect(row).toContainText('1 bundle, 15 events');

  // Dropped onto the page.
  const drop = async (file: string, name: string) => {
    const text = file.startsWith('{') ? file : fs.readFileSync(path.join(demo, file), 'utf8');
    const transfer = await page.evaluateHandle(
      ([text, name]) => {
        const dt = new DataTransfer();
        dt.items.add(new File([text], name, { type: 'application/json' }));
        return dt;
      },
      [text, name],
    );
    await page.getByTestId('upload').dispatchEvent('drop', { dataTransfer: transfer });
  };
  await drop('tampered-modified-payload.bundle.json', 'tampered.bundle.json');
  await expect(result).toContainText('Tampered', { timeout: 15_000 });
  await expect(result).toContainText('signature.invalid');
  await expect(page.getByRole('row', { name: /tampered\.bundle\.json/ })).toContainText('Tampered');
  await expect(page.getByTestId('incident-count')).toHaveText('2 incidents');

  // A malformed file is refused with the reason, and nothing is added.
  await drop('{"custodyBundle": 1, "manifest": ', 'broken.json');
  await expect(page.getByTestId('upload-error')).toContainText('bundle.malformed', { timeout: 15_000 });
  await expect(page.getByTestId('incident-count')).toHaveText('2 incidents');

  // A refused upload is answered 400 by design; anything else in the console is a bug.
  expect(problems.filter((p) => !p.includes('400'))).toEqual([]);
});

// After the test above (one server for all tests): the incident list is not empty.
test('an incident page shows who and what its evidence names, and its bundles', async ({ page, request }) => {
  const problems = watchConsole(page);
  const bytes = fs.readFileSync(path.join(demoCorpus(), 'prod-config-change.bundle.json'));
  // The test above stored these bytes: storing them again answers with that bundle
  // and its incident.
  const title = 'prod-config-change.bundle.json';
  const stored = await request.post(`/api/bundles?name=${title}`, {
    data: bytes,
    headers: { 'content-type': 'application/json', ...sameSite },
  });
  expect(stored.ok()).toBeTruthy();
  const bundle = await stored.json();

  await page.goto('/');
  await page.getByRole('link', { name: title, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/incidents/${bundle.incident_id}$`));
  await expect(page.getByTestId('incident-title')).toContainText(title);

  const facts = page.getByTestId('incident-facts');
  await expect(facts.getByTestId('fact-span')).toContainText('2026-10-14T09:');
  await expect(facts.getByTestId('fact-side-effects')).toContainText('1 change to real systems');
  await expect(facts.getByTestId('fact-humans')).not.toContainText('none');
  await expect(facts.getByTestId('fact-agents')).not.toContainText('none');
  await expect(facts.getByTestId('fact-services')).toContainText('svc-deploy-prod');
  await expect(facts.getByTestId('fact-resources')).not.toContainText('none');

  const bundles = page.getByTestId('incident-bundles');
  await expect(bundles).toContainText('prod-config-change.bundle.json');
  await expect(bundles).toContainText('Untrusted');
  await expect(bundles).toContainText('trust.key_not_certified');
  await expect(bundles.getByRole('link', { name: 'report' })).toHaveAttribute(
    'href',
    `/api/bundles/${bundle.sha256}/report`,
  );

  // A number that is no incident says so.
  await page.goto('/incidents/999999');
  await expect(page.getByRole('heading', { name: 'No such incident' })).toBeVisible();
  expect(problems).toEqual([]);
});
