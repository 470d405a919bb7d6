/**
 * A snapshot kept on a XenServer pool, reverted to with four eyes (issue 11): a restore operator
 * opens a VM of a fake pool (JSON-RPC over HTTPS, started by this spec), picks the point "on pool:
 * <snapshot name>", chooses the snapshot revert, reads that every change since the snapshot is
 * lost, types the VM's name and sends it for approval; a second admin approves; the worker runs it
 * against the pool (`Async.VM.revert`, then `VM.start`: the snapshot was of a running VM) and the VM
 * is running again on the snapshot's disk.
 *
 * The estate: its own pool (pool-rev, host xcp-rev1, VM ledger01) so it never meets the VMs
 * e2e/xapi-pool-connection.spec.ts leaves behind. The snapshot is taken while ledger01 runs, its
 * disk is written afterwards, and it is shut down before Migawka sees the pool — all on the pool,
 * as an admin with XenCenter would. The admin connects the pool through the same tRPC calls the
 * Connections page makes (that page has its own spec); the flow under test is clicked.
 */
import { expect, test } from '@playwright/test';
import { METHODS } from '../server/drivers/xapi/fake/fake-methods';
import { diskBytes, FakePool } from '../server/drivers/xapi/fake/fake-pool';
import { type FakeXapi, startFakeXapi } from '../server/drivers/xapi/fake/fake-xapi-server';
import { operationStatus, trpcMutation } from './fixtures/backup-api';
import { removePoolByApi } from './fixtures/disconnect';
import { E2E_USERS, storageStateOf } from './fixtures/users';

const DISK_SIZE = 64 * 1024;
const SNAPSHOT = 'ledger01 before upgrade';

let fake: FakeXapi;
let ledger01: string;
let ledgerDisk: string;
const beforeUpgrade = diskBytes('ledger01-before', DISK_SIZE);

test.beforeAll(async () => {
  const pool = new FakePool('pool-rev');
  const host = pool.addHost({
    name: 'xcp-rev1',
    productVersion: '8.2.1',
    api: [2, 20],
    xapiVersion: '23.31.0',
  });
  pool.addControlDomain(host, 'xcp-rev1');
  pool.addSm('ext', ['VDI_CREATE', 'VDI_DELETE', 'VDI_SNAPSHOT', 'VDI_CLONE']);
  const sr = pool.addSr({
    name: 'Local storage xcp-rev1',
    type: 'ext',
    shared: false,
    size: 8 * 1024 * 1024,
    host,
  });
  ledger01 = pool.addVm({
    name: 'ledger01',
    host,
    disks: [{ name: 'ledger01 root', sr, bytes: beforeUpgrade }],
    guest: { os: 'Debian GNU/Linux 12', distro: 'debian', pvDrivers: true },
  });
  METHODS['VM.snapshot'](pool, [ledger01, SNAPSHOT]);
  // The upgrade went wrong: the disk changed, and the admin shut the VM down.
  ledgerDisk = pool.disksOf(ledger01)[0] as string;
  pool.vdiBytes.set(ledgerDisk, diskBytes('ledger01-after-upgrade', DISK_SIZE));
  METHODS['VM.clean_shutdown'](pool, [ledger01]);
  fake = await startFakeXapi({ pool });
});
test.afterAll(async () => {
  await fake?.stop();
});

test.use({ storageState: storageStateOf('restoreOperator') });

test('a snapshot kept on the pool is reverted to after a second admin approved, and the VM runs again', async ({
  page,
  browser,
}) => {
  test.setTimeout(240_000);
  const adminContext = await browser.newContext({ storageState: storageStateOf('admin') });
  const admin = await adminContext.newPage();
  const approverContext = await browser.newContext({ storageState: storageStateOf('approver') });
  const approver = await approverContext.newPage();
  let poolId: string | null = null;
  try {
    const secret = await trpcMutation<{ id: string }>(admin, 'secrets.create', {
      name: 'pool-rev root',
      kind: 'password',
      username: 'root',
      secret: 's3cret',
    });
    const added = await trpcMutation<{ id: string }>(admin, 'xapiPools.add', {
      name: 'Revert pool',
      address: fake.address(),
      secretId: secret.id,
    });
    poolId = added.id;
    await trpcMutation(admin, 'xapiPools.discover', { id: poolId });

    // The operator opens the VM and starts its restore from there.
    await page.goto('/vms');
    await page.getByLabel('Search by name').fill('ledger01');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'ledger01', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'ledger01' })).toBeVisible();
    await expect(page.getByRole('main')).toContainText('off on');
    await page.getByRole('link', { name: 'Restore ledger01…' }).click();
    await expect(page.getByRole('radio', { name: /^ledger01 xcp-rev1 · off/ })).toBeChecked();
    await page.getByRole('button', { name: 'Next: restore point' }).click();

    // The point kept on the pool, by its name there.
    const timeline = page.getByRole('radiogroup', { name: 'Restore point timeline' });
    await expect(timeline).toContainText(`on pool: ${SNAPSHOT}`);
    await timeline.getByRole('radio', { name: new RegExp(`on pool: ${SNAPSHOT}`) }).click();
    await page.getByRole('button', { name: 'Next: mode' }).click();
    await page.getByRole('radio', { name: /Revert the VM to the snapshot/ }).click();
    await page.getByRole('button', { name: 'Next: impact' }).click();
    await expect(page.getByRole('main')).toContainText('ledger01 loses every change made since the point');
    await page.getByRole('button', { name: 'Next: confirm' }).click();
    await page.getByLabel(/Type the VM name/).fill('ledger01');
    await page.getByRole('button', { name: /^Send for approval/ }).click();
    const sent = page.getByRole('status').filter({ hasText: 'Request sent for approval' });
    await expect(sent).toContainText('nothing has run yet');
    expect(fake.calls).not.toContain('Async.VM.revert');

    // The second admin reads the same loss and approves it.
    await approver.goto('/');
    await approver.getByRole('link', { name: /^Approvals\s*:?\s*[1-9]\d*\s+waiting$/ }).click();
    await approver
      .getByRole('table', { name: 'Requests waiting for approval' })
      .getByRole('link', { name: /ledger01/ })
      .click();
    await expect(approver.getByText(`${E2E_USERS.restoreOperator.name} (Restore operator)`)).toBeVisible();
    await expect(approver.getByRole('main')).toContainText('Snapshot revert');
    await expect(approver.getByRole('main')).toContainText(
      'ledger01 loses every change made since the point',
    );
    await approver.getByLabel('Comment (required to reject)').fill('The upgrade is rolled back');
    await approver.getByRole('button', { name: 'Approve and run' }).click();
    await expect(approver.getByLabel('Request status')).toHaveText('Approved');
    await approver.getByRole('link', { name: 'View operation' }).click();
    await expect(operationStatus(approver)).toHaveText('succeeded', { timeout: 150_000 });

    // On the pool: reverted, then started (the snapshot was of a running VM), the upgrade's bytes gone.
    expect(fake.calls).toContain('Async.VM.revert');
    expect(fake.pool.get('VM', ledger01)?.power_state).toBe('Running');
    expect(fake.pool.vdiBytes.get(ledgerDisk)?.equals(beforeUpgrade)).toBe(true);
    // And in the console, once the pool's watcher brought the change in.
    await page.goto('/vms');
    await page.getByLabel('Search by name').fill('ledger01');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'ledger01', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'ledger01' })).toBeVisible();
    await expect(async () => {
      await page.reload();
      await expect(page.getByRole('main')).toContainText('running on', { timeout: 2_000 });
    }).toPass({ timeout: 60_000 });
  } finally {
    if (poolId) await removePoolByApi(admin, poolId, 'Revert pool').catch(() => undefined);
    await approverContext.close();
    await adminContext.close();
  }
});
