import { expect, test } from '@playwright/test';
import { newSigner, waitForHydration, watchConsole } from './helpers';

const TYPE = 'application/vnd.custody.event+json';
const PAYLOAD = Buffer.from('{"kind":"tool.call","actor":"agent:deploy-bot","note":"<b>not html</b>"}');

test('the Verify page verifies a good envelope and names why a tampered one fails, in the browser', async ({ page }) => {
  const problems = watchConsole(page);
  const signer = newSigner();
  const good = signer.envelope(TYPE, PAYLOAD);
  // Same signature, one byte of the payload changed.
  const tampered = { ...good, payload: Buffer.from(PAYLOAD.toString().replace('deploy', 'depl0y')).toString('base64') };

  await page.goto('/verify');
  await waitForHydration(page);
  // The page fetches its verifier as it opens; once it says it is ready, it has all it needs.
  await expect(page.getByTestId('verifier-ready')).toHaveAttribute('data-state', /^(ready|offline|open-tab-only)$/, { timeout: 30_000 });

  // From here on the page must not talk to the server at all.
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));

  await page.getByLabel('DSSE envelope (JSON)').fill(JSON.stringify(good));
  await page.getByLabel('Public key (hex, base64 or PEM)').fill(signer.rawPublicHex);
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  const verdict = page.getByTestId('verdict');
  await expect(verdict).toHaveAttribute('data-verdict', 'verified');
  await expect(verdict).toContainText('Signature verified with the given key');
  await expect(verdict).toContainText(TYPE);
  // The payload is shown as text, never as HTML.
  await expect(verdict.locator('pre')).toHaveText(PAYLOAD.toString());
  await expect(verdict.locator('b')).toHaveCount(0);

  await page.getByLabel('DSSE envelope (JSON)').fill(JSON.stringify(tampered));
  await expect(verdict).toHaveCount(0); // the old verdict is cleared by the edit
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await expect(verdict).toHaveAttribute('data-verdict', 'rejected');
  await expect(verdict).toHaveAttribute('data-reason', 'signature.invalid');
  await expect(verdict).toContainText('no signature verifies with the given key');

  // A PEM key reads too, and a key that is not a key says so.
  await page.getByLabel('DSSE envelope (JSON)').fill(JSON.stringify(good));
  await page.getByLabel('Public key (hex, base64 or PEM)').fill(signer.publicPem);
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await expect(verdict).toHaveAttribute('data-verdict', 'verified');
  await page.getByLabel('Public key (hex, base64 or PEM)').fill('not a key');
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await expect(verdict).toHaveAttribute('data-reason', 'key.malformed');

  expect(requests).toEqual([]);
  expect(problems).toEqual([]);
});

test('an envelope file chosen with the picker is read and verified', async ({ page }) => {
  const signer = newSigner();
  const good = signer.envelope(TYPE, PAYLOAD);
  await page.goto('/verify');
  await waitForHydration(page);
  await page.locator('#envelope-file').setInputFiles({
    name: 'event.dsse.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(good)),
  });
  await expect(page.getByLabel('DSSE envelope (JSON)')).toHaveValue(JSON.stringify(good));
  await page.getByLabel('Public key (hex, base64 or PEM)').fill(signer.rawPublicHex);
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await expect(page.getByTestId('verdict')).toHaveAttribute('data-verdict', 'verified');
});

test('a malformed envelope is refused with its reason', async ({ page }) => {
  const signer = newSigner();
  await page.goto('/verify');
  await waitForHydration(page);
  await page.getByLabel('DSSE envelope (JSON)').fill('{"payloadType": "x"');
  await page.getByLabel('Public key (hex, base64 or PEM)').fill(signer.rawPublicHex);
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  const verdict = page.getByTestId('verdict');
  await expect(verdict).toHaveAttribute('data-reason', 'envelope.malformed');
  await expect(verdict).toContainText('the envelope is not a DSSE envelope');
});
