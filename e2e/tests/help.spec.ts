import { test, expect, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { watchConsole } from './helpers';

// Runs first (specs run alphabetically on one server that starts empty): it stores
// nothing, so the specs after it still see an empty console. Verdicts, reason codes
// and findings are shown by verifying demo bundles offline on the Verify page.

/** The demo corpus and its root key, written by the custody binary under test. */
const demo = (() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-demo-'));
  execFileSync(process.env.CUSTODY_BIN ?? 'custody', ['demo', '--out', dir]);
  return dir;
})();
const root = fs.readFileSync(path.join(demo, 'root.pub'), 'utf8').trim();
const index: { file: string; expectedStatus: string; expectedReasons: string[]; expectedFindings: string[] }[] =
  JSON.parse(fs.readFileSync(path.join(demo, 'index.json'), 'utf8'));

async function verifyOffline(page: Page, file: string) {
  await page.goto('/verify');
  await expect(page.getByRole('button', { name: 'Verify', exact: true })).toBeEnabled({ timeout: 15_000 });
  await page.getByLabel(/Trust roots: the organisation root keys/).fill(root);
  await page.locator('#bundle-file').setInputFiles(path.join(demo, file));
  await page.getByRole('button', { name: 'Verify bundle' }).click();
  const verdict = page.getByTestId('browser-verdict');
  await expect(verdict).toBeVisible({ timeout: 20_000 });
  return verdict;
}

/** The help entry with id `id` (ids hold dots, so no CSS id selector). */
const entry = (page: Page, id: string) => page.locator(`[id="${id}"]`);

test('the empty incident list tells a newcomer where to start', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'No incidents yet' })).toBeVisible();
  const start = page.getByTestId('first-run');
  await expect(start).toContainText('New here? Start with');
  await expect(start.getByRole('link', { name: 'Verify' })).toHaveAttribute('href', '/verify');
  await start.getByRole('link', { name: 'Help' }).click();
  await expect(page).toHaveURL(/\/help$/);
  await expect(page.getByRole('heading', { name: 'What to do first' })).toBeVisible();
  expect(problems).toEqual([]);
});

test('/help has an entry for every verdict, role, finding rule and reason code the demo shows', async ({ page }) => {
  const problems = watchConsole(page);
  const response = await page.goto('/help');
  expect(response?.status()).toBe(200);
  await expect(page).toHaveTitle('Help · Custody');
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Help' })).toHaveAttribute('aria-current', 'page');
  for (const h of ['Verdicts', 'Reason codes', 'Attribution gaps (findings)', 'Roles', 'Trust roots', 'Provenance and reconciliation', 'A verdict without trusting this server']) {
    await expect(page.getByRole('heading', { name: h, exact: true })).toBeVisible();
  }
  for (const status of ['verified', 'verified_with_warnings', 'untrusted', 'tampered', 'malformed']) {
    await expect(entry(page, `verdict-${status}`)).toBeVisible();
  }
  for (const role of ['compliance_reviewer', 'auditor', 'access_reviewer', 'admin']) {
    await expect(entry(page, `role-${role}`)).toBeVisible();
  }
  await expect(entry(page, 'role-auditor')).toContainText('Export reviews and the review log');
  await expect(page.getByTestId('help-findings').getByTestId('help-entry')).toHaveCount(21);
  for (const p of ['signed', 'attested', 'imported']) {
    await expect(entry(page, `provenance-${p}`)).toBeVisible();
  }
  expect(await page.getByTestId('help-reasons').getByTestId('help-entry').count()).toBeGreaterThanOrEqual(50);
  // Every code and rule the demo corpus gives, as the binary under test reports them.
  for (const { expectedReasons, expectedFindings } of index) {
    for (const code of expectedReasons) await expect(entry(page, `reason-${code}`), code).toHaveCount(1);
    for (const rule of expectedFindings) await expect(entry(page, `finding-${rule}`), rule).toHaveCount(1);
  }
  await expect(entry(page, 'reason-signature.invalid')).toContainText('A signature does not verify');
  // A direct link lands on its entry.
  await page.goto('/help#finding-approval-late');
  await expect(entry(page, 'finding-approval-late')).toBeInViewport();
  expect(problems).toEqual([]);
});

test('a verdict badge, a reason code and a finding link to their entries on /help', async ({ page }) => {
  const problems = watchConsole(page);
  const tampered = index.find((i) => i.expectedStatus === 'tampered' && i.expectedReasons.length > 0 && i.expectedFindings.length > 0)!;

  // The badge.
  let verdict = await verifyOffline(page, tampered.file);
  await expect(verdict).toHaveAttribute('data-status', 'tampered');
  const badge = verdict.getByRole('link', { name: 'Tampered', exact: true });
  await expect(badge).toHaveAttribute('href', '/help#verdict-tampered');
  await badge.click();
  await expect(page).toHaveURL(/\/help#verdict-tampered$/);
  await expect(entry(page, 'verdict-tampered')).toBeInViewport();

  // A reason code.
  verdict = await verifyOffline(page, tampered.file);
  const code = tampered.expectedReasons[0];
  const reason = page.getByTestId('browser-reasons').getByRole('link', { name: code, exact: true });
  await expect(reason).toHaveAttribute('href', `/help#reason-${code}`);
  await reason.click();
  await expect(page).toHaveURL(new RegExp(`/help#reason-${code.replace('.', '\\.')}$`));
  await expect(entry(page, `reason-${code}`)).toBeInViewport();

  // A finding's rule.
  await verifyOffline(page, tampered.file);
  const rule = tampered.expectedFindings[0];
  const finding = page.locator(`[data-testid="finding"][data-rule="${rule}"]`).first();
  await expect(finding).toBeVisible({ timeout: 20_000 });
  const link = finding.getByTestId('finding-rule-help');
  await expect(link).toHaveText(rule);
  await link.click();
  await expect(page).toHaveURL(new RegExp(`/help#finding-${rule}$`));
  await expect(entry(page, `finding-${rule}`)).toBeInViewport();
  expect(problems).toEqual([]);
});

test('/help passes axe-core (WCAG 2 A and AA) in the light and the dark theme', async ({ page }) => {
  const { default: AxeBuilder } = await import('@axe-core/playwright');
  for (const theme of ['light', 'dark']) {
    await page.addInitScript((t) => localStorage.setItem('custody-theme', t), theme);
    await page.goto('/help');
    if (theme === 'dark') await expect(page.locator('html')).toHaveClass(/dark/);
    else await expect(page.locator('html')).not.toHaveClass(/dark/);
    await expect(entry(page, 'verdict-verified')).toBeVisible();
    const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
    const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    const found = serious.map((v) => `${theme}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
    expect(found, found.join('\n')).toEqual([]);
  }
});
