import { defineConfig } from '@playwright/test';

// `./x e2e` and `./x test` build Custody, then set these: the server binary, its
// web assets, a free port and a throwaway data directory.
const port = process.env.E2E_PORT ?? '3999';
const bin = process.env.CUSTODY_BIN ?? 'custody';
const siteRoot = process.env.CUSTODY_SITE_ROOT ?? 'target/debug/site';
const dataDir = process.env.E2E_DATA_DIR ?? '/tmp/custody-e2e';

export default defineConfig({
  testDir: './tests',
  // Makes one account per role and signs each in; tests run as the compliance
  // reviewer unless they say otherwise.
  globalSetup: './global-setup.ts',
  outputDir: './test-results',
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  workers: 1,
  reporter: [['list']],
  timeout: 30_000,
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    storageState: `${__dirname}/.auth/compliance.json`,
    screenshot: 'only-on-failure',
    trace: 'on-first-retry',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    // Without --demo: the tests start from an empty console (the shell test checks
    // its empty state) and load bundles themselves.
    command: `"${bin}" serve --addr 127.0.0.1:${port} --data-dir "${dataDir}" --site-root "${siteRoot}"`,
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
