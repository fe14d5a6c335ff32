import { test, expect, Browser, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { authFile } from '../global-setup';
import { newSigner, sameSite, watchConsole } from './helpers';

// The demo corpus and its root key, written by the custody binary under test.
const bin = process.env.CUSTODY_BIN ?? 'custody';
const demo = (() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-review-'));
  execFileSync(bin, ['demo', '--out', dir]);
  return dir;
})();
const root = fs.readFileSync(path.join(demo, 'root.pub'), 'utf8').trim();

async function as(browser: Browser, name: string): Promise<Page> {
  const context = await browser.newContext({ storageState: authFile(name) });
  return context.newPage();
}

async function verified(page: Page) {
  await expect(page.getByTestId('browser-verdict')).toBeVisible({ timeout: 20_000 });
}

test('three reviewers, three duties: an admin trusts the root, a compliance reviewer annotates, an access reviewer signs off, an auditor verifies the log', async ({ browser, page, request }) => {
  test.setTimeout(90_000);
  const problems = watchConsole(page);

  // The admin trusts the organisation's root key, in Settings.
  const admin = await as(browser, 'admin');
  await admin.goto('/settings');
  await expect(admin.getByTestId('account')).toHaveAttribute('data-role', 'admin');
  await admin.getByLabel('Public key (hex, base64 or PEM)').fill(root);
  await admin.getByLabel('Label').fill('Fernhill root');
  await admin.getByRole('button', { name: 'Trust this root' }).click();
  await expect(admin.getByTestId('trust-roots')).toContainText('Fernhill root');
  await expect(admin.getByRole('link', { name: 'Users' })).toBeVisible();
  // A root trusted by mistake is removed only once the admin confirms.
  const spare = newSigner().rawPublicHex;
  await admin.getByLabel('Public key (hex, base64 or PEM)').fill(spare);
  await admin.getByLabel('Label').fill('Trusted by mistake');
  await admin.getByRole('button', { name: 'Trust this root' }).click();
  const mistaken = admin.getByTestId('trust-roots').locator('tr', { hasText: 'Trusted by mistake' });
  await expect(mistaken).toBeVisible();
  await expect(mistaken.getByTestId('remove-root')).toBeHidden();
  await mistaken.getByText('Remove…').click();
  await mistaken.getByTestId('remove-root').click();
  await expect(mistaken).toHaveCount(0);
  await expect(admin.getByTestId('trust-roots')).toContainText('Fernhill root');

  // The compliance reviewer (this test's own page) uploads a bundle: it verifies.
  const stored = await request.post('/api/bundles?name=cicd-change-ticket.bundle.json', {
    data: fs.readFileSync(path.join(demo, 'cicd-change-ticket.bundle.json')),
    headers: { 'content-type': 'application/json', ...sameSite },
  });
  expect(stored.ok()).toBeTruthy();
  const bundle = await stored.json();
  expect(bundle.verdict).toBe('verified');

  // They judge the side effect: agent-executed under a human approval; then
  // change their mind, and the first judgement stays in the history.
  await page.goto(`/bundles/${bundle.sha256}?event=7`);
  await verified(page);
  await expect(page.getByTestId('inspector')).toHaveAttribute('data-index', '7', { timeout: 20_000 });
  await expect(page.getByRole('link', { name: 'Users' })).toHaveCount(0);
  const form = page.getByTestId('annotate-form');
  // Nothing is preselected before the first judgement.
  await expect(form.getByLabel('Who is responsible')).toHaveValue('');
  await form.getByLabel('Who is responsible').selectOption('agent_autonomous');
  await form.getByLabel('Rationale').fill('The agent acted alone.');
  await form.getByRole('button', { name: 'Record judgement' }).click();
  await expect(page.getByTestId('responsibility')).toHaveAttribute('data-current', 'agent_autonomous');
  // Saved: said so, the rationale emptied, the judgement in force preselected.
  await expect(form.getByTestId('annotate-saved')).toContainText(/^Saved at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  await expect(form.getByLabel('Rationale')).toHaveValue('');
  await expect(form.getByLabel('Who is responsible')).toHaveValue('agent_autonomous');
  await form.getByLabel('Who is responsible').selectOption('human_approved_agent_executed');
  await form.getByLabel('Rationale').fill('The reviewer approved PR-1284 first: <b>not markup</b>');
  await form.getByLabel('Tags (comma-separated)').fill('approval, jit');
  await form.getByRole('button', { name: 'Record judgement' }).click();
  const responsibility = page.getByTestId('responsibility');
  await expect(responsibility).toHaveAttribute('data-current', 'human_approved_agent_executed');
  await expect(responsibility).toContainText('<b>not markup</b>');
  await expect(page.getByTestId('responsibility-history')).toContainText('1 earlier judgement');
  await page.getByTestId('comment-form').getByLabel('Comment').fill('Ticket CHG-1182 matches.');
  await page.getByRole('button', { name: 'Add comment' }).click();
  await expect(page.getByTestId('comments')).toContainText('Ticket CHG-1182 matches.');
  await expect(page.getByTestId('comment-saved')).toBeVisible();
  await expect(page.getByTestId('comment-form').getByLabel('Comment')).toHaveValue('');
  // A compliance reviewer does not sign off chains.
  const chain = page.getByTestId('chain').first();
  await expect(chain).toHaveAttribute('data-status', 'pending');
  await expect(page.getByTestId('signoff-form')).toHaveCount(0);

  // The incident page splits responsibility per side effect.
  await page.goto(`/incidents/${bundle.incident_id}`);
  await expect(page.getByTestId('side-effects')).toContainText('Human-approved, agent-executed');
  // They take the incident into review and assign it to the access reviewer.
  const status = page.getByTestId('status-form');
  await status.getByLabel('Status').selectOption('in_review');
  await status.getByRole('button', { name: 'Set status' }).click();
  await expect(page.getByTestId('incident-history')).toContainText('status: Open → In review');
  const assign = page.getByTestId('assign-form');
  await assign.getByLabel('Assignee').selectOption('access');
  await assign.getByRole('button', { name: 'Assign' }).click();
  await expect(page.getByTestId('incident-history')).toContainText('assigned to access');
  await expect(page.getByText('Assignee: access')).toBeVisible();

  // They download the review in each format; the archive verifies with the key alone.
  const keyFile = path.join(demo, 'server.pub');
  fs.writeFileSync(keyFile, await (await request.get('/api/review-log/key')).text());
  const save = async (testid: string) => {
    const download = page.waitForEvent('download');
    // Once the page is interactive, the page fetches the file itself, with progress.
    await expect(page.getByTestId(testid)).toHaveAttribute('data-ready', 'true');
    await page.getByTestId(testid).click();
    return (await (await download).path())!;
  };
  const csv = fs.readFileSync(await save('export-events.csv'), 'utf8');
  // The page fetches each export itself, and says how far it got.
  await expect(page.getByTestId('export-events.csv-progress')).toContainText(/^saved incident-\d+-events\.csv \(\d+\.\d [KM]iB\)$/);
  expect(csv.split('\n')[0]).toMatch(/^bundle_sha256,bundle_name,index,time,kind,/);
  expect(csv).toContain('human_approved_agent_executed');
  const review = JSON.parse(fs.readFileSync(await save('export-review.json'), 'utf8'));
  expect(review.format).toBe('custody.review.v1');
  expect(review.bundles[0].sha256).toBe(bundle.sha256);
  const archive = await save('export-export.tar');
  expect(execFileSync(bin, ['verify-report', archive, '--trust', keyFile], { encoding: 'utf8' })).toMatch(/^verified: incident/);
  const popup = page.waitForEvent('popup');
  await page.getByTestId('export-report.html').click();
  const report = await popup;
  await expect(report.getByRole('heading', { name: 'Per side effect: its account' })).toBeVisible();
  await expect(report.locator('body')).toContainText('<b>not markup</b>');
  await report.close();

  // The access reviewer sees the chain but cannot annotate; they sign it off.
  const access = await as(browser, 'access');
  await access.goto(`/bundles/${bundle.sha256}?event=7`);
  await verified(access);
  await expect(access.getByTestId('inspector')).toHaveAttribute('data-index', '7', { timeout: 20_000 });
  await expect(access.getByTestId('responsibility')).toHaveAttribute('data-current', 'human_approved_agent_executed');
  await expect(access.getByTestId('annotate-form')).toHaveCount(0);
  await expect(access.getByTestId('export-export.tar')).toHaveCount(0);
  const signoff = access.getByTestId('signoff-form').first();
  await signoff.getByLabel('Decision').selectOption('approve');
  await signoff.getByLabel('Justification').fill('The request, the approval and the change agree.');
  // Unconfirmed, the form is not sent.
  await signoff.getByRole('button', { name: 'Sign' }).click();
  expect(await signoff.getByTestId('signoff-confirm').evaluate((e: HTMLInputElement) => e.validity.valueMissing)).toBe(true);
  await expect(access.getByTestId('chain').first()).toHaveAttribute('data-status', 'pending');
  await signoff.getByTestId('signoff-confirm').check();
  await signoff.getByRole('button', { name: 'Sign' }).click();
  await expect(access.getByTestId('chain').first()).toHaveAttribute('data-status', 'approved');
  await expect(access.getByTestId('signoffs').first()).toContainText('Step 1: approve by access');
  const usersPage = await access.goto('/users');
  expect(usersPage?.status()).toBe(403);

  // The auditor reads everything and changes nothing: no forms, and the server refuses.
  const auditor = await as(browser, 'auditor');
  await auditor.goto(`/incidents/${bundle.incident_id}`);
  await expect(auditor.getByTestId('incident-history')).toContainText('assigned to access');
  await expect(auditor.getByTestId('status-form')).toHaveCount(0);
  await auditor.goto(`/bundles/${bundle.sha256}?event=7`);
  await verified(auditor);
  await expect(auditor.getByTestId('inspector')).toHaveAttribute('data-index', '7', { timeout: 20_000 });
  await expect(auditor.getByTestId('responsibility')).toBeVisible();
  await expect(auditor.getByTestId('annotate-form')).toHaveCount(0);
  await expect(auditor.getByTestId('signoff-form')).toHaveCount(0);
  // The auditor exports this bundle alone, and it verifies.
  const bundleDownload = auditor.waitForEvent('download');
  await auditor.getByTestId('export-export.tar').click();
  const bundleArchive = (await (await bundleDownload).path())!;
  expect(execFileSync(bin, ['verify-report', bundleArchive, '--trust', keyFile], { encoding: 'utf8' })).toMatch(/^verified: bundle /);
  const refused = await auditor.request.post('/api/events/annotate', {
    form: { sha256: bundle.sha256, index: '7', responsibility: 'system', rationale: 'x', tags: '' },
    headers: sameSite,
  });
  expect(refused.status()).toBe(403);

  // The review log holds every action, intact; the auditor exports it and the CLI
  // verifies the export with the server's key alone.
  await auditor.goto('/review-log');
  await expect(auditor.getByTestId('log-integrity')).toHaveAttribute('data-intact', 'true');
  const log = auditor.getByTestId('review-log');
  for (const action of ['trust_root.add', 'upload', 'annotation', 'comment', 'status', 'assign', 'export', 'signoff']) {
    await expect(log.locator(`tr[data-action="${action}"]`).first()).toBeVisible();
  }
  await auditor.getByLabel('Action').selectOption('signoff');
  await auditor.getByRole('button', { name: 'Filter' }).click();
  await expect(auditor).toHaveURL(/action=signoff/);
  await expect(log.locator('tbody tr')).toHaveCount(1);
  const download = auditor.waitForEvent('download');
  await auditor.getByTestId('export-log').click();
  const exported = await (await download).path();
  const out = execFileSync(bin, ['verify', exported!, '--trust', keyFile], { encoding: 'utf8' });
  expect(out).toMatch(/verified/i);

  expect(problems).toEqual([]);
});
