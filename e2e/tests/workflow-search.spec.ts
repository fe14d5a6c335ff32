import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { demoCorpus, pageAs, sameSite, watchConsole } from './helpers';

const { dir: demo, root } = demoCorpus('search');

test('a reviewer searches events across incidents, pages through them, saves the search and shares it as a link', async ({ browser, page, request }) => {
  test.setTimeout(60_000);
  const problems = watchConsole(page);
  const admin = await pageAs(browser, 'admin');
  await admin.request.post('/api/trust-roots/add', { form: { key: root, label: 'Fernhill root' }, headers: sameSite });
  for (const name of ['secrets-export', 'multi-agent-pipeline']) {
    const stored = await request.post(`/api/bundles?name=${name}.bundle.json`, {
      data: fs.readFileSync(path.join(demo, `${name}.bundle.json`)),
      headers: { 'content-type': 'application/json', ...sameSite },
    });
    expect(stored.ok()).toBeTruthy();
  }

  await page.goto('/events');
  await expect(page.getByRole('heading', { name: 'Events', level: 1 })).toBeVisible();
  await expect(page.getByTestId('saved-views')).toContainText('None yet');
  const filters = page.getByTestId('event-filters');
  await filters.getByLabel('Kind').selectOption('tool.call');
  await filters.getByLabel('Actor type').selectOption('agent');
  await filters.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/\/events\?.*actor_type=agent/);
  await expect(page).toHaveURL(/kind=tool\.call/);
  const count = page.getByTestId('event-count');
  await expect(count).toHaveText(/^1–\d+ of \d+ events?$/);
  const total = Number((await count.innerText()).match(/of (\d+)/)![1]);
  const rows = page.getByTestId('event-row');
  await expect(rows).toHaveCount(Math.min(total, 50));
  for (const kind of await rows.locator('td:nth-child(2)').allInnerTexts()) expect(kind).toBe('tool.call');
  // The events come from more than one incident's bundles.
  const bundles = new Set((await rows.locator('td:last-child a').allInnerTexts()).map((t) => t.split(' in ')[1]));
  expect(bundles.size).toBeGreaterThan(1);

  // Paging, with the filters kept.
  await page.goto('/events?kind=tool.call&per_page=2');
  await expect(page.getByTestId('event-row')).toHaveCount(2);
  // Next and Previous name the event a page starts after or ends before (keyset
  // paging): walking forward twice and back twice shows the same pages.
  const pages = page.getByRole('navigation', { name: 'Pages of events' });
  const shown = () => page.getByTestId('event-row').locator('td:last-child a').allInnerTexts();
  const first = await shown();
  await pages.getByRole('link', { name: 'Next' }).click();
  await expect(page).toHaveURL(/kind=tool\.call&page=2&per_page=2&after=[0-9a-f]{64}%3A\d+$/);
  await expect(page.getByTestId('event-count')).toHaveText(/^3–4 of \d+ events$/);
  const second = await shown();
  expect(second).not.toEqual(first);
  await pages.getByRole('link', { name: 'Next' }).click();
  await expect(page.getByTestId('event-count')).toHaveText(/^5–6 of \d+ events$/);
  const third = await shown();
  expect(third.filter((e) => second.includes(e) || first.includes(e))).toEqual([]);
  await pages.getByRole('link', { name: 'Previous' }).click();
  await expect(page).toHaveURL(/page=2&per_page=2&before=[0-9a-f]{64}%3A\d+$/);
  await expect(page.getByTestId('event-count')).toHaveText(/^3–4 of \d+ events$/);
  expect(await shown()).toEqual(second);
  await pages.getByRole('link', { name: 'Previous' }).click();
  await expect(page).toHaveURL(/\/events\?kind=tool\.call&per_page=2$/);
  expect(await shown()).toEqual(first);
  await expect(pages.getByRole('link', { name: 'Previous' })).toHaveCount(0);

  // Saved under a name, listed, opened as a link by another reviewer.
  await page.goto('/events?kind=tool.call&actor_type=agent');
  const save = page.getByTestId('save-view');
  await save.getByLabel('Save this search as').fill('Agent tool calls');
  await save.getByRole('button', { name: 'Save view' }).click();
  const view = page.getByTestId('saved-view').filter({ hasText: 'Agent tool calls' });
  await expect(view).toBeVisible();
  const href = await view.getByRole('link').getAttribute('href');
  expect(href).toBe('/events?actor_type=agent&kind=tool.call');
  const auditor = await pageAs(browser, 'auditor');
  await auditor.goto(href!);
  await expect(auditor.getByTestId('event-count')).toHaveText(new RegExp(` of ${total} event`));
  await expect(auditor.getByTestId('saved-views')).toContainText('None yet');
  // A filter the server cannot use is said, naming it (and answered 400).
  const refused = await auditor.goto('/events?from=17%2F11%2F2026');
  expect(refused?.status()).toBe(400);
  await expect(auditor.getByTestId('search-invalid')).toContainText('`from` must be a day');
  await auditor.goto(href!);
  // The CSV holds every match.
  const csv = await auditor.request.get(await auditor.getByTestId('events-csv').getAttribute('href') ?? '');
  expect(csv.ok()).toBeTruthy();
  const lines = (await csv.text()).trim().split('\n');
  expect(lines.length - 1).toBe(total);
  // Deleted by its owner.
  await view.getByRole('button', { name: 'Delete the view Agent tool calls' }).click();
  await expect(page.getByTestId('saved-view')).toHaveCount(0);
  expect(problems).toEqual([]);
});
