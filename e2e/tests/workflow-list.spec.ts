import { APIRequestContext, expect, Page, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { watchConsole, sameSite } from './helpers';

// The incident list as a reviewer browses it: search, filters, order and counts, all
// in the URL. Other specs share this server and store incidents of their own, so
// every list here is narrowed by a word only these incidents carry.
const tag = `wl${Date.now().toString(36)}`;
const alpha = `${tag} alpha gateway timeout`;
const bravo = `${tag} bravo secrets export`;
const charlie = `${tag} charlie quarterly review`;

/** The demo corpus, written by the custody binary under test. */
const demo = (() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-demo-'));
  execFileSync(process.env.CUSTODY_BIN ?? 'custody', ['demo', '--out', dir]);
  return dir;
})();

/**
 * A demo bundle's bytes with whitespace after the document: the same evidence, but
 * other bytes, so it is stored anew (the same bytes would be the bundle another spec,
 * or an earlier run, stored, in that incident).
 */
function padded(file: string): Buffer {
  // This run's tag, written in spaces and tabs: other bytes on every run.
  const bits = [...tag].map((c) => c.charCodeAt(0).toString(2).replace(/0/g, ' ').replace(/1/g, '\t'));
  return Buffer.concat([fs.readFileSync(path.join(demo, file)), Buffer.from(`\n${bits.join('\n')}\n`)]);
}

let created: Promise<void> | undefined;

/** Opens the three incidents once (through the API) and loads their evidence. */
function incidents(request: APIRequestContext): Promise<void> {
  created ??= (async () => {
    const open = async (title: string, description: string, severity: string) => {
      const response = await request.post('/api/incidents', { data: { title, description, severity }, headers: sameSite });
      expect(response.status()).toBe(201);
      return (await response.json()).incident.id as number;
    };
    const store = async (incident: number, file: string) => {
      const response = await request.post(`/api/bundles?incident=${incident}&name=${file}`, {
        data: padded(file),
        headers: { 'content-type': 'application/json', ...sameSite },
      });
      expect(response.ok()).toBeTruthy();
      expect((await response.json()).incident_id).toBe(incident);
    };
    // The e2e server trusts no root: intact demo evidence is untrusted here.
    await store(await open(alpha, 'Gateway timeout raised in prod', 'critical'), 'prod-config-change.bundle.json');
    await store(await open(bravo, 'Secrets export cut short after signing', 'low'), 'tampered-truncated-tail.bundle.json');
    await open(charlie, 'No evidence loaded yet', 'medium');
  })();
  return created;
}

/** The titles the list shows, in order. */
async function titles(page: Page): Promise<string[]> {
  return page.getByTestId('incident-table').locator('tbody tr td:nth-child(2)').allTextContents();
}

/** The current URL's query parameters, without the empty ones. */
function query(page: Page): Record<string, string> {
  const params = new URL(page.url()).searchParams;
  return Object.fromEntries([...params].filter(([, value]) => value !== ''));
}

/** A form control by its label (exactly: "Search" is also in the form's heading). */
function field(page: Page, label: string) {
  return page.getByLabel(label, { exact: true });
}

/** How many incidents the server holds in all. */
async function all(request: APIRequestContext): Promise<number> {
  const response = await request.get('/api/incidents');
  expect(response.ok()).toBeTruthy();
  return (await response.json()).length;
}

/** Waits for the list to be `expected` (titles, in order), with `params` in the URL. */
async function expectList(page: Page, expected: string[], params: Record<string, string>) {
  await expect.poll(() => query(page)).toEqual(params);
  const count = `${expected.length} incident${expected.length === 1 ? '' : 's'}`;
  await expect(page.getByTestId('incident-count')).toHaveText(count);
  if (expected.length > 0) {
    await expect(page.getByTestId('incident-table').getByTestId('incident-link')).toHaveText(expected);
  } else {
    await expect(page.getByTestId('incident-table')).toHaveCount(0);
  }
}

async function apply(page: Page) {
  await page.getByRole('button', { name: 'Apply filters' }).click();
}

test('a reviewer searches, filters and sorts the incident list, and the URL holds it all', async ({ page, request }) => {
  const problems = watchConsole(page);
  await incidents(request);
  await page.goto('/');
  // The upload picker is enabled by the wasm: the page is hydrated.
  await expect(page.locator('#bundle-file')).toBeEnabled({ timeout: 15_000 });
  const status = field(page, 'Status');

  // Each step's list differs from the one before, so that waiting for it waits for
  // the new answer (the form is drawn again with it).

  // Search: the three incidents, most recently updated first, with counts per status.
  await field(page, 'Search').fill(tag);
  await field(page, 'Search').press('Enter');
  await expect(page).toHaveURL(new RegExp(`\\?q=${tag}$`));
  await expectList(page, [charlie, bravo, alpha], { q: tag });
  await expect(page.getByTestId('incident-summary')).toHaveText('3 incidents match these filters, of ' + (await all(request)) + ' in all');
  await expect(status.locator('option[value=""]')).toHaveText('All statuses (3)');
  await expect(status.locator('option[value="open"]')).toHaveText('Open (3)');
  await expect(status.locator('option[value="closed"]')).toHaveText('Closed (0)');

  // Severity.
  await field(page, 'Severity').selectOption('critical');
  await apply(page);
  await expectList(page, [alpha], { q: tag, severity: 'critical' });
  await expect(status.locator('option[value="open"]')).toHaveText('Open (1)');

  // The worst verdict among the bundles, or none.
  await field(page, 'Severity').selectOption('');
  await field(page, 'Verdict').selectOption('tampered');
  await apply(page);
  await expectList(page, [bravo], { q: tag, verdict: 'tampered' });
  await field(page, 'Verdict').selectOption('none');
  await apply(page);
  await expectList(page, [charlie], { q: tag, verdict: 'none' });

  // An actor the evidence names.
  await field(page, 'Verdict').selectOption('');
  await field(page, 'Actor').fill('svc-deploy-prod');
  await apply(page);
  await expectList(page, [alpha], { q: tag, actor: 'svc-deploy-prod' });

  // When opened: all three today (UTC).
  const today = new Date().toISOString().slice(0, 10);
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  await field(page, 'Actor').fill('');
  await field(page, 'Opened from').fill(today);
  await field(page, 'Opened to').fill(today);
  await apply(page);
  await expectList(page, [charlie, bravo, alpha], { q: tag, from: today, to: today });

  // A status: none of them is closed; the other statuses keep their counts.
  await status.selectOption('closed');
  await apply(page);
  await expectList(page, [], { q: tag, status: 'closed', from: today, to: today });
  await expect(page.getByText('No incident matches these filters')).toBeVisible();
  await expect(status.locator('option[value="open"]')).toHaveText('Open (3)');
  await status.selectOption('open');
  await field(page, 'Opened from').fill('');
  await field(page, 'Opened to').fill('');
  await apply(page);
  await expectList(page, [charlie, bravo, alpha], { q: tag, status: 'open' });

  // None was opened before today.
  await field(page, 'Opened to').fill(yesterday);
  await apply(page);
  await expectList(page, [], { q: tag, status: 'open', to: yesterday });
  await expect(status.locator('option[value="open"]')).toHaveText('Open (0)');

  // Sorted: by title, Z to A; by events, most first.
  await field(page, 'Opened to').fill('');
  await field(page, 'Sort by').selectOption('-title');
  await apply(page);
  await expectList(page, [charlie, bravo, alpha], { q: tag, status: 'open', sort: '-title' });
  await field(page, 'Sort by').selectOption('-events');
  await apply(page);
  await expectList(page, [alpha, bravo, charlie], { q: tag, status: 'open', sort: '-events' });
  await expect(page.getByRole('row', { name: new RegExp(alpha) })).toContainText('1 bundle, 15 events');
  await expect(page.getByRole('row', { name: new RegExp(bravo) })).toContainText('1 bundle, 10 events');
  await expect(page.getByRole('row', { name: new RegExp(charlie) })).toContainText('0 bundles, 0 events');

  // The URL is the list: reloaded, the same list, and the form shows the same choices.
  const url = page.url();
  await page.reload();
  expect(page.url()).toBe(url);
  await expect(page.locator('#bundle-file')).toBeEnabled({ timeout: 15_000 });
  await expectList(page, [alpha, bravo, charlie], { q: tag, status: 'open', sort: '-events' });
  await expect(field(page, 'Search')).toHaveValue(tag);
  await expect(status).toHaveValue('open');
  await expect(field(page, 'Sort by')).toHaveValue('-events');
  await expect(status.locator('option[value="open"]')).toHaveText('Open (3)');

  // Back in history: the list before.
  await page.goBack();
  await expectList(page, [charlie, bravo, alpha], { q: tag, status: 'open', sort: '-title' });
  await expect(field(page, 'Sort by')).toHaveValue('-title');

  // Clearing the filters lists every incident again.
  await page.getByRole('link', { name: 'Clear filters' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('incident-summary')).not.toContainText('match these filters');
  await expect(field(page, 'Search')).toHaveValue('');
  expect((await titles(page)).length).toBeGreaterThanOrEqual(3);

  expect(problems).toEqual([]);
});

test('a link with a parameter the list cannot use says which, and the page still works', async ({ page, request }) => {
  const problems = watchConsole(page);
  await incidents(request);
  await page.goto(`/?q=${tag}&status=pending&from=2026-02-30`);
  const error = page.getByTestId('filter-error');
  await expect(error).toBeVisible();
  await expect(error).toContainText('`status` is one of open, in_review, signed_off, closed, not "pending"');
  await expect(error).toContainText('`from` is a date as YYYY-MM-DD');
  await expect(page.getByTestId('incident-table')).toHaveCount(0);

  // Correcting the values in the form lists the incidents.
  await expect(page.locator('#bundle-file')).toBeEnabled({ timeout: 15_000 });
  await field(page, 'Status').selectOption('open');
  await field(page, 'Opened from').fill('');
  await apply(page);
  await expect(page.getByTestId('filter-error')).toHaveCount(0);
  await expect(page.getByTestId('incident-count')).toHaveText('3 incidents');
  expect(query(page)).toEqual({ q: tag, status: 'open' });
  expect(problems).toEqual([]);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the form filters and sorts through the server-rendered page', async ({ page, request }) => {
    await incidents(request);
    await page.goto('/');
    await field(page, 'Search').fill(tag);
    await field(page, 'Severity').selectOption('low');
    await apply(page);
    // The browser sends every field; empty ones filter nothing.
    await expect(page).toHaveURL(new RegExp(`[?&]q=${tag}&`));
    expect(query(page)).toEqual({ q: tag, severity: 'low', sort: '-updated' });
    await expect(page.getByTestId('incident-table').getByTestId('incident-link')).toHaveText([bravo]);
    await expect(field(page, 'Status').locator('option[value="open"]')).toHaveText('Open (1)');

    await field(page, 'Severity').selectOption('');
    await field(page, 'Sort by').selectOption('title');
    await apply(page);
    await expect(page.getByTestId('incident-table').getByTestId('incident-link')).toHaveText([alpha, bravo, charlie]);
    await expect(page.getByTestId('incident-count')).toHaveText('3 incidents');
  });
});

test('the first-run hint above a list with incidents can be hidden, and stays hidden in this browser', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/');
  await expect(page.getByTestId('incident-table')).toBeVisible();
  const hint = page.getByTestId('first-run');
  await expect(hint).toBeVisible();
  await expect(hint.getByRole('heading', { name: 'New here? Start with…' })).toBeVisible();
  await expect(hint.getByRole('link', { name: 'Help' })).toHaveAttribute('href', '/help');
  // The button works once the wasm runs.
  await hint.getByRole('button', { name: 'Hide this hint' }).click();
  await expect(hint).toBeHidden();
  // Hidden before the first paint on the next visit, without waiting for the wasm.
  await page.reload();
  await expect(page.getByTestId('incident-table')).toBeVisible();
  await expect(page.getByTestId('first-run')).toBeHidden();
  // Another browser (no such memory) sees it again.
  await page.evaluate(() => localStorage.removeItem('custody-first-run'));
  await page.reload();
  await expect(page.getByTestId('first-run')).toBeVisible();
  expect(problems).toEqual([]);
});
