import { test, expect, Browser, Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { authFile } from '../global-setup';
import { demoCorpus, pageAs, sameSite } from './helpers';

// Every page of the console, as the role that uses it, in both themes, at a desktop
// and a phone width: axe-core (WCAG 2 A and AA) finds no serious or critical
// violation, no page is wider than the window (it reflows; wide content scrolls
// inside its own box), and no page shows source text.
const { dir: demo, root } = demoCorpus('a11y');

type Visit = { name: string; who: string | null; url: () => string; ready: (page: Page) => Promise<void> };

async function context(browser: Browser, who: string | null, width: number, theme: 'light' | 'dark') {
  const ctx = await browser.newContext({
    storageState: who ? authFile(who) : { cookies: [], origins: [] },
    viewport: { width, height: 900 },
    colorScheme: theme,
  });
  await ctx.addInitScript((t) => localStorage.setItem('custody-theme', t), theme);
  return ctx;
}

test('every page passes axe-core in both themes, on a desktop and on a phone, and fits the phone', async ({ browser, request }) => {
  test.setTimeout(300_000);
  const { default: AxeBuilder } = await import('@axe-core/playwright');
  const admin = await pageAs(browser, 'admin');
  await admin.request.post('/api/trust-roots/add', { form: { key: root, label: 'Fernhill root' }, headers: sameSite });
  const stored = await request.post('/api/bundles?name=cicd-change-ticket.bundle.json', {
    data: fs.readFileSync(path.join(demo, 'cicd-change-ticket.bundle.json')),
    headers: { 'content-type': 'application/json', ...sameSite },
  });
  const bundle = await stored.json();
  const heading = (page: Page) => expect(page.locator('h1').first()).toBeVisible();
  const visits: Visit[] = [
    { name: 'sign-in', who: null, url: () => '/login', ready: heading },
    { name: 'verify', who: null, url: () => '/verify', ready: heading },
    { name: 'help', who: null, url: () => '/help', ready: heading },
    { name: 'not-found', who: 'compliance', url: () => '/no-such-page', ready: heading },
    { name: 'incidents', who: 'compliance', url: () => '/', ready: (p) => expect(p.getByTestId('incident-table')).toBeVisible() },
    { name: 'incident', who: 'compliance', url: () => `/incidents/${bundle.incident_id}`, ready: (p) => expect(p.getByTestId('side-effects')).toBeVisible({ timeout: 20_000 }) },
    { name: 'bundle', who: 'compliance', url: () => `/bundles/${bundle.sha256}?event=7`, ready: (p) => expect(p.getByTestId('inspector').getByTestId('account')).toBeVisible({ timeout: 45_000 }) },
    { name: 'work (access)', who: 'access', url: () => '/work', ready: (p) => expect(p.getByTestId('work-signoffs')).toBeVisible() },
    { name: 'work (compliance)', who: 'compliance', url: () => '/work', ready: (p) => expect(p.getByTestId('work-assigned')).toBeVisible() },
    { name: 'work (auditor)', who: 'auditor', url: () => '/work', ready: (p) => expect(p.getByTestId('work-bundles')).toBeVisible() },
    { name: 'events', who: 'compliance', url: () => '/events?kind=tool.call', ready: (p) => expect(p.getByTestId('event-results')).toBeVisible() },
    { name: 'review log', who: 'auditor', url: () => '/review-log', ready: (p) => expect(p.getByTestId('review-log')).toBeVisible() },
    { name: 'settings', who: 'admin', url: () => '/settings', ready: (p) => expect(p.getByTestId('trust-roots')).toBeVisible() },
    { name: 'users', who: 'admin', url: () => '/users', ready: (p) => expect(p.getByTestId('users')).toBeVisible() },
    { name: 'password', who: 'auditor', url: () => '/password', ready: (p) => expect(p.getByTestId('password-form')).toBeVisible() },
  ];
  const found: string[] = [];
  const counts: string[] = [];
  for (const width of [1280, 390]) {
    for (const theme of ['light', 'dark'] as const) {
      const contexts = new Map<string | null, Awaited<ReturnType<typeof context>>>();
      for (const visit of visits) {
        if (!contexts.has(visit.who)) contexts.set(visit.who, await context(browser, visit.who, width, theme));
        const page = await contexts.get(visit.who)!.newPage();
        await page.goto(visit.url());
        try {
          await visit.ready(page);
        } catch (e) {
          found.push(`${visit.name} ${theme} ${width}px: not ready: ${String(e).split('\n')[0]}`);
        }
        const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
        const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
        const where = `${visit.name} ${theme} ${width}px`;
        counts.push(`${where}: ${bad.reduce((n, v) => n + v.nodes.length, 0)} serious or critical (${result.violations.length} rules in all)`);
        for (const v of bad) {
          found.push(`${where}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).slice(0, 4).join(' | ')}`);
        }
        // No source text leaked into the page (a `view!` attribute the macro misread).
        const leaked = await page.evaluate(() => (document.body.innerText.match(/move \||\.set\(|=> |\.get\(\)/) ?? [])[0]);
        if (leaked) found.push(`${where}: source text on the page: ${leaked}`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        if (overflow > 1) found.push(`${where}: the page is ${overflow}px wider than the window`);
        await page.close();
      }
      for (const ctx of contexts.values()) await ctx.close();
    }
  }
  console.log(counts.join('\n'));
  expect(found, found.join('\n')).toEqual([]);
});
