// Named workflow-*: it runs after the tests that expect an empty console.
import { test, expect, APIRequestContext, Browser, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { authFile } from '../global-setup';
import { sameSite, watchConsole } from './helpers';

// The demo corpus and its root key, written by the custody binary under test.
const bin = process.env.CUSTODY_BIN ?? 'custody';
const demo = (() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-findings-'));
  execFileSync(bin, ['demo', '--out', dir]);
  return dir;
})();
const root = fs.readFileSync(path.join(demo, 'root.pub'), 'utf8').trim();

async function as(browser: Browser, name: string): Promise<Page> {
  const context = await browser.newContext({ storageState: authFile(name) });
  return context.newPage();
}

test('a late approval is found, shown on the timeline, followed to its events, dismissed with a reason and listed on the incident', async ({ browser, page, request }) => {
  test.setTimeout(90_000);
  const problems = watchConsole(page);

  // The admin trusts the demo root and reads the rules findings follow.
  // Other tests expect a server that trusts no root: the root goes when this test ends.
  const admin = await as(browser, 'admin');
  await admin.request.post('/api/trust-roots/add', { form: { key: root, label: 'Fernhill root' }, headers: sameSite });
  try {
    await reviewLateApproval(browser, page, request, admin);
  } finally {
    await admin.request.post('/api/trust-roots/remove', { form: { key: root }, headers: sameSite });
  }
  expect(problems).toEqual([]);
});

async function reviewLateApproval(browser: Browser, page: Page, request: APIRequestContext, admin: Page) {
  await admin.goto('/settings');
  await expect(admin.getByTestId('approval-required')).toHaveValue('*prod*');

  const stored = await request.post('/api/bundles?name=late-approval.bundle.json', {
    data: fs.readFileSync(path.join(demo, 'late-approval.bundle.json')),
    headers: { 'content-type': 'application/json', ...sameSite },
  });
  expect(stored.ok()).toBeTruthy();
  const bundle = await stored.json();

  // The bundle page lists the finding, with the events that prove it and the
  // framework controls it maps to; the timeline flags those events.
  await page.goto(`/bundles/${bundle.sha256}`);
  await expect(page.getByTestId('browser-verdict')).toBeVisible({ timeout: 20_000 });
  const late = page.locator('[data-testid=finding][data-rule=approval-late]');
  await expect(late).toBeVisible();
  await expect(late).toHaveAttribute('data-disposition', 'open');
  await expect(late).toContainText('approval');
  await expect(late.getByTestId('finding-controls')).toContainText('OWASP');
  const events = late.getByTestId('finding-event');
  const count = await events.count();
  expect(count).toBeGreaterThan(1);
  await expect(page.locator('[data-testid=timeline] [data-finding=true]').first()).toBeVisible();

  // Following each event selects it on the timeline and opens it in the inspector.
  for (let i = 0; i < count; i++) {
    const index = await events.nth(i).getAttribute('data-event');
    await events.nth(i).click();
    await expect(page.getByTestId('inspector')).toHaveAttribute('data-index', index!);
    await expect(page.locator(`[data-testid=timeline] [data-mark="${index}"]`)).toHaveAttribute('data-selected', 'true');
    await expect(page.locator(`[data-testid=timeline] [data-mark="${index}"]`)).toHaveAttribute('data-finding', 'true');
    await expect(page.locator(`[data-testid=timeline] [data-flag="${index}"]`)).toBeVisible();
  }

  // The per-event list, filtered, downloads as the server stored it, findings included.
  await page.getByTestId('results-filter').selectOption('passed');
  await expect(page.getByTestId('results-csv')).toHaveAttribute('href', /verdict=pass/);
  const download = page.waitForEvent('download');
  await expect(page.getByTestId('results-csv')).toHaveAttribute('data-ready', 'true');
  await page.getByTestId('results-csv').click();
  const csv = fs.readFileSync((await (await download).path())!, 'utf8');
  expect(csv.split('\n')[0]).toMatch(/,attribution_gaps,intended_by,.*,approval_decided_at,provenance,reconciliation\r?$/);
  expect(csv).toContain('approval-late (open)');
  // The page fetched it itself and says what it saved.
  await expect(page.getByTestId('results-csv-progress')).toContainText(/saved events-.*\.csv \(\d+\.\d [KM]iB\)/);

  // The finding's events download as an excerpt the command line verifies alone.
  const excerptLink = late.getByTestId('finding-excerpt');
  await expect(excerptLink).toHaveAttribute('href', new RegExp(`/api/bundles/${bundle.sha256}/excerpt\\?events=\\d`));
  const excerptDownload = page.waitForEvent('download');
  await excerptLink.click();
  const excerpt = (await (await excerptDownload).path())!;
  // Exit 0 only when every excerpted event verifies under the root alone.
  execFileSync(bin, ['verify-excerpt', excerpt, '--trust', path.join(demo, 'root.pub')]);

  // The compliance reviewer dismisses it, with a reason; a reason is required.
  await late.getByText('Dispose of this finding').click();
  const form = late.getByTestId('disposition-form');
  await form.getByLabel('Decision').selectOption('dismissed');
  await form.getByLabel('Reason').fill('The CAB approved advisory-mode DDL for this index in CHG-1182.');
  await form.getByRole('button', { name: 'Record' }).click();
  const after = page.locator('[data-testid=finding][data-rule=approval-late]');
  await expect(after).toHaveAttribute('data-disposition', 'dismissed');
  await expect(after.getByTestId('finding-disposition')).toContainText('CHG-1182');

  // The incident lists its findings with their dispositions, linking back.
  await page.goto(`/incidents/${bundle.incident_id}`);
  const listed = page.locator('[data-testid=incident-findings] [data-rule=approval-late]');
  await expect(listed).toHaveAttribute('data-disposition', 'dismissed');
  await expect(listed.getByTestId('finding-link')).toHaveAttribute('href', new RegExp(`/bundles/${bundle.sha256}\\?event=\\d+`));

  // The disposition is in the review log.
  await page.goto('/review-log?action=finding');
  await expect(page.getByTestId('log-integrity')).toHaveAttribute('data-intact', 'true');
  await expect(page.locator('body')).toContainText('dismissed');

  // An auditor reads the findings but cannot dispose of them.
  const auditor = await as(browser, 'auditor');
  await auditor.goto(`/bundles/${bundle.sha256}`);
  await expect(auditor.locator('[data-testid=finding][data-rule=approval-late]')).toHaveAttribute('data-disposition', 'dismissed');
  await expect(auditor.getByTestId('disposition-form')).toHaveCount(0);
}
