import { test, expect, request } from '@playwright/test';
import { ChildProcess, execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { signedWithCli, watchConsole } from './helpers';

// An auditor checks, in their own browser with the network gone, a bundle that a
// time-stamping authority the organisation does not run has stamped (OpenSSL's ts
// command, serving RFC 3161 over HTTP) and that two of three witnesses have seen in
// the server's transparency log.

const bin = process.env.CUSTODY_BIN ?? 'custody';
const siteRoot = process.env.CUSTODY_SITE_ROOT ?? 'target/debug/site';
const agent = 'spiffe://anchored.example/agent';
const made = signedWithCli('anchored', agent, Array.from({ length: 4 }, (_, n) => ({
  emitter: agent, time: `2026-11-20T10:00:0${n}Z`, id: `e${n}`, kind: 'tool.call',
  actor: { type: 'agent', id: agent }, tool: { name: 'sync', argumentsHash: `sha256:${'0'.repeat(64)}` },
})), '2026-11-21T00:00:00Z');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const out = spawnSync(cmd, args, { cwd, env, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${out.stdout}${out.stderr}`);
  return out.stdout;
}

/** `run`, without blocking this process: the authority answering the command lives here. */
function runAsync(cmd: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${cmd} ${args.join(' ')}: ${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

/** A time-stamping authority: its CA, its certificate, and OpenSSL answering queries. */
async function startTsa(dir: string): Promise<{ url: string; rootPem: string; stop: () => void }> {
  const sh = (script: string) => execFileSync('sh', ['-ec', script], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  sh(`openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out root.key
openssl req -x509 -new -key root.key -subj "/CN=Test Root CA/O=Independent TSA" -days 3650 -addext basicConstraints=critical,CA:true -out root.crt
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out tsa.key
openssl req -new -key tsa.key -subj "/CN=Independent Time Authority/O=Independent TSA" -out tsa.csr
printf 'extendedKeyUsage=critical,timeStamping\\nbasicConstraints=CA:false\\n' > tsa.ext
openssl x509 -req -in tsa.csr -CA root.crt -CAkey root.key -CAcreateserial -days 365 -extfile tsa.ext -out tsa.crt
echo 01 > tsaserial
printf '[ tsa ]\\ndefault_tsa = current\\n[ current ]\\ndir = .\\nserial = ./tsaserial\\ncrypto_device = builtin\\nsigner_cert = ./tsa.crt\\ncerts = ./root.crt\\nsigner_key = ./tsa.key\\nsigner_digest = sha256\\ndefault_policy = 1.2.3.4.1\\ndigests = sha256\\ness_cert_id_alg = sha256\\n' > ts.cnf`);
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const q = path.join(dir, `q${n}.tsq`);
      const r = path.join(dir, `r${n++}.tsr`);
      fs.writeFileSync(q, Buffer.concat(chunks));
      execFileSync('openssl', ['ts', '-reply', '-config', 'ts.cnf', '-queryfile', q, '-out', r], { cwd: dir, stdio: 'ignore' });
      res.writeHead(200, { 'content-type': 'application/timestamp-reply' });
      res.end(fs.readFileSync(r));
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, rootPem: fs.readFileSync(path.join(dir, 'root.crt'), 'utf8'), stop: () => server.close() };
}

test.describe('an anchored bundle', () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test('the Verify page shows its time stamp and its witnesses with the network off', async ({ page, context }) => {
    test.setTimeout(180_000);
    const problems = watchConsole(page);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-anchored-'));
    const data = path.join(dir, 'data');
    const tsa = await startTsa(dir);
    // Three witnesses' keys, each made by its witness.
    const witnesses = [1, 2, 3].map((n) => ({ name: `w${n}.witness.example`, key: path.join(dir, `w${n}.key`), state: path.join(dir, `w${n}.state`) }));
    const vkeys = witnesses.map((w) => run(bin, ['witness', '--server', 'http://unused', '--trust', made.root, '--key', w.key, '--name', w.name, '--state', w.state, '--print-vkey'], dir).trim());
    const policy = `${vkeys.map((v) => `witness ${v}`).join('\n')}\nquorum 2\n`;
    fs.writeFileSync(path.join(dir, 'witnesses.policy'), policy);

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const server: ChildProcess = spawn(bin, ['serve', '--addr', `127.0.0.1:${port}`, '--data-dir', data, '--site-root', siteRoot,
      '--witness-policy', path.join(dir, 'witnesses.policy')], { stdio: 'ignore' });
    const stop = async () => {
      if (server.exitCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGTERM');
        await exited;
      }
    };
    try {
      await expect.poll(async () => {
        try { return (await fetch(`${base}/healthz`)).status; } catch { return 0; }
      }, { timeout: 30_000 }).toBe(200);
      // The organisation stores the bundle; two witnesses see the log.
      const env = { ...process.env, CUSTODY_NEW_PASSWORD: 'anchored e2e password' };
      run(bin, ['user', 'add', 'reviewer', '--role', 'compliance-reviewer', '--data-dir', data], dir, env);
      run(bin, ['trust-root', '--data-dir', data, 'add', made.root, '--label', 'anchored'], dir);
      const api = await request.newContext({ baseURL: base });
      expect((await api.post('/login', { form: { username: 'reviewer', password: 'anchored e2e password' }, headers: { origin: base, accept: 'application/json' } })).ok()).toBeTruthy();
      const serverPub = (await (await api.get('/api/review-log/key')).text()).trim();
      const stored = await api.post('/api/bundles?name=anchored.bundle.json', { data: fs.readFileSync(made.file), headers: { origin: base, 'content-type': 'application/json' } });
      expect(stored.ok()).toBeTruthy();
      const summary = await stored.json();
      const sha = summary.sha256 as string;
      for (const w of witnesses.slice(0, 2)) {
        run(bin, ['witness', '--server', base, '--trust', serverPub, '--key', w.key, '--name', w.name, '--state', w.state], dir);
      }
      // The bundle with its anchors, downloaded, then time-stamped by the authority.
      const anchoredFile = path.join(dir, 'anchored.bundle.json');
      const anchored = await api.get(`/api/bundles/${sha}/anchored`);
      expect(anchored.ok()).toBeTruthy();
      fs.writeFileSync(anchoredFile, await anchored.body());
      const rootFile = path.join(dir, 'tsa-root.crt');
      fs.writeFileSync(rootFile, tsa.rootPem);
      await runAsync(bin, ['timestamp', anchoredFile, '--tsa', tsa.url, '--tsa-trust', rootFile], dir);
      // The incident's export, and a copy with one byte of its CSV changed.
      const exportFile = path.join(dir, 'export.tar');
      const exported = await api.get(`/api/incidents/${summary.incident_id}/export/export.tar`);
      expect(exported.ok()).toBeTruthy();
      const tar = await exported.body();
      fs.writeFileSync(exportFile, tar);
      const changedFile = path.join(dir, 'changed.tar');
      const changed = Buffer.from(tar);
      const csvAt = changed.indexOf(Buffer.from('events.csv'));
      changed[csvAt + 512 + 3] ^= 0x20;
      fs.writeFileSync(changedFile, changed);
      await api.dispose();

      // The auditor's browser loads the Verify page, then the network goes away.
      await page.goto(`${base}/verify`);
      const ready = page.getByTestId('verifier-ready');
      await expect(ready).toHaveAttribute('data-state', 'offline', { timeout: 60_000 });
      await context.setOffline(true);
      await stop();
      tsa.stop();
      await page.reload();
      await expect(ready).toHaveAttribute('data-state', 'offline', { timeout: 30_000 });

      await page.getByLabel(/Trust roots: the organisation root keys/).fill(made.root);
      await page.getByText('Anchors: what you trust outside the organisation (optional)').click();
      await page.getByLabel(/Anchor trust:/).fill(`log ${serverPub}\n${policy}${tsa.rootPem}`);
      await page.locator('#bundle-file').setInputFiles(anchoredFile);
      await page.getByRole('button', { name: 'Verify bundle' }).click();
      await expect(page.getByTestId('browser-verdict')).toHaveAttribute('data-status', 'verified', { timeout: 30_000 });
      const anchoring = page.getByTestId('anchoring');
      await expect(anchoring).toHaveAttribute('data-state', 'anchored');
      const lines = anchoring.getByTestId('anchor-line');
      await expect(lines.nth(0)).toHaveText(/^Timestamped by Independent Time Authority \(Independent TSA\) at 20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      await expect(lines.nth(1)).toHaveText(/^Witnessed by 2 of 3 \(w1\.witness\.example, w2\.witness\.example\) at size \d+$/);
      await expect(anchoring.getByTestId('anchor-problems')).toHaveCount(0);
      await page.screenshot({ path: path.join(dir, 'verify-anchored.png'), fullPage: true });

      // The export, checked in this browser as custody verify-report checks it.
      await page.locator('#export-file').setInputFiles(exportFile);
      await page.getByLabel("The server's public key (server.pub)").fill(serverPub);
      await page.getByLabel(/Witness policy \(optional\)/).fill(policy);
      await page.getByRole('button', { name: 'Verify export' }).click();
      const result = page.getByTestId('export-result');
      await expect(result).toHaveAttribute('data-state', 'verified');
      await expect(result.getByTestId('export-line').nth(0)).toHaveText(/^Verified: incident \d+ \(\d+ files, 1 source bundles\)/);
      await expect(result.getByTestId('export-line').nth(1)).toHaveText(/^anchored: in custody\.local\/log\/[0-9a-f]{16} at size \d+ \(root [0-9a-f]{64}\); \d+ inclusion proofs hold$/);
      await expect(result.getByTestId('export-line').nth(2)).toHaveText(/^Witnessed by 2 of 3 \(w1\.witness\.example, w2\.witness\.example\) at size \d+$/);
      await page.locator('#export-file').setInputFiles(changedFile);
      await page.getByRole('button', { name: 'Verify export' }).click();
      await expect(result).toHaveAttribute('data-state', 'not_verified');
      await expect(result).toContainText('events.csv: changed');

      // Trusting no authority and one witness short: the stamp is named as untrusted.
      await page.getByLabel(/Anchor trust:/).fill(`log ${serverPub}\nwitness ${vkeys[0]}\nwitness ${vkeys[2]}\nquorum 2\n`);
      await page.getByRole('button', { name: 'Verify bundle' }).click();
      await expect(lines.nth(0)).toHaveText(/^In log .* at size \d+; witnessed by 1 of 2 \(w1\.witness\.example\), short of the quorum$/, { timeout: 30_000 });
      await expect(anchoring.getByTestId('anchor-problems')).toContainText('is not trusted');
      expect(problems).toEqual([]);
    } finally {
      await context.setOffline(false);
      await stop();
      tsa.stop();
    }
  });
});
