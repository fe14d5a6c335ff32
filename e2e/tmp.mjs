import { chromium } from '@playwright/test';
const base = 'http://127.0.0.1:3977';
const out = process.argv[2];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium' });
const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await ctx.newPage();
await page.goto(base + '/login');
await page.getByLabel(/user/i).fill('admin');
await page.getByLabel(/password/i).fill('admin-demo-pass');
await page.getByRole('button', { name: /sign in/i }).click();
await page.waitForURL(base + '/');
// A hostile title on a new incident.
const r = await ctx.request.post(base + '/api/incidents', {
  data: { title: 'Invoice\u202efdp.exe sent by ad\u200bmin </title><script>alert(1)</script>', severity: 'high' },
  headers: { origin: base },
});
const inc = await r.json();
await page.goto(base + '/incidents/' + inc.incident.id);
await page.waitForTimeout(1500);
await page.screenshot({ path: out + '/incident-hostile.png' });
await page.goto(base + '/settings');
await page.waitForTimeout(1500);
await page.getByTestId('reverify-all').click();
await page.getByTestId('reverify-result').waitFor();
await page.waitForTimeout(500);
await page.screenshot({ path: out + '/settings-reverify.png', fullPage: true });
await browser.close();
