import { test, expect, Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { demoCorpus, pageAs, sameSite, watchConsole } from './helpers';

const { dir: demo, root } = demoCorpus('work');

/** The count beside "My work" (0 when none is shown). */
async function waiting(page: Page): Promise<number> {
  await expect(page.getByTestId('nav-work')).toBeVisible();
  const badge = page.getByTestId('work-count');
  return (await badge.count()) ? Number((await badge.innerText()).replace(/\D/g, '')) : 0;
}

test('each role finds its work on one page: the access reviewer signs a chain from the queue, after confirming', async ({ browser, page, request }) => {
  test.setTimeout(90_000);
  const problems = watchConsole(page);
  const admin = await pageAs(browser, 'admin');
  await admin.request.post('/api/trust-roots/add', { form: { key: root, label: 'Fernhill root' }, headers: sameSite });

  // The compliance reviewer stores a bundle with an approval chain and takes its incident.
  const stored = await request.post('/api/bundles?name=late-approval.bundle.json', {
    data: fs.readFileSync(path.join(demo, 'late-approval.bundle.json')),
    headers: { 'content-type': 'application/json', ...sameSite },
  });
  expect(stored.ok()).toBeTruthy();
  const bundle = await stored.json();
  expect(bundle.verdict).toBe('verified');
  const assigned = await request.post('/api/incidents/assign', { form: { id: String(bundle.incident_id), assignee: 'compliance' }, headers: sameSite });
  expect(assigned.ok()).toBeTruthy();
  await page.goto('/work');
  await expect(page.getByRole('heading', { name: 'My work', level: 1 })).toBeVisible();
  const mine = page.getByTestId('work-assigned');
  await expect(mine.getByRole('link', { name: new RegExp(`^#${bundle.incident_id} `) })).toBeVisible();
  await expect(page.getByTestId('work-findings')).toBeVisible();
  await expect(page.getByTestId('work-signoffs')).toHaveCount(0);
  // The count beside "My work" arrives once the page is interactive.
  await expect.poll(() => waiting(page)).toBeGreaterThan(0);

  // The access reviewer's queue holds the chain, oldest first, with what it rests on.
  const access = await pageAs(browser, 'access');
  await access.goto('/work');
  await expect.poll(() => waiting(access)).toBeGreaterThan(0);
  const before = await waiting(access);
  const queue = access.getByTestId('work-signoffs');
  await expect(queue.getByRole('heading', { level: 2 })).toHaveText(`Chains awaiting your sign-off (${before})`);
  const item = queue.getByTestId('awaiting-chain').filter({ hasText: `#${bundle.incident_id} ` });
  await expect(item).toHaveCount(1);
  await expect(item).toContainText(/waiting \d+ (min|h|d)/);
  await expect(item).toContainText('Side effects');
  await expect(item).toContainText('Asked of');

  // Signed from the queue: not before the reviewer confirms.
  await item.getByText('Sign this chain…').click();
  const form = item.getByTestId('signoff-form');
  await form.getByLabel('Decision').selectOption('approve');
  await form.getByLabel('Justification').fill('Approval and change agree; the delay is explained in the ticket.');
  await form.getByRole('button', { name: 'Sign' }).click();
  expect(await form.getByTestId('signoff-confirm').evaluate((e: HTMLInputElement) => e.validity.valueMissing)).toBe(true);
  await form.getByTestId('signoff-confirm').check();
  await form.getByRole('button', { name: 'Sign' }).click();
  await expect(queue.getByTestId('awaiting-chain').filter({ hasText: `#${bundle.incident_id} ` })).toHaveCount(0);
  await expect.poll(() => waiting(access)).toBe(before - 1);

  // On the bundle page the chain is signed, and the form is gone for good.
  await access.goto(`/bundles/${bundle.sha256}`);
  const chain = access.getByTestId('chain').first();
  await expect(chain).toHaveAttribute('data-status', 'approved', { timeout: 20_000 });
  await expect(chain.getByTestId('signoff-form')).toHaveCount(0);

  // The auditor's page lists what was stored lately, with its verdict; nothing to count.
  const auditor = await pageAs(browser, 'auditor');
  await auditor.goto('/work');
  const recent = auditor.getByTestId('work-bundles');
  await expect(recent.getByRole('link', { name: 'late-approval.bundle.json' })).toBeVisible();
  await expect(auditor.getByTestId('work-exports')).toBeVisible();
  expect(await waiting(auditor)).toBe(0);

  expect(problems).toEqual([]);
});

test('a reviewer who may not sign sees why, not a form', async ({ browser }) => {
  const access2 = await pageAs(browser, 'access2');
  const admin = await pageAs(browser, 'admin');
  await admin.request.post('/api/trust-roots/add', { form: { key: root, label: 'Fernhill root' }, headers: sameSite });
  const stored = await admin.request.post('/api/bundles?name=cicd-change-ticket.bundle.json', {
    data: fs.readFileSync(path.join(demo, 'cicd-change-ticket.bundle.json')),
    headers: { 'content-type': 'application/json', ...sameSite },
  });
  expect(stored.ok()).toBeTruthy();
  const bundle = await stored.json();
  expect(bundle.verdict).toBe('verified');
  // An access reviewer sees the form on a chain awaiting sign-off; an admin sees none.
  await admin.goto(`/bundles/${bundle.sha256}`);
  await expect(admin.getByTestId('chain').first()).toBeVisible({ timeout: 20_000 });
  await expect(admin.getByTestId('signoff-form')).toHaveCount(0);
  await access2.goto(`/bundles/${bundle.sha256}`);
  const pending = access2.locator('[data-testid=chain][data-status=pending]').first();
  await expect(pending).toBeVisible({ timeout: 20_000 });
  const id = await pending.getAttribute('data-chain');
  const chain = access2.locator(`[data-testid=chain][data-chain="${id}"]`);
  await expect(chain.getByTestId('signoff-form')).toBeVisible();
  // With two steps, once they fill the first they may no longer approve or reject:
  // the card says why, and the form offers only what they still may do.
  const steps = (n: number) => admin.request.post('/api/settings/signoff-steps', { form: { steps: String(n) }, headers: sameSite });
  expect((await steps(2)).ok()).toBeTruthy();
  try {
    await access2.reload();
    const form = chain.getByTestId('signoff-form');
    await form.getByLabel('Decision').selectOption('approve');
    await form.getByLabel('Justification').fill('First of two steps.');
    await form.getByTestId('signoff-confirm').check();
    await form.getByRole('button', { name: 'Sign' }).click();
    await expect(chain.getByTestId('signoffs')).toContainText('Step 1: approve');
    await expect(chain).toHaveAttribute('data-status', 'pending');
    await expect(chain.getByTestId('cannot-sign')).toHaveText('You cannot approve or reject: separation of duties: you already filled a step of this chain.');
    const options = await chain.getByTestId('signoff-form').getByLabel('Decision').locator('option').allTextContents();
    expect(options).toEqual(['flag', 'reassign']);
    // And the chain has left their queue, while it waits in another reviewer's.
    await access2.goto('/work');
    await expect(access2.getByTestId('work-signoffs')).toBeVisible();
    await expect(access2.locator(`[data-testid=awaiting-chain][data-chain="${id}"]`)).toHaveCount(0);
    const access = await pageAs(browser, 'access');
    await access.goto('/work');
    await expect(access.locator(`[data-testid=awaiting-chain][data-chain="${id}"]`)).toHaveCount(1);
  } finally {
    expect((await steps(1)).ok()).toBeTruthy();
  }
});
