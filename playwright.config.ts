import { defineConfig, devices } from '@playwright/test';
import { storageStateOf } from './e2e/fixtures/users';

const port = Number(process.env.E2E_PORT ?? 3100);
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const browserUse = {
  ...devices['Desktop Chrome'],
  viewport: { width: 1280, height: 900 },
  launchOptions: {
    executablePath: chromiumPath,
    args: [
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-gpu',
    ],
  },
};

export default defineConfig({
  testDir: './e2e',
  // Greps the whole run's server log (and database files) for the planted vault secret.
  globalTeardown: './e2e/global-teardown.ts',
  // One server with one database and lab; specs run one at a time so they never race on it.
  workers: 1,
  fullyParallel: false,
  retries: process.env.CI ? 1 : 0,
  // A run that has gone wrong as a whole (a server that stopped answering) fails in minutes with
  // its failures on record, instead of timing out spec by spec past CI's limit.
  maxFailures: process.env.CI ? 10 : 0,
  globalTimeout: process.env.CI ? 45 * 60_000 : 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [
    ['list'],
    ['json', { outputFile: 'reports/playwright.json' }],
    ['html', { outputFolder: 'reports/playwright-html', open: 'never' }],
  ],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    viewport: { width: 1280, height: 900 },
  },
  projects: [
    // Signs in once per role and keeps each one's cookies (e2e/.auth/<who>.json).
    { name: 'setup', testMatch: /auth\.setup\.ts/, use: browserUse },
    {
      name: 'chromium',
      dependencies: ['setup'],
      // Specs act as the admin unless they ask for another role (test.use({ storageState })).
      use: { ...browserUse, storageState: storageStateOf('admin') },
    },
  ],
  webServer: {
    // A fresh data directory per run: the server migrates it and seeds the demo lab on start.
    command: `node scripts/e2e-server.mjs ${port}`,
    url: `http://127.0.0.1:${port}/api/health`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
