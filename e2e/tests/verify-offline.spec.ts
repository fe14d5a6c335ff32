import { test, expect, Page, Browser } from '@playwright/test';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { authFile } from '../global-setup';
import { newSigner, sameSite, signedWithCli, watchConsole } from './helpers';

const bin = process.env.CUSTODY_BIN ?? 'custody';
const siteRoot = process.env.CUSTODY_SITE_ROOT ?? 'target/debug/site';

// An auditor's bundle and roots, made as a team would with the CLI, and a copy with
// one event's signed payload edited.
const agent = 'spiffe://offline.example/agent';
const EVENTS = 5;
const made = signedWithCli('offline', agent, Array.from({ length: EVENTS }, (_, n) => ({
  emitter: agent, time: `2026-11-20T10:00:0${n}Z`, id: `e${n}`, kind: 'tool.call',
  actor: { type: 'agent', id: agent }, tool: { name: 'sync', argumentsHash: `sha256:${'0'.repeat(64)}` },
})), '2026-11-21T00:00:00Z');
const dir = path.dirname(made.file);
const rootsFile = path.join(dir, 'roots.pub');
fs.writeFileSync(rootsFile, `${made.root}\n`);
const tamperedFile = path.join(dir, 'offline-tampered.bundle.json');
{
  const bundle = JSON.parse(fs.readFileSync(made.file, 'utf8'));
  const event = bundle.events[2];
  const payload = JSON.parse(Buffer.from(event.payload, 'base64').toString('utf8'));
  payload.tool.name = 'sync-everything';
  event.payload = Buffer.from(JSON.stringify(payload)).toString('base64');
  fs.writeFileSync(tamperedFile, JSON.stringify(bundle));
}
/** What the CLI finds in a file: its status and reason codes, in order (it exits
 *  non-zero for anything but verified, with the same report). */
function cli(file: string): { status: string; reasons: string[] } {
  const run = spawnSync(bin, ['verify', file, '--trust', rootsFile, '--json'], { encoding: 'utf8' });
  return JSON.parse(run.stdout);
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A Custody server of this test's own, which it can stop: the network really goes away. */
async function ownServer(): Promise<{ base: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-offline-'));
  const server: ChildProcess = spawn(bin, ['serve', '--addr', `127.0.0.1:${port}`, '--data-dir', data, '--site-root', siteRoot], {
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  await expect.poll(async () => {
    try {
      return (await fetch(`${base}/healthz`)).status;
    } catch {
      return 0;
    }
  }, { timeout: 30_000 }).toBe(200);
  const stop = async () => {
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(data, { recursive: true, force: true });
  };
  return { base, stop };
}

async function verifyBundle(page: Page, bundle: string) {
  await page.locator('#bundle-file').setInputFiles(bundle);
  await page.getByRole('button', { name: 'Verify bundle' }).click();
  const verdict = page.getByTestId('browser-verdict');
  await expect(verdict).toBeVisible({ timeout: 30_000 });
  return verdict;
}

test.describe('with the network gone', () => {
  // An auditor on their own machine: no account, and nothing of the shared server's.
  test.use({ storageState: { cookies: [], origins: [] } });

  test('the Verify page opens and verifies a bundle against roots, both from files, after the network goes away', async ({ page, context }) => {
    test.setTimeout(120_000);
    const problems = watchConsole(page);
    const server = await ownServer();
    try {
      await page.goto(`${server.base}/verify`);
      // The worker and the wasm load as the page opens, and the page is kept.
      const ready = page.getByTestId('verifier-ready');
      await expect(ready).toHaveAttribute('data-state', 'offline', { timeout: 60_000 });
      await expect(ready).toHaveText(/^Ready: verifies offline/);

      // The network goes away: the browser is offline, and the server is gone too.
      await context.setOffline(true);
      await server.stop();
      await page.reload();
      expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
      await expect(ready).toHaveAttribute('data-state', 'offline', { timeout: 30_000 });

      // Roots and bundle from files, verified in this browser.
      await page.locator('#trust-roots-file').setInputFiles(rootsFile);
      await expect(page.getByLabel(/Trust roots: the organisation root keys/)).toHaveValue(new RegExp(made.root));
      await expect(page.getByTestId('trust-roots-file-name')).toHaveText('from roots.pub');
      const verdict = await verifyBundle(page, made.file);
      await expect(verdict).toHaveAttribute('data-status', 'verified');
      await expect(verdict).toContainText(`${EVENTS} events,`);
      await expect(page.getByTestId('verify-progress')).toHaveText(new RegExp(`^Checked all ${EVENTS} events in this browser in \\d+ ms\\.$`));
      await expect(page.getByTestId('timeline').locator('[data-mark]')).toHaveCount(EVENTS);

      // The edited copy: the exact failure the CLI finds, reason for reason.
      const expected = cli(tamperedFile);
      expect(expected.status).toBe('tampered');
      expect(expected.reasons).toContain('signature.invalid');
      const tampered = await verifyBundle(page, tamperedFile);
      await expect(tampered).toHaveAttribute('data-status', 'tampered');
      await expect(page.getByTestId('browser-reasons').locator('code')).toHaveText(expected.reasons);
      expect(problems).toEqual([]);
    } finally {
      await context.setOffline(false);
      await server.stop();
    }
  });
});

test('a dropped bundle is named in its file field, and without roots the page asks for them', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/verify');
  await expect(page.getByTestId('verifier-ready')).toHaveAttribute('data-state', /^(ready|offline)$/, { timeout: 60_000 });

  // Dropped, not chosen: the browser's own field names the file.
  const bytes = fs.readFileSync(made.file, 'utf8');
  const dropped = await page.evaluateHandle((text) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([text], 'dropped.bundle.json', { type: 'application/json' }));
    return transfer;
  }, bytes);
  await page.getByTestId('bundle-drop').dispatchEvent('drop', { dataTransfer: dropped });
  expect(await page.locator('#bundle-file').evaluate((input: HTMLInputElement) => input.files?.[0]?.name)).toBe('dropped.bundle.json');
  await expect(page.getByTestId('bundle-drop')).toContainText(`dropped.bundle.json (${Buffer.byteLength(bytes)} bytes)`);

  // No roots: a question, not a verdict.
  await page.getByRole('button', { name: 'Verify bundle' }).click();
  await expect(page.getByTestId('roots-needed')).toContainText('Give the trust roots you hold.');
  await expect(page.getByTestId('browser-verdict')).toHaveCount(0);
  // Comments alone are no roots either.
  await page.getByLabel(/Trust roots: the organisation root keys/).fill('# the roots go here\n');
  await page.getByRole('button', { name: 'Verify bundle' }).click();
  await expect(page.getByTestId('roots-needed')).toBeVisible();
  await expect(page.getByTestId('browser-verdict')).toHaveCount(0);

  // Given roots, the dropped file is what is verified.
  await page.getByLabel(/Trust roots: the organisation root keys/).fill(made.root);
  await expect(page.getByTestId('roots-needed')).toHaveCount(0);
  await page.getByRole('button', { name: 'Verify bundle' }).click();
  await expect(page.getByTestId('browser-verdict')).toHaveAttribute('data-status', 'verified', { timeout: 30_000 });

  // A roots file dropped on its field is named too.
  const rootsDrop = await page.evaluateHandle((text) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([text], 'dropped-roots.pub', { type: 'text/plain' }));
    return transfer;
  }, `${made.root}\n`);
  await page.locator('#trust-roots').dispatchEvent('drop', { dataTransfer: rootsDrop });
  await expect(page.getByTestId('trust-roots-file-name')).toHaveText('from dropped-roots.pub');
  expect(await page.locator('#trust-roots-file').evaluate((input: HTMLInputElement) => input.files?.[0]?.name)).toBe('dropped-roots.pub');
  expect(problems).toEqual([]);
});

async function as(browser: Browser, name: string): Promise<Page> {
  const context = await browser.newContext({ storageState: authFile(name) });
  return context.newPage();
}

/** Saves the download a click on `link` starts, and reads it. */
async function downloaded(page: Page, link: ReturnType<Page['getByTestId']>): Promise<{ name: string; text: string }> {
  const download = page.waitForEvent('download');
  await link.click();
  const file = await download;
  return { name: file.suggestedFilename(), text: fs.readFileSync((await file.path())!, 'utf8') };
}

test('root keys download as files wherever they are shown', async ({ browser }) => {
  // A root of the admin's choosing (it signs nothing the other tests load).
  const key = newSigner().rawPublicHex;
  const admin = await as(browser, 'admin');
  const added = await admin.request.post('/api/trust-roots/add', { form: { key, label: 'Offline test root' }, headers: sameSite });
  expect(added.ok()).toBeTruthy();

  // Settings: the root's key file, for any signed-in reviewer.
  const auditor = await as(browser, 'auditor');
  const problems = watchConsole(auditor);
  await auditor.goto('/settings');
  const row = auditor.getByTestId('trust-roots').locator('tr', { hasText: 'Offline test root' });
  const root = await downloaded(auditor, row.getByTestId('root-key-download'));
  expect(root.name).toBe(`trust-root-${key.slice(0, 16)}.pub`);
  expect(root.text).toBe(`${key}\n`);

  // The review log: the server's key, the one its text shows.
  await auditor.goto('/review-log');
  const shown = /server key ([0-9a-f]{64})/.exec(await auditor.getByTestId('log-integrity').innerText())![1];
  const server = await downloaded(auditor, auditor.getByTestId('server-key-download'));
  expect(server).toEqual({ name: 'server.pub', text: `${shown}\n` });

  // An incident's export section: the same key, beside the command that needs it.
  const incident = await admin.request.post('/api/incidents', {
    data: { title: 'Offline key test' },
    headers: { 'content-type': 'application/json', ...sameSite },
  });
  expect(incident.ok()).toBeTruthy();
  const { incident: { id } } = await incident.json();
  await auditor.goto(`/incidents/${id}`);
  const beside = await downloaded(auditor, auditor.getByTestId('export-server-key'));
  expect(beside).toEqual({ name: 'server.pub', text: `${shown}\n` });
  expect(problems).toEqual([]);
});
