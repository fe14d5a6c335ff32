import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
const base = 'http://127.0.0.1:38411';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const r = await context.request.post(base + '/login', { form: { username: 'compliance', password: 'compliance-demo-pass' }, headers: { origin: base, accept: 'application/json' } });
console.log('login', r.status());
const page = await context.newPage();
const incidents = await (await context.request.get(base + '/api/incidents')).json();
const id = (incidents.incidents ?? incidents)[0].id;
const inc = await (await context.request.get(base + `/api/incidents/${id}`)).json();
const sha = inc.bundles[0].sha256;
for (const [name, url] of [['bundle', `/bundles/${sha}`], ['review-log', '/review-log'], ['help', '/help#anchoring']]) {
  await page.goto(base + url);
  await page.waitForTimeout(3000);
  const anchoring = page.getByTestId('anchoring');
  if (await anchoring.count()) { await anchoring.first().scrollIntoViewIfNeeded(); console.log(name, await anchoring.first().innerText()); }
  await page.screenshot({ path: `/tmp/shot-${name}.png`, fullPage: false });
  const axe = await new AxeBuilder({ page }).analyze();
  console.log(name, 'axe violations', axe.violations.map(v => `${v.id}: ${v.nodes.length}`));
}
await browser.close();
