import { expect, Browser, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { authFile } from '../global-setup';

/** The demo corpus and its root key, written by the custody binary under test into a
 *  new directory named after `name`. */
export function demoCorpus(name: string): { dir: string; root: string } {
  const bin = process.env.CUSTODY_BIN ?? 'custody';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `custody-${name}-`));
  execFileSync(bin, ['demo', '--out', dir]);
  return { dir, root: fs.readFileSync(path.join(dir, 'root.pub'), 'utf8').trim() };
}

/** A page in a new browser context signed in as account `name`. */
export async function pageAs(browser: Browser, name: string): Promise<Page> {
  const context = await browser.newContext({ storageState: authFile(name) });
  return context.newPage();
}

/**
 * A bundle made as a team would, with the `custody` command: keys, bindings from its
 * root for `agent` and a collector (for 2026), and `events` (payloads without `seq`
 * and `prev`) signed by the agent. The bundle file and the root's public key.
 */
export function signedWithCli(name: string, agent: string, events: object[], issuedAt: string) {
  const bin = process.env.CUSTODY_BIN ?? 'custody';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `custody-${name}-`));
  const run = (...args: string[]) => execFileSync(bin, args, { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  for (const k of ['root', 'agent', 'collector']) run('keygen', k);
  for (const [key, subject] of [['agent.pub', agent], ['collector.pub', 'collector']]) {
    run('trust', '--root', 'root.key', '--key', key, '--subject', subject,
      '--not-before', '2026-01-01T00:00:00Z', '--not-after', '2027-01-01T00:00:00Z', '--out', 'statements.jsonl');
  }
  fs.writeFileSync(path.join(dir, 'events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const file = path.join(dir, `${name}.bundle.json`);
  run('sign', '--key', `${agent}=agent.key`, '--collector', 'collector=collector.key', '--statements', 'statements.jsonl',
    '--issued-at', issuedAt, '-o', file, 'events.jsonl');
  return { file, root: fs.readFileSync(path.join(dir, 'root.pub'), 'utf8').trim() };
}

/** DSSE v1 pre-authentication encoding, written here independently of the Rust core. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `),
    type,
    Buffer.from(` ${payload.length} `),
    payload,
  ]);
}

/** A fresh ed25519 key pair, signing with Node's own crypto (not Custody's code). */
export function newSigner() {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const rawPublicHex = spki.subarray(spki.length - 32).toString('hex');
  const publicPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const envelope = (payloadType: string, payload: Buffer) => ({
    payloadType,
    payload: payload.toString('base64'),
    signatures: [
      { keyid: rawPublicHex.slice(0, 16), sig: crypto.sign(null, pae(payloadType, payload), privateKey).toString('base64') },
    ],
  });
  return { rawPublicHex, publicPem, envelope };
}

/** Collects console errors and failed requests so a test can assert there were none. */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  return problems;
}

/** Waits until the wasm has hydrated the page: the Verify button is enabled then. */
export async function waitForHydration(page: Page) {
  await expect(page.getByRole('button', { name: 'Verify', exact: true })).toBeEnabled({ timeout: 15_000 });
}

/** The header that marks an API request as coming from this site (the server refuses
 *  state-changing requests from elsewhere). */
export const sameSite = { origin: `http://127.0.0.1:${process.env.E2E_PORT ?? '3999'}` };
