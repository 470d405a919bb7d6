/**
 * The first run, as an operator meets it: a console with no account at all sends its first visitor
 * to /setup, where the first admin is created with the one-time token the server printed in its
 * log. A wrong token and two different passwords are refused and create nothing; the printed link
 * fills the token in, creates the admin and signs them in; after that, /setup is closed.
 *
 * The suite's own server has its demo admin, so this spec starts a console of its own (as
 * `npm start` serves it) on a fresh data directory and the next port, and reads its log.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 3100) + 7;
const origin = `http://127.0.0.1:${port}`;
const admin = { name: 'Ola Nowak', email: 'ola.nowak@example.com', password: 'first-admin-passphrase' };

let server: ChildProcess;
let dataDir: string;
let serverLog = '';

test.use({ baseURL: origin, storageState: { cookies: [], origins: [] } });

test.beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'migawka-first-run-'));
  server = spawn(process.execPath, ['scripts/start.mjs'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: String(port),
      MIGAWKA_HOST: '127.0.0.1',
      MIGAWKA_DATA_DIR: dataDir,
      MIGAWKA_DB_PATH: path.join(dataDir, 'migawka.db'),
      MIGAWKA_DEMO_ADMIN: '',
      DATABASE_URL: '',
      NEXT_TELEMETRY_DISABLED: '1',
    },
  });
  server.stdout?.on('data', (chunk) => {
    serverLog += String(chunk);
  });
  server.stderr?.on('data', (chunk) => {
    serverLog += String(chunk);
  });
  await expect
    .poll(() => /\/setup\?token=[\w-]+/.test(serverLog), {
      message: 'the console logs its setup link',
      timeout: 90_000,
    })
    .toBe(true);
  // The link is logged while the console prepares its accounts, before it listens: wait for it to answer.
  await expect
    .poll(
      () =>
        fetch(`${origin}/api/health`).then(
          (response) => response.ok,
          () => false,
        ),
      {
        message: 'the console answers',
        timeout: 90_000,
      },
    )
    .toBe(true);
});

test.afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

function printedSetupPath(): string {
  const token = /\/setup\?token=([\w-]+)/.exec(serverLog)?.[1];
  if (!token) throw new Error('the console printed no setup link');
  return `/setup?token=${token}`;
}

test('the first visitor creates the first admin with the token the server printed, and only with it', async ({
  page,
}) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole('heading', { name: 'Set up Migawka' })).toBeVisible();
  const form = page.getByRole('form', { name: 'Create the first admin' });

  // A token nobody printed: refused, and nothing is created.
  await form.getByLabel('Setup token').fill('not-the-printed-token');
  await form.getByLabel('Your name').fill(admin.name);
  await form.getByLabel('Email').fill(admin.email);
  await form.getByLabel('Password (at least 12 characters)').fill(admin.password);
  await form.getByLabel('Password again').fill(admin.password);
  await form.getByRole('button', { name: 'Create the admin and sign in' }).click();
  await expect(form.getByText('Not the setup token printed in the server log')).toBeVisible();
  await expect(page).toHaveURL(/\/setup$/);

  // Two different passwords: refused before anything is sent.
  await page.goto(printedSetupPath());
  await form.getByLabel('Your name').fill(admin.name);
  await form.getByLabel('Email').fill(admin.email);
  await form.getByLabel('Password (at least 12 characters)').fill(admin.password);
  await form.getByLabel('Password again').fill(`${admin.password}!`);
  await form.getByRole('button', { name: 'Create the admin and sign in' }).click();
  await expect(form.getByRole('alert')).toHaveText('The two passwords differ.');

  // Still no account: the console still sends a visitor to /setup.
  await page.goto('/');
  await expect(page).toHaveURL(/\/setup$/);

  // The printed link fills the token in.
  await page.goto(printedSetupPath());
  await expect(form.getByLabel('Setup token')).not.toHaveValue('');
  await form.getByLabel('Your name').fill(admin.name);
  await form.getByLabel('Email').fill(admin.email);
  await form.getByLabel('Password (at least 12 characters)').fill(admin.password);
  await form.getByLabel('Password again').fill(admin.password);
  await form.getByRole('button', { name: 'Create the admin and sign in' }).click();
  // Hashing the password (scrypt) is slow on a busy machine.
  await expect(page.getByRole('region', { name: 'Signed-in user' })).toContainText(admin.name, {
    timeout: 60_000,
  });

  // Setup is closed now: signed out, the same link leads to the sign-in page.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await page.goto(printedSetupPath());
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.getByRole('heading', { name: 'Set up Migawka' })).toHaveCount(0);
});
