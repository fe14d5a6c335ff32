import { request, FullConfig } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The accounts the browser tests sign in as: one per role, and a second access reviewer. */
export const ACCOUNTS: [string, string][] = [
  ['compliance', 'compliance-reviewer'],
  ['auditor', 'auditor'],
  ['access', 'access-reviewer'],
  ['access2', 'access-reviewer'],
  ['admin', 'admin'],
];
export const PASSWORD = 'e2e password 123';

/** Where a signed-in account's cookies are kept for the tests. */
export function authFile(name: string): string {
  return path.join(__dirname, '.auth', `${name}.json`);
}

/**
 * Makes the accounts with the `custody user` command (as an admin would on a new
 * server), then signs each in once and keeps its session for the tests.
 */
export default async function globalSetup(config: FullConfig) {
  const bin = process.env.CUSTODY_BIN ?? 'custody';
  const dataDir = process.env.E2E_DATA_DIR ?? '/tmp/custody-e2e';
  const baseURL = config.projects[0].use.baseURL as string;
  fs.mkdirSync(path.join(__dirname, '.auth'), { recursive: true });
  for (const [name, role] of ACCOUNTS) {
    execFileSync(bin, ['user', 'add', name, '--role', role, '--data-dir', dataDir], {
      env: { ...process.env, CUSTODY_NEW_PASSWORD: PASSWORD },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const context = await request.newContext({ baseURL });
    const response = await context.post('/login', {
      form: { username: name, password: PASSWORD },
      headers: { origin: baseURL, accept: 'application/json' },
    });
    if (!response.ok()) throw new Error(`${name} cannot sign in: ${response.status()}`);
    await context.storageState({ path: authFile(name) });
    await context.dispose();
  }
}
