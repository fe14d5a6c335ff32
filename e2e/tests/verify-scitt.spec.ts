import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { signedWithCli, watchConsole } from './helpers';

// An auditor checks, in their own browser with the network gone, a bundle's manifest
// registered as a SCITT signed statement: the statement the CLI wrote, and a receipt
// from a transparency service written here, independently of Custody's code (CBOR and
// COSE_Sign1 by hand, RFC 6962 hashing, Node's own ed25519).

const bin = process.env.CUSTODY_BIN ?? 'custody';
const agent = 'spiffe://scitt.example/agent';
const events = (n: number) => Array.from({ length: n }, (_, i) => ({
  emitter: agent, time: `2026-11-20T10:00:0${i}Z`, id: `e${i}`, kind: 'tool.call',
  actor: { type: 'agent', id: agent }, tool: { name: 'sync', argumentsHash: `sha256:${'0'.repeat(64)}` },
}));
const made = signedWithCli('scitt', agent, events(3), '2026-11-21T00:00:00Z');
const other = signedWithCli('scitt-other', agent, events(2), '2026-11-21T00:00:00Z');
const dir = path.dirname(made.file);

/** A CBOR item's head: major type and argument (RFC 8949 section 3). */
function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
  throw new Error('not needed here');
}
const uint = (n: number) => head(0, n);
const nint = (n: number) => head(1, -1 - n);
const bstr = (b: Buffer) => Buffer.concat([head(2, b.length), b]);
const tstr = (s: string) => Buffer.concat([head(3, Buffer.byteLength(s)), Buffer.from(s)]);
const array = (items: Buffer[]) => Buffer.concat([head(4, items.length), ...items]);
const map = (pairs: [Buffer, Buffer][]) => Buffer.concat([head(5, pairs.length), ...pairs.flat()]);

const sha256 = (...parts: Buffer[]) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();
const leafHash = (b: Buffer) => sha256(Buffer.from([0]), b);
const nodeHash = (l: Buffer, r: Buffer) => sha256(Buffer.from([1]), l, r);

/** A transparency service that registered `statement` between two other entries: its
 *  key, and a receipt (COSE_Sign1, vds RFC9162_SHA256, detached root) at index 1 of 3. */
function receiptFor(statement: Buffer) {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const keyHex = spki.subarray(spki.length - 32).toString('hex');
  const [h0, h1, h2] = [Buffer.from('earlier'), statement, Buffer.from('later')].map(leafHash);
  const root = nodeHash(nodeHash(h0, h1), h2);
  const proof = array([uint(3), uint(1), array([bstr(h0), bstr(h2)])]);
  const protectedHeader = map([[uint(1), nint(-8)], [uint(395), uint(1)]]);
  const toBeSigned = array([tstr('Signature1'), bstr(protectedHeader), bstr(Buffer.alloc(0)), bstr(root)]);
  const signature = crypto.sign(null, toBeSigned, privateKey);
  const unprotected = map([[uint(396), map([[nint(-1), array([bstr(proof)])]])]]);
  const receipt = Buffer.concat([Buffer.from([0xd2]), array([bstr(protectedHeader), unprotected, Buffer.from([0xf6]), bstr(signature)])]);
  return { keyHex, receipt };
}

test.describe('a SCITT statement', () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test('the Verify page checks it, its bundle and its receipts with the network off', async ({ page, context }) => {
    test.setTimeout(120_000);
    const problems = watchConsole(page);
    const run = (...args: string[]) => execFileSync(bin, args, { cwd: dir, encoding: 'utf8' });
    run('keygen', 'issuer');
    const statementFile = path.join(dir, 'statement.cbor');
    run('scitt', 'statement', made.file, '--key', 'issuer.key', '--issuer', 'https://acme.example', '--out', statementFile);
    const issuerKey = fs.readFileSync(path.join(dir, 'issuer.pub'), 'utf8').trim();
    const { keyHex, receipt } = receiptFor(fs.readFileSync(statementFile));
    const receiptFile = path.join(dir, 'receipt.cbor');
    fs.writeFileSync(receiptFile, receipt);
    const tampered = Buffer.from(receipt);
    tampered[tampered.length - 1] ^= 1;
    const tamperedFile = path.join(dir, 'tampered.cbor');
    fs.writeFileSync(tamperedFile, tampered);
    // The CLI accepts the receipt this service wrote: the two agree before the browser is asked.
    const cli = run('scitt', 'verify', statementFile, '--issuer-key', issuerKey, '--bundle', made.file,
      '--receipt', receiptFile, '--service-key', keyHex);
    expect(cli).toContain('receipt.cbor: registered at index 1 of 3 (receipt valid).');

    await page.goto('/verify');
    const ready = page.getByTestId('verifier-ready');
    await expect(ready).toHaveAttribute('data-state', 'offline', { timeout: 60_000 });
    await context.setOffline(true);
    try {
      await page.reload();
      await expect(ready).toHaveAttribute('data-state', 'offline', { timeout: 30_000 });

      await page.locator('#scitt-statement').setInputFiles(statementFile);
      await page.locator('#scitt-bundle').setInputFiles(made.file);
      await page.locator('#scitt-receipts').setInputFiles(receiptFile);
      await page.getByLabel("The issuer's public key").fill(issuerKey);
      await page.getByLabel("The transparency service's public key (for receipts)").fill(keyHex);
      await page.getByRole('button', { name: 'Verify statement' }).click();
      const result = page.getByTestId('scitt-result');
      await expect(result).toHaveAttribute('data-state', 'verified');
      const lines = result.getByTestId('scitt-line');
      await expect(lines).toHaveText([
        /^Statement of https:\/\/acme\.example about events \(application\/vnd\.custody\.manifest\.v1\+json, \d+ bytes\): its signature is valid\.$/,
        "Bundle: the statement's payload is the manifest of bundle events, as signed.",
        'Receipt receipt.cbor: registered at index 1 of 3 (receipt valid).',
      ]);
      await page.screenshot({ path: path.join(dir, 'verify-scitt.png'), fullPage: true });

      // Another bundle, and a receipt with one byte of its signature changed: each named.
      await page.locator('#scitt-bundle').setInputFiles(other.file);
      await page.locator('#scitt-receipts').setInputFiles([receiptFile, tamperedFile]);
      await page.getByRole('button', { name: 'Verify statement' }).click();
      await expect(result).toHaveAttribute('data-state', 'not_verified');
      await expect(lines).toHaveText([
        /^Statement of https:\/\/acme\.example about events .*: its signature is valid\.$/,
        "Bundle: not this bundle: the statement's payload is not its manifest.",
        'Receipt receipt.cbor: registered at index 1 of 3 (receipt valid).',
        "Receipt tampered.cbor: not valid: the receipt's signature does not verify with the key given.",
      ]);
      // Another issuer's key: the statement itself is refused.
      await page.getByLabel("The issuer's public key").fill(keyHex);
      await page.getByRole('button', { name: 'Verify statement' }).click();
      await expect(lines.nth(0)).toHaveText("Statement: not valid: the statement's signature does not verify with the key given.");
      expect(problems).toEqual([]);
    } finally {
      await context.setOffline(false);
    }
  });
});
