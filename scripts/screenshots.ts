/**
 * Takes the README's "What it looks like" pictures (docs/screenshots/*.png) from a real console on a
 * fresh demo lab: it starts the built console (`next build` first; `npm run screenshots` does both)
 * on a throw-away data directory, signs in as a throw-away admin, and drives the outcomes the
 * pictures show through the same procedures the pages call: a job that backs up web-01 (succeeded),
 * one that backs up fs-01 without its pass-through disk (succeeded with warnings, a partial point)
 * and one whose snapshot the lab refuses (failed). Nothing in the pictures is staged by hand.
 *
 * SCREENSHOTS_PORT (default 3199) is the port it serves on; CHROMIUM_PATH the browser, else the one
 * scripts/ensure-chromium.sh finds.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Page } from '@playwright/test';
import { FaultRegistry } from '../server/drivers/lab/faults';

const ROOT = path.join(import.meta.dirname, '..');
const OUT_DIR = path.join(ROOT, 'docs', 'screenshots');
const PORT = Number(process.env.SCREENSHOTS_PORT ?? 3199);
const BASE_URL = `http://127.0.0.1:${PORT}`;
const ADMIN = { email: 'screenshots@example.com', password: randomBytes(18).toString('base64url') };
/** Larger pictures make the README slow to load; the pages are drawn at 1280 × 800. */
const MAX_BYTES = 300 * 1024;
const TERMINAL = /^(succeeded|succeeded with warnings|failed|cancelled|interrupted)$/;

function browserPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return execFileSync('bash', [path.join(ROOT, 'scripts', 'ensure-chromium.sh')], {
    encoding: 'utf8',
  }).trim();
}

/** The built console on its own data directory, answering /api/health. */
async function startConsole(dataDir: string): Promise<ChildProcess> {
  const server = spawn(
    process.execPath,
    [path.join(ROOT, 'node_modules/next/dist/bin/next'), 'start', '-p', String(PORT), '-H', '127.0.0.1'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        MIGAWKA_DATA_DIR: dataDir,
        MIGAWKA_DB_PATH: path.join(dataDir, 'migawka.db'),
        MIGAWKA_LAB_STEP_DELAY_MS: '0',
        MIGAWKA_DEMO_ADMIN: `${ADMIN.email}:${ADMIN.password}`,
        NEXT_TELEMETRY_DISABLED: '1',
      },
    },
  );
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the console exited with ${server.exitCode}`);
    const healthy = await fetch(`${BASE_URL}/api/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return server;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  server.kill();
  throw new Error(`the console did not answer on ${BASE_URL} within two minutes (is \`next build\` done?)`);
}

async function trpc<T>(page: Page, procedure: string, input: unknown, method: 'get' | 'post'): Promise<T> {
  const response =
    method === 'get'
      ? await page.request.get(
          `/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`,
        )
      : await page.request.post(`/api/trpc/${procedure}`, {
          headers: { origin: BASE_URL },
          data: { json: input },
        });
  if (!response.ok()) throw new Error(`${procedure}: ${response.status()} ${await response.text()}`);
  return ((await response.json()) as { result: { data: { json: T } } }).result.data.json;
}

/** Creates a nightly job for the VMs, runs it now and waits on its page for the outcome it must have. */
async function runJob(page: Page, name: string, vmIds: string[], outcome: string): Promise<void> {
  const job = await trpc<{ id: string }>(
    page,
    'jobs.create',
    {
      name,
      request: { scope: { kind: 'vms', vmIds }, consistencyPolicy: 'fallback', passthroughPolicy: 'skip' },
      schedule: { cron: '0 22 * * *', timeZone: 'UTC' },
      missedRunPolicy: 'skip',
      retention: { keepLast: 7, daily: 7, weekly: 4, monthly: 0 },
      rpoHours: 26,
      isEnabled: true,
    },
    'post',
  );
  const { operationId } = await trpc<{ operationId: string }>(page, 'jobs.runNow', { id: job.id }, 'post');
  await page.goto(`/operations/${operationId}`);
  const status = page.getByRole('status', { name: 'Operation status' });
  await status.filter({ hasText: TERMINAL }).waitFor({ timeout: 120_000 });
  const ended = (await status.textContent())?.trim();
  if (ended !== outcome) throw new Error(`${name} ended ${ended}, the pictures need ${outcome}`);
}

async function signIn(page: Page): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('region', { name: 'Signed-in user' }).waitFor({ timeout: 60_000 });
}

/** The page once its heading and what `ready` names are on screen, saved as docs/screenshots/<name>.png. */
async function shoot(page: Page, name: string, url: string, ready: (page: Page) => Promise<void>) {
  await page.goto(url);
  try {
    await page.getByRole('heading', { level: 1 }).waitFor();
    await ready(page);
  } catch (error) {
    // What the page showed instead, kept out of the tracked pictures.
    mkdirSync(path.join(ROOT, 'reports'), { recursive: true });
    await page.screenshot({
      path: path.join(ROOT, 'reports', `screenshots-failed-${name}.png`),
      fullPage: true,
    });
    throw error;
  }
  // No blinking caret, no toast, no hover left from the last click.
  await page.mouse.move(0, 0);
  const file = path.join(OUT_DIR, `${name}.png`);
  await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
  const bytes = statSync(file).size;
  if (bytes > MAX_BYTES) throw new Error(`${file} is ${bytes} bytes, over ${MAX_BYTES}`);
  console.log(`${path.relative(ROOT, file)} (${Math.round(bytes / 1024)} KiB)`);
}

async function takeScreenshots(browser: Browser, dataDir: string): Promise<void> {
  const context = await browser.newContext({
    baseURL: BASE_URL,
    viewport: { width: 1280, height: 800 },
    colorScheme: 'light',
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  const page = await context.newPage();
  await signIn(page);

  await runJob(page, 'Web servers nightly', ['vm-web-01'], 'succeeded');
  // Host-level backup cannot read fs-01's pass-through disk: it is left out, and said so.
  await runJob(page, 'File server nightly', ['vm-fs-01'], 'succeeded with warnings');
  // The lab refuses web-xen-01's snapshot, as a storage repository out of space would.
  const faults = FaultRegistry.inRoot(path.join(dataDir, 'lab'));
  faults.inject({ fault: 'snapshot-failed', vmId: 'vm-web-xen-01' });
  await runJob(page, 'Xen web tier nightly', ['vm-web-xen-01'], 'failed');
  faults.lift('snapshot-failed');

  const table = (name: string) => async (page: Page) => {
    await page.getByRole('table', { name }).getByRole('row').nth(1).waitFor();
  };
  await shoot(page, 'operations', '/operations', async (page) => {
    await page.getByRole('table').getByText('succeeded with warnings').first().waitFor();
    // The finished runs are what the picture is for: below the (empty) running and waiting sections.
    await page.getByRole('heading', { name: 'Finished' }).evaluate((heading) => heading.scrollIntoView());
  });
  await shoot(page, 'restore-points', '/restore-points', async (page) => {
    await table('Restore points')(page);
    await page
      .getByText(/^partial/)
      .first()
      .waitFor();
  });
  await shoot(page, 'protection', '/protection', async (page) => {
    await table('Runs needing attention')(page);
  });
  await shoot(page, 'vm-fs-01', '/vms/vm-fs-01', async (page) => {
    await page.getByText('Partly protected: newest point lacks disks').first().waitFor();
  });
  await page.emulateMedia({ colorScheme: 'dark' });
  await shoot(page, 'protection-charts-dark', '/protection', async (page) => {
    await page.getByRole('figure', { name: 'Backup runs per day by result (last 14 days, UTC)' }).waitFor();
    await page.getByRole('heading', { name: 'Last 14 days' }).scrollIntoViewIfNeeded();
  });
  await context.close();
}

async function main(): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'migawka-screenshots-'));
  const server = await startConsole(dataDir);
  const browser = await chromium.launch({ executablePath: browserPath() });
  try {
    await takeScreenshots(browser, dataDir);
  } finally {
    await browser.close();
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill();
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log('docs/screenshots refreshed; review the pictures and commit them');
}

await main();
