import { test, expect, Browser, Page } from '@playwright/test';
import fs from 'node:fs';
import { authFile } from '../global-setup';
import { sameSite, signedWithCli } from './helpers';

// Every text an uploader, a producer or a reviewer writes, carrying what would become
// markup, script, a redirect or a visual spoof if it were ever written as HTML.
const RLO = '\u202e';
const ZWSP = '\u200b';
// Each under 200 characters, the shortest limit (a trust-root label, a title).
const hostile = (where: string) =>
  `${where}</title><meta http-equiv="refresh" content="0;url=//evil.example">` +
  `<script>alert(1)</script><img src=x onerror=alert(2)>` +
  `<a href="javascript:alert(3)">x</a> ad${ZWSP}min invoice${RLO}fdp.exe`;

/** A signed bundle whose actor, tool and side effect carry hostile text, made with the CLI. */
function hostileBundle() {
  const agent = 'spiffe://hostile.example/agent';
  const actor = { type: 'agent', id: agent, name: hostile('actor') };
  return signedWithCli('hostile', agent, [
    { emitter: agent, time: '2026-11-20T10:00:00Z', id: 'e0', kind: 'tool.call', actor,
      initiator: { type: 'human', id: hostile('initiator') },
      tool: { name: hostile('tool'), argumentsHash: `sha256:${'0'.repeat(64)}` } },
    { emitter: agent, time: '2026-11-20T10:00:05Z', id: 'e1', kind: 'side_effect', actor, parent: 'e0',
      change: { resource: hostile('resource'), operation: hostile('operation'), outcome: 'success' } },
  ], '2026-11-21T00:00:00Z');
}

const made = hostileBundle();
let stored: { sha256: string; incident_id: number } | undefined;

/** Stores the hostile bundle once: a root with a hostile label, the upload with a
 *  hostile title and file name, a comment with hostile text. */
async function store(browser: Browser) {
  if (stored) return stored;
  const admin = await browser.newContext({ storageState: authFile('admin') });
  const added = await admin.request.post('/api/trust-roots/add', {
    form: { key: made.root, label: hostile('label') },
    headers: sameSite,
  });
  expect(added.ok(), await added.text()).toBeTruthy();
  const params = new URLSearchParams({ title: hostile('title'), name: hostile('name'), description: hostile('description') });
  const upload = await admin.request.post(`/api/bundles?${params}`, {
    data: fs.readFileSync(made.file),
    headers: { ...sameSite, 'content-type': 'application/octet-stream' },
  });
  expect(upload.ok(), await upload.text()).toBeTruthy();
  stored = await upload.json();
  await admin.close();
  // Comments are a compliance reviewer's.
  const compliance = await browser.newContext({ storageState: authFile('compliance') });
  const commented = await compliance.request.post('/api/events/comment', {
    form: { sha256: stored!.sha256, index: '1', body: hostile('comment') },
    headers: sameSite,
  });
  expect(commented.ok(), await commented.text()).toBeTruthy();
  await compliance.close();
  return stored!;
}

/** Opens `url` and checks that nothing hostile became markup: no dialog, no redirect,
 *  no injected element, and the spoofing characters shown as written. */
async function expectInert(page: Page, url: string, ready: (page: Page) => Promise<void>, dialogs: string[]) {
  await page.goto(url);
  await ready(page);
  // A refresh of 0 s would have left by now.
  await page.waitForTimeout(500);
  expect(new URL(page.url()).origin, `${url} stays on this site`).toBe(sameSite.origin);
  const injected = await page.evaluate(() => ({
    refresh: document.querySelectorAll('meta[http-equiv]').length,
    // The page's own data scripts hold the hostile text as JSON; an injected one
    // would be an element of its own, holding just the call.
    scripts: [...document.scripts].filter((s) => /^alert\(\d\)$/.test(s.textContent?.trim() ?? '')).length,
    images: document.querySelectorAll('img[src="x"]').length,
    links: [...document.querySelectorAll('a[href]')].filter((a) => a.getAttribute('href')!.trim().toLowerCase().startsWith('javascript:')).length,
    title: document.title,
    hidden: /[\u202a-\u202e\u2066-\u2069\u200b-\u200f]/.test(document.title),
    // No source text leaked into the page (a `view!` attribute the macro misread).
    leaked: /move \||\.set\(|=> /.test(document.body.innerText),
    // Nowhere on the page is a character that reorders or hides text left raw.
    hiddenInPage: /[\u202a-\u202e\u2066-\u2069\u200b-\u200f]/.test(document.body.innerText),
  }));
  expect(injected, url).toMatchObject({ refresh: 0, scripts: 0, images: 0, links: 0, hidden: false, hiddenInPage: false, leaked: false });
  expect(dialogs, `${url}: no dialog opened`).toEqual([]);
}

for (const bypassCSP of [false, true]) {
  test.describe(`hostile text ${bypassCSP ? 'with the CSP bypassed' : 'under the CSP'}`, () => {
    test.use({ bypassCSP });

    test('every page shows hostile names, titles, labels and comments as text', async ({ browser }) => {
      const { sha256, incident_id } = await store(browser);
      const context = await browser.newContext({ storageState: authFile('admin'), bypassCSP });
      const page = await context.newPage();
      const dialogs: string[] = [];
      page.on('dialog', async (d) => {
        dialogs.push(d.message());
        await d.dismiss();
      });

      await expectInert(page, `/?q=${encodeURIComponent('title</title>')}`, async (p) => {
        await expect(p.getByTestId('incident-table')).toContainText('title</title><meta');
      }, dialogs);
      await expectInert(page, `/incidents/${incident_id}`, async (p) => {
        const heading = p.getByTestId('incident-title');
        await expect(heading).toContainText('<script>alert(1)</script>');
        // The characters that reorder or hide text are shown as written.
        await expect(heading).toContainText('ad\\u{200b}min invoice\\u{202e}fdp.exe');
        await expect(p.getByTestId('side-effects').locator('[data-account="Intended by"]').first()).toContainText('initiator</title>', { timeout: 20_000 });
      }, dialogs);
      await expectInert(page, `/bundles/${sha256}?event=1`, async (p) => {
        await expect(p.getByTestId('bundle-title')).toContainText('name</title><meta');
        await expect(p.getByTestId('bundle-title')).toContainText('invoice\\u{202e}fdp.exe');
        const inspector = p.getByTestId('inspector');
        await expect(inspector.getByTestId('account')).toContainText('resource</title>', { timeout: 20_000 });
        await expect(inspector.getByTestId('account')).toContainText('invoice\\u{202e}fdp.exe');
        await expect(p.getByTestId('comments')).toContainText('comment</title><meta', { timeout: 20_000 });
      }, dialogs);
      await expectInert(page, '/review-log', async (p) => {
        await expect(p.getByRole('main')).toContainText('name</title>');
      }, dialogs);
      await expectInert(page, '/settings', async (p) => {
        await expect(p.getByRole('main')).toContainText('label</title><meta');
        await expect(p.getByRole('main')).toContainText('invoice\\u{202e}fdp.exe');
      }, dialogs);
      await expectInert(page, '/verify', async (p) => {
        await expect(p.getByRole('button', { name: 'Verify', exact: true })).toBeEnabled({ timeout: 15_000 });
        await p.getByLabel(/Trust roots: the organisation root keys/).fill(made.root);
        await p.locator('#bundle-file').setInputFiles(made.file);
        await p.getByRole('button', { name: 'Verify bundle' }).click();
        await expect(p.getByTestId('browser-verdict')).toHaveAttribute('data-status', 'verified', { timeout: 20_000 });
        await p.getByTestId('timeline').locator('[data-mark="1"]').click();
        await expect(p.getByTestId('inspector').getByTestId('account')).toContainText('operation</title>');
      }, dialogs);
      // Links to what the server sends as it is are plain navigations, not routes of
      // the app (which answered "Page not found").
      await page.goto(`/incidents/${incident_id}`);
      await page.getByTestId('bundle-report').first().click();
      await expect(page).toHaveURL(new RegExp(`/api/bundles/${sha256}/report$`));
      await expect(page.locator('body')).toContainText('custody.verification.v1');
      await page.goto(`/bundles/${sha256}`);
      await expect(page.getByTestId('raw-bytes')).toBeVisible();
      // The bytes come as an attachment: a download, not a page of the app.
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('raw-bytes').click()]);
      expect(download.url()).toMatch(new RegExp(`/api/bundles/${sha256}/raw$`));
      expect(fs.readFileSync(await download.path()).toString('utf8')).toContain('custodyBundle');
      await context.close();
    });
  });
}
