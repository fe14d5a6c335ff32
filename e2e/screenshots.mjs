// Writes the README's screenshots from a running Custody: node e2e/screenshots.mjs URL OUT_DIR
// (Start `custody serve` on a new data directory first: it loads the demo corpus.)
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

await page.goto(`${base}/`);
await page.screenshot({ path: `${out}/incidents.png` });

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
// its human intent. BUNDLE_SHA names the bundle (prod-config-change in the demo).
if (process.env.BUNDLE_SHA) {
  await page.setViewportSize({ width: 1400, height: 1000 });
  await page.goto(`${base}/bundles/${process.env.BUNDLE_SHA}`);
  await page.getByTestId('browser-verdict').waitFor({ timeout: 30_000 });
  await page.getByTestId('timeline').locator('[data-kind="side_effect"]').first().click();
  await page.getByTestId('trace').click();
  await page.getByTestId('inspector').getByText('Change').first().waitFor();
  await page.screenshot({ path: `${out}/timeline.png`, fullPage: false, clip: { x: 0, y: 0, width: 1400, height: 1000 } });
  await page.getByTestId('inspector').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${out}/inspector.png` });
}
await browser.close();
