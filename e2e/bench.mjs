// Browser benchmark: verification in the worker, timeline render and interaction
// times, for synthetic bundles of 10,000 and 100,000 events, next to the native CLI.
// Run it with `./x bench` (release build), or: node e2e/bench.mjs BASE_URL CUSTODY_BIN [N…]
import { chromium } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [base, bin, ...sizes] = process.argv.slice(2);
const counts = (sizes.length ? sizes : ['10000', '100000']).map(Number);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'custody-bench-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const rows = [];
for (const n of counts) {
  execFileSync(bin, ['demo', '--out', dir, '--synthetic', String(n)], { stdio: 'ignore' });
  const bundle = path.join(dir, `synthetic-${n}.bundle.json`);
  const roots = path.join(dir, 'synthetic-root.pub');

  // Native: the CLI's wall time, best of three.
  const native = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    execFileSync(bin, ['verify', bundle, '--trust', roots], { stdio: 'ignore' });
    native.push(performance.now() - t0);
  }

  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${base}/verify`);
  await page.waitForFunction(() => [...document.querySelectorAll('button')].some((b) => b.textContent.trim() === 'Verify' && !b.disabled));
  await page.locator('#trust-roots-file').setInputFiles(roots);
  await page.locator('#bundle-file').setInputFiles(bundle);
  await page.waitForFunction(() => document.querySelector('#trust-roots')?.value.length > 0);
  // Note when the timeline first shows marks (or counted columns).
  await page.evaluate(() => {
    window.__drawnAt = null;
    new MutationObserver((_, obs) => {
      if (document.querySelector('[data-testid=timeline] [data-mark], [data-testid=timeline] [data-column]')) {
        window.__drawnAt = Date.now();
        obs.disconnect();
      }
    }).observe(document.body, { childList: true, subtree: true });
  });
  const clicked = Date.now();
  await page.getByRole('button', { name: 'Verify bundle' }).click();
  const verdict = page.getByTestId('browser-verdict');
  await verdict.waitFor({ timeout: 600_000 });
  await page.waitForFunction(() => window.__drawnAt !== null);
  const status = await verdict.getAttribute('data-status');
  const workerMs = Number(await verdict.getAttribute('data-millis'));
  const analysisMs = Number(await verdict.getAttribute('data-analysis-millis'));
  const helped = Number(await verdict.getAttribute('data-helped'));
  const receivedAt = Number(await verdict.getAttribute('data-received-at'));
  const drawnAt = await page.evaluate(() => window.__drawnAt);
  const total = (await page.evaluate(() => Date.now())) - clicked;
  // The same bundle again in the same worker, now that its code is warm.
  await page.getByRole('button', { name: 'Verify bundle' }).click();
  await page.waitForFunction((before) => {
    const v = document.querySelector('[data-testid=browser-verdict]');
    return v && v.getAttribute('data-received-at') !== before;
  }, String(receivedAt), { timeout: 600_000 });
  const againMs = Number(await page.getByTestId('browser-verdict').getAttribute('data-millis'));

  // One interaction: dispatch it, wait for the DOM update and the next frame.
  const act = (script) => page.evaluate(async (script) => {
    const el = document.querySelector('[data-testid=timeline]');
    el.focus();
    const t0 = performance.now();
    if (script.key) el.dispatchEvent(new KeyboardEvent('keydown', { key: script.key, bubbles: true }));
    if (script.wheel) {
      const r = el.getBoundingClientRect();
      el.dispatchEvent(new WheelEvent('wheel', { deltaY: script.wheel, clientX: r.left + r.width * 0.6, clientY: r.top + 40, bubbles: true, cancelable: true }));
    }
    if (script.click) document.querySelector('[data-testid=timeline] [data-mark]')?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return performance.now() - t0;
  }, script);
  const times = { pan: [], zoomOut: [], zoomIn: [], wheel: [], select: [], step: [] };
  for (let i = 0; i < 5; i++) {
    times.pan.push(await act({ key: 'ArrowRight' }));
    times.pan.push(await act({ key: 'ArrowLeft' }));
    times.wheel.push(await act({ wheel: -120 }));
    times.wheel.push(await act({ wheel: 120 }));
  }
  // Zoom in until single marks are drawn, then select and step through them.
  for (let i = 0; i < 40 && !(await page.locator('[data-testid=timeline] [data-mark]').count()); i++) {
    times.zoomIn.push(await act({ key: '+' }));
  }
  for (let i = 0; i < 5; i++) {
    times.select.push(await act({ click: true }));
    times.step.push(await act({ key: 'j' }));
  }
  for (let i = 0; i < 3; i++) times.zoomOut.push(await act({ key: '0' }));
  rows.push({ n, status, native: Math.min(...native), workerMs, againMs, analysisMs, helped, render: drawnAt - receivedAt, total, times });
  await page.close();
}
await browser.close();

console.log('\nCustody browser benchmark (Chromium, this machine)\n');
for (const r of rows) {
  console.log(`${r.n.toLocaleString('en')} events (${r.status}):`);
  console.log(`  native CLI verify (best of 3):        ${fmt(r.native)}`);
  console.log(`  browser verify in the worker (wasm):  ${fmt(r.workerMs)}  = ${(r.workerMs / r.native).toFixed(2)}x native (${r.helped} batches checked by its helper)`);
  console.log(`  the same again in that worker:        ${fmt(r.againMs)}  = ${(r.againMs / r.native).toFixed(2)}x native`);
  console.log(`  then findings and timeline layout:    ${fmt(r.analysisMs)}  (both: ${((r.workerMs + r.analysisMs) / r.native).toFixed(2)}x native)`);
  console.log(`  timeline first render after result:  ${fmt(r.render)}`);
  console.log(`  click to timeline on screen:          ${fmt(r.total)}`);
  for (const [name, xs] of Object.entries(r.times)) {
    if (xs.length) console.log(`  ${name.padEnd(8)} median ${fmt(median(xs))}, worst ${fmt(Math.max(...xs))} (${xs.length} runs)`);
  }
}
fs.rmSync(dir, { recursive: true, force: true });
