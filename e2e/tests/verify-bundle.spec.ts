import { test, expect, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { watchConsole, sameSite } from './helpers';

// The demo corpus and its root key, written by the custody binary under test.
const demo = (() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-demo-'));
  execFileSync(process.env.CUSTODY_BIN ?? 'custody', ['demo', '--out', dir]);
  return dir;
})();
const root = fs.readFileSync(path.join(demo, 'root.pub'), 'utf8').trim();
const index: { file: string; expectedStatus: string; expectedReasons: string[] }[] = JSON.parse(
  fs.readFileSync(path.join(demo, 'index.json'), 'utf8'),
);

async function verdictOf(page: Page) {
  const verdict = page.getByTestId('browser-verdict');
  await expect(verdict).toBeVisible({ timeout: 20_000 });
  return verdict;
}

test('a stored bundle is verified again in the browser, with roots the reviewer chose', async ({ page, request }) => {
  const problems = watchConsole(page);
  const stored = await request.post('/api/bundles?name=privileged-api-jit.bundle.json', {
    data: fs.readFileSync(path.join(demo, 'privileged-api-jit.bundle.json')),
    headers: { 'content-type': 'application/json', ...sameSite },
  });
  expect(stored.ok()).toBeTruthy();
  const bundle = await stored.json();

  // From the incident page to the bundle.
  await page.goto(`/incidents/${bundle.incident_id}`);
  await page.getByTestId('bundle-link').first().click();
  await expect(page).toHaveURL(new RegExp(`/bundles/${bundle.sha256}`));
  await expect(page.getByTestId('bundle-title')).toHaveText('privileged-api-jit.bundle.json');

  // The e2e server trusts no root and the reviewer chose none: untrusted, as stored.
  let verdict = await verdictOf(page);
  await expect(verdict).toHaveAttribute('data-status', 'untrusted');
  await expect(page.getByTestId('verdict-agrees')).toBeVisible();
  await expect(page.getByTestId('verdict-mismatch')).toHaveCount(0);
  await expect(page.getByTestId('verify-progress')).toHaveAttribute('data-state', 'done');

  // With the organisation's root, the browser finds it verified: the server's
  // stored verdict differs, and the page says so.
  await page.getByText('Trust roots used in this browser').click();
  await page.getByLabel(/Trust roots: the organisation root keys/).fill(root);
  await page.getByTestId('remember-roots').check();
  await page.getByTestId('reverify').click();
  verdict = page.getByTestId('browser-verdict');
  await expect(verdict).toHaveAttribute('data-status', 'verified');
  await expect(page.getByTestId('verdict-mismatch')).toContainText('disagree');
  const bar = page.getByRole('progressbar', { name: 'Verification progress' });
  const total = await bar.getAttribute('aria-valuemax');
  expect(Number(total)).toBeGreaterThan(10);
  await expect(bar).toHaveAttribute('aria-valuenow', total!);
  // The page is cross-origin isolated, so on a machine with a second core the
  // worker had a helper check the signatures, and says so.
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  await expect(verdict).toHaveAttribute('data-helped', cores >= 2 ? '1' : '0');
  if (cores >= 2) await expect(verdict).toContainText('on two workers');
  // Verification and the reading for review after it are timed apart.
  await expect(verdict).toContainText(/checked in \d+ ms .*; findings and timeline in \d+ ms more/);
  expect(Number(await verdict.getAttribute('data-millis'))).toBeGreaterThan(0);
  expect(Number.isFinite(Number(await verdict.getAttribute('data-analysis-millis')))).toBe(true);

  // The transcript downloads as the verifier wrote it.
  const download = page.waitForEvent('download');
  await page.getByTestId('download-transcript').click();
  const file = await (await download).path();
  const transcript = JSON.parse(fs.readFileSync(file!, 'utf8'));
  expect(transcript.format).toBe('custody.verification.v1');
  expect(transcript.status).toBe('verified');
  expect(transcript.events).toHaveLength(Number(total));

  // The roots are remembered in this browser: a reload verifies with them.
  await page.reload();
  await expect(await verdictOf(page)).toHaveAttribute('data-status', 'verified');
  expect(problems).toEqual([]);
});

test('the timeline: lanes by kind, select an event, follow a side effect back to the human intent', async ({ page, request }) => {
  const problems = watchConsole(page);
  const stored = await request.post('/api/bundles?name=prod-config-change.bundle.json', {
    data: fs.readFileSync(path.join(demo, 'prod-config-change.bundle.json')),
    headers: { 'content-type': 'application/json', ...sameSite },
  });
  const bundle = await stored.json();
  await page.goto(`/bundles/${bundle.sha256}`);
  await verdictOf(page);
  const timeline = page.getByTestId('timeline');
  for (const kind of ['human', 'agent', 'subagent', 'service', 'system']) {
    await expect(timeline.locator(`[data-lane-kind="${kind}"]`).first()).toBeVisible();
  }
  await expect(timeline.locator('[data-relation="delegated"]').first()).toBeAttached();
  await expect(timeline.locator('[data-relation="caused"]').first()).toBeAttached();

  // Select the side effect: the inspector says who, for whom, under what, what changed.
  const effect = timeline.locator('[data-kind="side_effect"]').first();
  await effect.click();
  const index = await effect.getAttribute('data-mark');
  const inspector = page.getByTestId('inspector');
  await expect(inspector).toHaveAttribute('data-index', index!);
  const account = inspector.getByTestId('account');
  await expect(account.locator('[data-account="What changed"]')).toContainText('upstream.timeout_ms');
  await expect(account.locator('[data-account="Intended by"]')).toContainText('Priya Raman');
  await expect(account.locator('[data-account="Approval"]')).toContainText('MISSING');
  await expect(inspector.locator('[data-check="signature"]')).toHaveAttribute('data-result', 'pass');
  // The payload is shown as text, never as markup (the prompt quotes markup).
  await inspector.getByText('Payload as signed').click();
  await expect(inspector.getByTestId('inspector-payload')).toContainText('"kind": "side_effect"');

  // Follow the chain back: the human's request is on the highlighted path.
  await page.getByTestId('trace').click();
  const onPath = timeline.locator('g[data-on-path="true"]');
  expect(await onPath.count()).toBeGreaterThan(3);
  await expect(timeline.locator('g[data-on-path="true"][data-kind="request"]')).toHaveCount(1);
  await expect(timeline.locator('path[data-on-path="true"]').first()).toBeAttached();

  // The address is a deep link to this event and window.
  await expect(page).toHaveURL(new RegExp(`event=${index}`));
  const link = page.url();
  await page.goto('/');
  await page.goto(link);
  await expect(page.getByTestId('inspector')).toHaveAttribute('data-index', index!, { timeout: 20_000 });

  // Keyboard: focus the timeline, step to the next event, zoom in.
  await timeline.focus();
  await page.keyboard.press('j');
  await expect(page.getByTestId('inspector')).not.toHaveAttribute('data-index', index!);
  const before = new URL(page.url()).searchParams;
  await page.keyboard.press('+');
  await expect.poll(() => {
    const now = new URL(page.url()).searchParams;
    return Number(now.get('to')) - Number(now.get('from'));
  }).toBeLessThan(Number(before.get('to')) - Number(before.get('from')));
  expect(problems).toEqual([]);
});

test('a bundle file and a root file are verified offline on the Verify page; tampering is named', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/verify');
  await expect(page.getByRole('button', { name: 'Verify', exact: true })).toBeEnabled({ timeout: 15_000 });
  // Ready: the verifier and its helper are loaded (the helper is asserted on below).
  await expect(page.getByTestId('verifier-ready')).toHaveAttribute('data-state', /^(ready|offline|open-tab-only)$/, { timeout: 30_000 });
  await page.locator('#trust-roots-file').setInputFiles(path.join(demo, 'root.pub'));
  await expect(page.getByLabel(/Trust roots: the organisation root keys/)).toHaveValue(new RegExp(root));
  await page.locator('#bundle-file').setInputFiles(path.join(demo, 'late-approval.bundle.json'));
  await page.getByRole('button', { name: 'Verify bundle' }).click();
  await expect(await verdictOf(page)).toHaveAttribute('data-status', 'verified');
  await expect(page.getByTestId('timeline').locator('[data-mark]').first()).toBeVisible();
  await expect(page.getByTestId('verdict-mismatch')).toHaveCount(0);
  // The attribution gaps are found in the browser too, and flagged on the timeline.
  const late = page.locator('[data-testid=finding][data-rule=approval-late]');
  await expect(late).toBeVisible();
  await expect(late.getByTestId('finding-disposition')).toHaveCount(0);
  await expect(page.getByTestId('timeline').locator('[data-finding=true]').first()).toBeVisible();

  const tampered = index.find((s) => s.file === 'tampered-modified-payload.bundle.json')!;
  await page.locator('#bundle-file').setInputFiles(path.join(demo, tampered.file));
  await page.getByRole('button', { name: 'Verify bundle' }).click();
  const verdict = page.getByTestId('browser-verdict');
  await expect(verdict).toHaveAttribute('data-status', tampered.expectedStatus);
  // The helper checked this one too: a bad signature in its batch is named all the same.
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  await expect(verdict).toHaveAttribute('data-helped', cores >= 2 ? '1' : '0');
  for (const reason of tampered.expectedReasons) {
    await expect(page.getByTestId('browser-reasons')).toContainText(reason);
  }
  // The failing event is unmistakable in the timeline and in the filtered results.
  await expect(page.getByTestId('timeline').locator('[data-standing="unreadable"], [data-standing="failed"]').first()).toBeVisible();
  await page.getByTestId('results-filter').selectOption('failed');
  await expect(page.getByTestId('results-count')).not.toContainText(/^0 events/);
  await expect(page.getByTestId('results')).toContainText('signature.invalid');

  // A file that is no bundle is refused with its reason.
  await page.locator('#bundle-file').setInputFiles({ name: 'x.json', mimeType: 'application/json', buffer: Buffer.from('{"not": "a bundle"}') });
  await page.getByRole('button', { name: 'Verify bundle' }).click();
  await expect(page.getByTestId('browser-verdict')).toHaveAttribute('data-status', 'refused');
  // The version is read as the spec says (section 11.1), as the CLI and the server read it.
  const good = fs.readFileSync(path.join(demo, 'late-approval.bundle.json'), 'utf8');
  for (const [version, reason] of [['2', 'bundle.unsupported_version'], ['18446744073709551616', 'bundle.malformed']]) {
    const edited = good.replace(/"custodyBundle":\s*1/, `"custodyBundle": ${version}`);
    expect(edited).not.toBe(good);
    await page.locator('#bundle-file').setInputFiles({ name: 'v.json', mimeType: 'application/json', buffer: Buffer.from(edited) });
    await page.getByRole('button', { name: 'Verify bundle' }).click();
    await expect(page.getByTestId('browser-verdict')).toHaveAttribute('data-reason', reason);
  }
  expect(problems).toEqual([]);
});

test('a token used after its revocation is unmistakable: the credential lane turns red and the inspector says so', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/verify');
  await expect(page.getByRole('button', { name: 'Verify', exact: true })).toBeEnabled({ timeout: 15_000 });
  await page.getByLabel(/Trust roots: the organisation root keys/).fill(root);
  await page.locator('#bundle-file').setInputFiles(path.join(demo, 'revoked-credential-use.bundle.json'));
  await page.getByRole('button', { name: 'Verify bundle' }).click();
  await expect(await verdictOf(page)).toHaveAttribute('data-status', 'verified');
  const timeline = page.getByTestId('timeline');
  const lane = timeline.locator('[data-lane="at-support-9d3e71"]');
  await expect(lane).toHaveAttribute('data-lane-kind', 'credential');
  await expect(timeline.getByTestId('revoked').first()).toBeAttached();

  // The refund made with the revoked token.
  await timeline.locator('[data-kind="side_effect"]').last().click();
  const inspector = page.getByTestId('inspector');
  await expect(inspector).toContainText('at-support-9d3e71');
  await expect(inspector.locator('[data-account="Credential"]')).toContainText(
    'REVOKED at 2026-11-19 16:40:00 UTC by Omar Haddad',
  );
  expect(problems).toEqual([]);
});
