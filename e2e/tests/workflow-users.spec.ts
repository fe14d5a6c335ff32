import { test, expect } from '@playwright/test';
import { authFile } from '../global-setup';
import { watchConsole } from './helpers';

test('an admin resets a password to a one-time password; its owner must replace it before anything else', async ({ browser }) => {
  test.setTimeout(60_000);
  const context = await browser.newContext({ storageState: authFile('admin') });
  const admin = await context.newPage();
  const problems = watchConsole(admin);
  const name = `temp${Date.now().toString(36)}`;

  // The admin adds an account, then resets its password: shown once, after a second step.
  await admin.goto('/users');
  const add = admin.getByTestId('add-user');
  await add.getByLabel('User name').fill(name);
  await add.getByLabel('Display name').fill('Temporary Reviewer');
  await add.getByLabel('Role').selectOption('auditor');
  await add.getByLabel(/^Password/).fill('first password 123');
  await add.getByRole('button', { name: 'Add user' }).click();
  const row = admin.locator(`tr[data-user="${name}"]`);
  await expect(row).toContainText('Temporary Reviewer');
  await expect(row.getByTestId('reset-password')).toBeHidden();
  await row.getByText('Reset password…').click();
  await row.getByTestId('reset-password').click();
  const issued = admin.getByTestId('one-time-password');
  await expect(issued).toContainText(`One-time password for ${name}:`);
  const once = (await admin.getByTestId('one-time-password-value').innerText()).trim();
  expect(once).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
  await expect(row).toContainText('must replace its one-time password');

  // Its owner signs in with it and is sent to replace it; nothing else opens meanwhile.
  const own = await (await browser.newContext({ storageState: { cookies: [], origins: [] } })).newPage();
  await own.goto('/login');
  await own.getByLabel('User name').fill(name);
  await own.getByLabel('Password').fill('first password 123');
  await own.getByRole('button', { name: 'Sign in' }).click();
  await expect(own.getByTestId('login-error')).toBeVisible();
  await own.getByLabel('Password').fill(once);
  await own.getByRole('button', { name: 'Sign in' }).click();
  await expect(own).toHaveURL(/\/password$/);
  await own.goto('/review-log');
  await expect(own).toHaveURL(/\/password$/);
  const form = own.getByTestId('password-form');
  await form.getByLabel('Current password (or the one-time password)').fill(once);
  await form.getByLabel('New password (12 characters or more)').fill('my own passphrase 42');
  await form.getByLabel('New password again').fill('my own passphrase 41');
  await form.getByRole('button', { name: 'Replace password' }).click();
  await expect(form.getByTestId('action-error')).toHaveText('the two new passwords differ');
  await form.getByLabel('New password again').fill('my own passphrase 42');
  await form.getByRole('button', { name: 'Replace password' }).click();
  await expect(own.getByTestId('password-changed')).toBeVisible();
  await own.getByRole('link', { name: 'Sign in with the new password' }).click();
  await own.getByLabel('User name').fill(name);
  await own.getByLabel('Password').fill('my own passphrase 42');
  await own.getByRole('button', { name: 'Sign in' }).click();
  await expect(own).toHaveURL(/\/$/);
  await expect(own.getByTestId('account')).toHaveAttribute('data-role', 'auditor');
  await admin.reload();
  await expect(row.locator('td').nth(3)).toHaveText('enabled');
  expect(problems).toEqual([]);
});
