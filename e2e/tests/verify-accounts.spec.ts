import { test, expect, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { watchConsole, sameSite, signedWithCli, newSigner } from './helpers';

// The demo corpus and its root key, written by the custody binary under test.
const demo = (() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-demo-'));
  execFileSync(process.env.CUSTODY_BIN ?? 'custody', ['demo', '--out', dir]);
  return dir;
})();
const root = fs.readFileSync(path.join(demo, 'root.pub'), 'utf8').trim();
const index: { file: string; expectedStatus: string }[] = JSON.parse(
  fs.readFileSync(path.join(demo, 'index.json'), 'utf8'),
);

/** The golden account of each side effect (server/tests/golden): position → field → sentence. */
function golden(slug: string): Map<string, Map<string, string>> {
  const text = fs.readFileSync(path.join(__dirname, '..', '..', 'server', 'tests', 'golden', `${slug}.txt`), 'utf8');
  const out = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const line of text.split('\n')) {
    const head = /^## side effect #(\d+) /.exec(line);
    if (head) {
      current = new Map();
      out.set(head[1], current);
      continue;
    }
    const at = line.indexOf(': ');
    if (current && at > 0) current.set(line.slice(0, at), line.slice(at + 2));
  }
  return out;
}

const FIELDS = ['Intended by', 'Executed by', 'Credential', 'Authority', 'Approval', 'What changed'];

async function verifyOffline(page: Page, file: string, roots: string) {
  await page.goto('/verify');
  await expect(page.getByRole('button', { name: 'Verify', exact: true })).toBeEnabled({ timeout: 15_000 });
  if (roots) await page.getByLabel(/Trust roots: the organisation root keys/).fill(roots);
  await page.locator('#bundle-file').setInputFiles(file);
  await page.getByRole('button', { name: 'Verify bundle' }).click();
  const verdict = page.getByTestId('browser-verdict');
  await expect(verdict).toBeVisible({ timeout: 20_000 });
  return verdict;
}

/** Clicks the centre of the mark of event `at`, as a person would. */
async function clickMark(page: Page, at: string) {
  const mark = page.getByTestId('timeline').locator(`[data-mark="${at}"]`);
  await mark.scrollIntoViewIfNeeded();
  const box = await mark.boundingBox();
  expect(box, `mark #${at} is drawn`).not.toBeNull();
  await page.mouse.click(box!.x + box!.width / 2, box!.y + box!.height / 2);
  return box!;
}

test('every side effect, clicked at two zoom levels, opens its account as the golden file states it', async ({ page }) => {
  test.setTimeout(240_000);
  const problems = watchConsole(page);
  for (const { file } of index.filter((i) => !i.file.startsWith('tampered-'))) {
    const slug = file.replace('.bundle.json', '');
    const want = golden(slug);
    expect(want.size, slug).toBeGreaterThan(0);
    await expect(await verifyOffline(page, path.join(demo, file), root)).toHaveAttribute('data-status', 'verified');
    const inspector = page.getByTestId('inspector');
    for (const [at, fields] of want) {
      // Fitted to the whole bundle.
      const box = await clickMark(page, at);
      await expect(inspector, `${slug} #${at}`).toHaveAttribute('data-index', at);
      for (const field of FIELDS) {
        await expect(inspector.locator(`[data-account="${field}"]`), `${slug} #${at} ${field}`).toHaveText(fields.get(field)!);
      }
      // Zoomed in around the mark with the wheel, then clicked again.
      await page.getByTestId('timeline').focus();
      await page.keyboard.press('Escape');
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.wheel(0, -400);
      await clickMark(page, at);
      await expect(inspector, `${slug} #${at} zoomed in`).toHaveAttribute('data-index', at);
      await expect(inspector.locator('[data-account="Intended by"]')).toHaveText(fields.get('Intended by')!);
      // Back to the whole bundle for the next one.
      await page.getByTestId('timeline').focus();
      await page.keyboard.press('0');
    }
  }
  expect(problems).toEqual([]);
});

/** What the heading beside a badge may say for a status: only a bundle that verified is "Verified". */
function agrees(status: string, badge: string, heading: string) {
  const labels: Record<string, string> = {
    verified: 'Verified',
    verified_with_warnings: 'Verified with warnings',
    untrusted: 'Untrusted',
    tampered: 'Tampered',
  };
  expect(badge).toBe(labels[status]);
  const claimsVerified = heading.startsWith('Verified');
  expect(claimsVerified, `${status}: "${heading}"`).toBe(status === 'verified' || status === 'verified_with_warnings');
}

test('the verdict heading never contradicts its badge, on Verify and on the bundle page', async ({ page, request }) => {
  test.setTimeout(120_000);
  const problems = watchConsole(page);
  const cases: [string, string, string][] = [
    ['privileged-api-jit.bundle.json', root, 'verified'],
    // Roots that did not sign it (with none, the page asks for roots instead).
    ['privileged-api-jit.bundle.json', newSigner().rawPublicHex, 'untrusted'],
    ['tampered-keyid-wrong-key.bundle.json', root, 'verified_with_warnings'],
    ['tampered-modified-payload.bundle.json', root, 'tampered'],
    ['tampered-key-not-certified.bundle.json', root, 'untrusted'],
  ];
  for (const [file, roots, status] of cases) {
    const verdict = await verifyOffline(page, path.join(demo, file), roots);
    await expect(verdict, file).toHaveAttribute('data-status', status);
    agrees(status, (await verdict.locator('span').first().innerText()).trim(), await verdict.getByTestId('verdict-heading').innerText());
  }
  // A bundle that cannot be read is refused, and says so.
  const broken = path.join(os.tmpdir(), `custody-broken-${process.pid}.bundle.json`);
  fs.writeFileSync(broken, '{"custodyBundle": 1}');
  const refused = await verifyOffline(page, broken, root);
  await expect(refused).toHaveAttribute('data-status', 'refused');
  await expect(refused).toContainText('Refused');
  await expect(refused).not.toContainText('Verified');

  // The bundle page: the server trusts no root here, so the stored verdict is
  // untrusted, and the browser's heading agrees with its badge.
  for (const file of ['shared-account-gap.bundle.json', 'tampered-deleted-event.bundle.json']) {
    const stored = await request.post(`/api/bundles?name=${file}`, {
      data: fs.readFileSync(path.join(demo, file)),
      headers: { 'content-type': 'application/json', ...sameSite },
    });
    expect(stored.ok()).toBeTruthy();
    const bundle = await stored.json();
    await page.goto(`/bundles/${bundle.sha256}`);
    const verdict = page.getByTestId('browser-verdict');
    await expect(verdict).toBeVisible({ timeout: 20_000 });
    const status = (await verdict.getAttribute('data-status'))!;
    expect(['untrusted', 'tampered']).toContain(status);
    agrees(status, (await verdict.locator('span').first().innerText()).trim(), await verdict.getByTestId('verdict-heading').innerText());
  }
  expect(problems).toEqual([]);
});

test('a finding link on the incident page opens the side effect it is about', async ({ page, request }) => {
  const problems = watchConsole(page);
  for (const [file, rule] of [
    ['revoked-credential-use.bundle.json', 'credential-revoked'],
    ['secrets-export.bundle.json', 'approval-missing'],
  ]) {
    const stored = await request.post(`/api/bundles?name=${file}`, {
      data: fs.readFileSync(path.join(demo, file)),
      headers: { 'content-type': 'application/json', ...sameSite },
    });
    const bundle = await stored.json();
    await page.goto(`/incidents/${bundle.incident_id}`);
    const finding = page.locator(`[data-testid="finding"][data-rule="${rule}"]`).first();
    await finding.getByTestId('finding-link').click();
    const inspector = page.getByTestId('inspector');
    await expect(inspector).toBeVisible({ timeout: 20_000 });
    await expect(inspector.getByTestId('account'), `${rule} opens a side effect`).toBeVisible({ timeout: 20_000 });
  }
  expect(problems).toEqual([]);
});

test('the pages that state accounts pass axe-core (WCAG 2 A and AA)', async ({ page, request }) => {
  test.setTimeout(120_000);
  const { default: AxeBuilder } = await import('@axe-core/playwright');
  const audit = async (what: string) => {
    const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
    const found = result.violations.map((v) => `${what}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
    expect(found, found.join('\n')).toEqual([]);
  };
  const stored = await request.post('/api/bundles?name=token-refresh-vault.bundle.json', {
    data: fs.readFileSync(path.join(demo, 'token-refresh-vault.bundle.json')),
    headers: { 'content-type': 'application/json', ...sameSite },
  });
  const bundle = await stored.json();
  await page.goto('/');
  await expect(page.getByTestId('incident-table')).toBeVisible();
  await expect(page.getByTestId('evidence-span').first()).toBeVisible();
  await audit('incidents');
  await page.goto(`/incidents/${bundle.incident_id}`);
  await expect(page.getByTestId('side-effects').locator('[data-account="Intended by"]').first()).toBeVisible({ timeout: 20_000 });
  await audit('incident');
  await page.goto(`/bundles/${bundle.sha256}?event=8`);
  await expect(page.getByTestId('inspector').getByTestId('account')).toBeVisible({ timeout: 20_000 });
  await audit('bundle');
  await verifyOffline(page, path.join(demo, 'late-approval.bundle.json'), root);
  await clickMark(page, '7');
  await expect(page.getByTestId('inspector').getByTestId('account')).toBeVisible({ timeout: 20_000 });
  await audit('verify');
});

test('a bundle spanning three days has dated ticks', async ({ page }) => {
  const problems = watchConsole(page);
  // Made as a team would: keys, bindings from its root, events from a JSON Lines file.
  const agent = 'spiffe://days.example/agent';
  const events: object[] = [];
  for (const day of ['17', '18', '19']) {
    for (const hour of ['06', '12', '18']) {
      events.push({
        emitter: agent, time: `2026-11-${day}T${hour}:00:00Z`, id: `e-${day}-${hour}`, kind: 'tool.call',
        actor: { type: 'agent', id: agent }, tool: { name: 'sync', argumentsHash: `sha256:${'0'.repeat(64)}` },
      });
    }
  }
  const days = signedWithCli('days', agent, events, '2026-11-20T00:00:00Z');
  const verdict = await verifyOffline(page, days.file, days.root);
  await expect(verdict).toHaveAttribute('data-status', 'verified');
  await expect(page.getByTestId('timeline-dates')).toHaveText('2026-11-17 to 2026-11-19 (times in UTC)');
  const ticks = await page.getByTestId('timeline').locator('[data-tick]').allTextContents();
  expect(ticks.length).toBeGreaterThan(1);
  for (const tick of ticks) expect(tick, `tick "${tick}"`).toMatch(/^(2026-11-\d\d|11-\d\d \d\d:\d\d)$/);
  expect(new Set(ticks).size, 'no tick repeats').toBe(ticks.length);
  expect(problems).toEqual([]);
});
