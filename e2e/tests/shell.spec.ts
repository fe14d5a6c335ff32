import { expect, test } from '@playwright/test';
import { watchConsole } from './helpers';

test('the incidents page is server-rendered, hydrates, and says how to load a bundle', async ({ page }) => {
  const problems = watchConsole(page);
  const wasm = page.waitForResponse((r) => r.url().endsWith('.wasm') && r.ok());
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  await wasm;

  await expect(page).toHaveTitle('Incidents · Custody');
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const name of ['Incidents', 'Verify', 'Review log', 'Settings']) {
    await expect(nav.getByRole('link', { name })).toBeVisible();
  }
  await expect(nav.getByRole('link', { name: 'Incidents' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('heading', { name: 'No incidents yet' })).toBeVisible();
  await expect(page.getByText('custody ingest bundle.json')).toBeVisible();

  // The theme button only works once wasm runs: it proves hydration.
  // Its name is what it shows: the theme in force.
  const theme = page.getByRole('button', { name: /Theme: (light|dark)/ });
  await expect(async () => {
    await theme.click();
    await expect(page.locator('html')).toHaveClass(/dark/, { timeout: 500 });
  }).toPass({ timeout: 15_000 });
  await expect(theme).toHaveAccessibleName('Theme: dark');
  // Remembered across a reload, applied before paint.
  await page.reload();
  await expect(page.locator('html')).toHaveClass(/dark/);

  // The skip link moves the focus to the page's content.
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('main#main')).toBeFocused();

  // Client-side navigation after hydration.
  await nav.getByRole('link', { name: 'Settings' }).click();
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByText('SQLite (embedded)')).toBeVisible();
  await expect(page.getByText('wal', { exact: true })).toBeVisible();
  await expect(page.getByText('FULL', { exact: true })).toBeVisible();

  expect(problems).toEqual([]);
});

test('an unknown address gets the 404 page with status 404', async ({ page }) => {
  const problems = watchConsole(page);
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  // Its scripts run under the CSP: no console error, and the theme button works.
  const theme = page.getByRole('button', { name: /Theme/ });
  await expect(async () => {
    await theme.click();
    await expect(page.locator('html')).toHaveClass(/dark/, { timeout: 500 });
  }).toPass({ timeout: 15_000 });
  await theme.click();
  // The page's own 404 status is the only thing the console reports.
  expect(problems.filter((p) => !p.includes('status of 404'))).toEqual([]);
  await page.getByRole('link', { name: 'Back to incidents' }).click();
  await expect(page.getByRole('heading', { name: 'Incidents', exact: true })).toBeVisible();
});

test('after a wrong password the sign-in form keeps the user name and focuses the password', async ({ browser }) => {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await page.goto('/login');
  await expect(page.getByLabel('User name')).toBeFocused();
  await page.getByLabel('User name').fill('compliance');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('login-error')).toBeVisible();
  await expect(page.getByLabel('User name')).toHaveValue('compliance');
  await expect(page.getByLabel('Password')).toBeFocused();
  await context.close();
});
