/**
 * "Keep a memory checkpoint on the pool" from the backup wizard (issue 11): an admin ticks it for a
 * running VM of a fake XenServer pool (JSON-RPC over HTTPS, started by this spec), starts the backup,
 * and the worker backs the VM up and then takes `Async.VM.checkpoint`, kept on the pool with the
 * VM's memory in a suspend VDI on the pool's suspend image SR. The restore-point browser marks the
 * point "on pool: …" and "with memory"; the restore wizard offers the revert, says it resumes the VM
 * on the checkpoint's memory, shows what it would lose and refuses it while the VM runs, and points
 * to the safer restore as a new VM.
 *
 * The estate: its own pool (pool-mem, host xcp-mem1, VM cache01) so it never meets the VMs the
 * other xapi specs leave behind. The pool is connected through the tRPC calls the Connections page
 * makes (that page has its own spec); the flow under test is clicked.
 */
import { expect, test } from '@playwright/test';
import { diskBytes, FakePool } from '../server/drivers/xapi/fake/fake-pool';
import { type FakeXapi, startFakeXapi } from '../server/drivers/xapi/fake/fake-xapi-server';
import { operationStatus, trpcMutation } from './fixtures/backup-api';
import { removePoolByApi } from './fixtures/disconnect';

let fake: FakeXapi;
/** The checkpoint's name has parentheses ("(Migawka)"): matched as text, not as a pattern. */
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
let cache01: string;
let suspendSr: string;

test.beforeAll(async () => {
  const pool = new FakePool('pool-mem');
  const host = pool.addHost({
    name: 'xcp-mem1',
    productVersion: '8.2.1',
    api: [2, 20],
    xapiVersion: '23.31.0',
  });
  pool.addControlDomain(host, 'xcp-mem1');
  pool.addSm('ext', ['VDI_CREATE', 'VDI_DELETE', 'VDI_SNAPSHOT', 'VDI_CLONE']);
  const sr = pool.addSr({
    name: 'Local storage xcp-mem1',
    type: 'ext',
    shared: false,
    size: 8 * 1024 * 1024,
    host,
  });
  suspendSr = pool.addSr({ name: 'Suspend images', type: 'ext', shared: false, size: 8 * 1024 * 1024, host });
  pool.mod('pool', pool.poolRef, { suspend_image_SR: suspendSr });
  cache01 = pool.addVm({
    name: 'cache01',
    host,
    disks: [{ name: 'cache01 root', sr, bytes: diskBytes('cache01-root', 64 * 1024) }],
    guest: { os: 'Debian GNU/Linux 12', distro: 'debian', pvDrivers: true },
  });
  fake = await startFakeXapi({ pool });
});
test.afterAll(async () => {
  await fake?.stop();
});

test('a backup that keeps a memory checkpoint leaves a point "with memory" on the pool, whose revert the wizard previews', async ({
  page,
}) => {
  test.setTimeout(240_000);
  let poolId: string | null = null;
  try {
    const secret = await trpcMutation<{ id: string }>(page, 'secrets.create', {
      name: 'pool-mem root',
      kind: 'password',
      username: 'root',
      secret: 's3cret',
    });
    poolId = (
      await trpcMutation<{ id: string }>(page, 'xapiPools.add', {
        name: 'Memory pool',
        address: fake.address(),
        secretId: secret.id,
      })
    ).id;
    await trpcMutation(page, 'xapiPools.discover', { id: poolId });

    // The wizard: cache01, its XenServer snapshot, and the checkpoint ticked on the policy step.
    await page.goto('/backup/new');
    await page.getByLabel('Search VMs by name').fill('cache01');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('checkbox', { name: 'Select cache01', exact: true }).check();
    await page.getByRole('button', { name: 'Next: method' }).click();
    await page.getByRole('button', { name: 'Next: consistency & scripts' }).click();
    const keep = page.getByRole('checkbox', { name: /Keep a memory checkpoint on the pool/ });
    await keep.check();
    await expect(keep).toBeChecked();
    await page.getByRole('button', { name: 'Next: schedule & retention' }).click();
    await page.getByLabel('Once, now').check();
    await page.getByRole('button', { name: 'Next: review' }).click();
    await expect(page.getByRole('heading', { level: 2, name: 'Review' })).toBeFocused();
    // Whatever the review asks to acknowledge (a crash-consistent Linux guest), acknowledge it.
    for (const acknowledgement of await page.getByRole('checkbox', { name: /^Acknowledge / }).all()) {
      await acknowledgement.check();
    }
    await page.getByRole('button', { name: 'Start backup now' }).click();
    await expect(page).toHaveURL(/\/operations\/op-/);
    await expect(operationStatus(page)).toHaveText(/^succeeded/, { timeout: 150_000 });
    await expect(page.getByRole('main')).toContainText('memory checkpoint');

    // On the pool: the checkpoint is kept, suspended, its memory image on the pool's suspend SR.
    const checkpoint = [...fake.pool.table('VM').values()].find(
      (vm) => vm.is_a_snapshot === true && vm.snapshot_of === cache01 && vm.power_state === 'Suspended',
    );
    expect(checkpoint).toBeDefined();
    const checkpointName = String(checkpoint?.name_label);
    expect(fake.pool.get('VDI', String(checkpoint?.suspend_VDI))?.SR).toBe(suspendSr);

    // The browser marks the point kept on the pool, with memory.
    const vmId = `xen:${String(fake.pool.get('VM', cache01)?.uuid)}`;
    await page.goto(`/restore-points?vmId=${encodeURIComponent(vmId)}`);
    const row = page
      .getByRole('table', { name: 'Restore points' })
      .getByRole('row')
      .filter({ hasText: `on pool: ${checkpointName}` });
    await expect(row).toContainText('with memory', { timeout: 30_000 });

    // The restore wizard: the revert is offered and says what it does; its preview says what is lost.
    await page.goto('/vms');
    await page.getByLabel('Search by name').fill('cache01');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'cache01', exact: true }).click();
    await page.getByRole('link', { name: 'Restore cache01…' }).click();
    await page.getByRole('button', { name: 'Next: restore point' }).click();
    const timeline = page.getByRole('radiogroup', { name: 'Restore point timeline' });
    await timeline.getByRole('radio', { name: new RegExp(`on pool: ${escaped(checkpointName)}`) }).click();
    await page.getByRole('button', { name: 'Next: mode' }).click();
    await expect(page.getByRole('main')).toContainText(
      "the revert leaves it suspended on the checkpoint's memory, and it is then resumed, running again as it was at the checkpoint",
    );
    await page.getByRole('radio', { name: /Revert the VM to the snapshot/ }).click();
    await page.getByRole('button', { name: 'Next: impact' }).click();
    const main = page.getByRole('main');
    await expect(main).toContainText('cache01 loses every change made since the point');
    // cache01 runs: the revert is refused until it is shut down, and the copy is the safer way.
    await expect(main).toContainText('would overwrite a live VM');
    await expect(main).toContainText('Safer alternative');
    expect(fake.calls).not.toContain('Async.VM.revert');
  } finally {
    if (poolId) await removePoolByApi(page, poolId, 'Memory pool').catch(() => undefined);
  }
});
