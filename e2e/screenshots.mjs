// Writes the README's screenshots from a running Custody: node e2e/screenshots.mjs URL OUT_DIR
// (Start `custody serve --demo` on a new data directory first: it loads the demo corpus and
// its demo accounts; this signs in as the demo compliance reviewer.)
import { chromium } from '@playwright/test';
import crypto from 'node:crypto';
import { mkdirSync } from 'node:fs';

const [base, out] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });

await page.goto(`${base}/login`);
await page.getByLabel(/user/i).fill('compliance');
await page.getByLabel(/password/i).fill('compliance-demo-pass');
await page.getByRole('button', { name: /sign in/i }).click();
await page.waitForURL(`${base}/`);
await page.getByTestId('incident-table').waitFor();
await page.screenshot({ path: `${out}/incidents.png` });

// The incident page of the late approval: the account of its side effect.
const list = await (await page.request.get(`${base}/api/incidents`)).json();
const late = list.find((i) => /sixteen minutes/.test(i.title));
await page.setViewportSize({ width: 1280, height: 900 });
await page.goto(`${base}/incidents/${late.id}`);
await page.getByTestId('side-effects').locator('[data-account="Approval"]').first().waitFor({ timeout: 30_000 });
await page.getByTestId('side-effects').scrollIntoViewIfNeeded();
await page.screenshot({ path: `${out}/incident.png` });
await page.setViewportSize({ width: 1280, height: 800 });

const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
const spki = publicKey.export({ format: 'der', type: 'spki' });
const type = 'application/vnd.custody.event+json';
const payload = Buffer.from(JSON.stringify({ kind: 'side_effect', actor: 'spiffe://acme.example/agent/deploy-bot', resource: 'prod/config/payments.yaml' }, null, 2));
const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} ${type} ${payload.length} `), payload]);
const envelope = { payloadType: type, payload: payload.toString('base64'), signatures: [{ keyid: 'gateway-2026', sig: crypto.sign(null, pae, privateKey).toString('base64') }] };
await page.goto(`${base}/verify`);
await page.getByRole('button', { name: 'Verify', exact: true }).waitFor({ state: 'visible' });
await page.waitForFunction(() => [...document.querySelectorAll('button')].some((b) => b.textContent.trim() === 'Verify' && !b.disabled));
await page.getByLabel('DSSE envelope (JSON)').fill(JSON.stringify(envelope, null, 2));
await page.getByLabel('Public key (hex, base64 or PEM)').fill(spki.subarray(spki.length - 32).toString('hex'));
await page.getByRole('button', { name: 'Verify', exact: true }).click();
await page.getByTestId('verdict').waitFor();
await page.screenshot({ path: `${out}/verify.png`, fullPage: true });
// A bundle verified in the browser: the timeline with a side effect traced back to
// its human intent (the demo's prod-config-change, or the bundle BUNDLE_SHA names).
const config = list.find((i) => /support chat prompt/.test(i.title));
const sha = process.env.BUNDLE_SHA
  ?? (config && (await (await page.request.get(`${base}/api/incidents/${config.id}`)).json()).bundles?.[0]?.sha256);
if (sha) {
  await page.setViewportSize({ width: 1400, height: 1000 });
  await page.goto(`${base}/bundles/${sha}`);
  await page.getByTestId('browser-verdict').waitFor({ timeout: 30_000 });
  await page.getByTestId('timeline').locator('[data-kind="side_effect"]').first().click();
  await page.getByTestId('trace').click();
  await page.getByTestId('inspector').getByTestId('account').waitFor();
  await page.screenshot({ path: `${out}/timeline.png`, fullPage: false, clip: { x: 0, y: 0, width: 1400, height: 1000 } });
  await page.getByTestId('inspector').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${out}/inspector.png` });
}
await browser.close();
