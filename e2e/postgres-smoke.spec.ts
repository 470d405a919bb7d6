/**
 * The console on PostgreSQL, in a browser: run with `E2E_POSTGRES=1` (scripts/e2e-server.mjs then
 * starts `next start` with DATABASE_URL on a throwaway database). The admin signed in by the setup
 * project opens a demo-lab VM, backs it up and watches it succeed live; the data directory holds
 * no SQLite database. Without E2E_POSTGRES the spec is skipped, so the default suite is unchanged
 * (the whole suite also runs on PostgreSQL with E2E_POSTGRES=1).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { operationStatus } from './fixtures/backup-api';
import { DEMO_LAB_NAMES, openVm } from './fixtures/demo-lab';
import { E2E_SERVER_INFO } from './fixtures/planted-secret';

test.skip(process.env.E2E_POSTGRES !== '1', 'runs when the e2e server is on PostgreSQL (E2E_POSTGRES=1)');

test('on PostgreSQL: a demo-lab VM is backed up from its page and succeeds live; no SQLite file exists', async ({
  page,
}) => {
  const health = await page.request.get('/api/health');
  expect(await health.json()).toEqual({ ok: true });
  const { dataDir } = JSON.parse(readFileSync(E2E_SERVER_INFO, 'utf8')) as { dataDir: string };
  expect(readdirSync(dataDir).filter((name) => name.endsWith('.db'))).toEqual([]);

  const vm = DEMO_LAB_NAMES.healthyVm;
  await openVm(page, vm);
  await page.getByRole('button', { name: 'Back up now' }).click();
  const dialog = page.getByRole('alertdialog', { name: `Back up ${vm} now?` });
  await dialog.getByRole('button', { name: 'Start backup' }).click();
  await expect(page).toHaveURL(/\/operations\/op-/);
  await expect(operationStatus(page)).toHaveText('succeeded', { timeout: 45_000 });

  await page.goto('/protection');
  await expect(page.getByRole('link', { name: vm, exact: true }).first()).toBeVisible();
});
