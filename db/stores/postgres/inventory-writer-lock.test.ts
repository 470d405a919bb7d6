/**
 * On PostgreSQL, a step's re-assessment of the VMs it changed (reassessVms: a restore's new VM, a
 * power state) and an import (a sync) may write the same VM's assessment at once, on two
 * connections or two nodes. Each deletes the VM's rows and inserts new ones; unserialised, both
 * find nothing to delete and the second insert fails on the first's row (a restore as new failed
 * so, its pool's watcher syncing the new VM as it appeared). Both take the inventory writer's lock.
 *
 * The import is played by a transaction that holds that lock and has stopped the VM and written its
 * assessment; the test waits for the store's call to stand in a lock queue (pg_locks), never on a
 * timer. The re-assessment then reads the VM as the import left it.
 */
import { eq, sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { evaluateVm } from '../../../server/engine/evaluate';
import { type Inventory, indexInventory } from '../../../server/engine/inventory';
import { vms } from '../../pg/schema';
import type { DialectHandle } from '../contract/dialects';
import { storeDialects } from '../contract/dialects';
import { INVENTORY_WRITER } from './inventory';
import { replaceVmAssessments } from './inventory-rows';
import { openWithDemoLab, untilSettledOrWaiting } from './race.test-support';
import { inPgTransaction } from './transaction';

const postgres = (await storeDialects('inventory-writer-lock')).find(
  (dialect) => dialect.name === 'PostgreSQL',
);
if (!postgres) throw new Error('the PostgreSQL dialect is missing');

describe.skipIf(postgres.skip !== null)('assessments rewritten beside an import (PostgreSQL)', () => {
  let handle: DialectHandle | undefined;
  afterEach(async () => {
    await handle?.close();
  });

  it("waits for the import that holds the writer's lock, then reads and replaces what it wrote", async () => {
    const opened = await openWithDemoLab(postgres);
    handle = opened.handle;
    const { db, pool, lab, stores } = opened;
    const vm = lab.vms.find((candidate) => candidate.powerState === 'running');
    if (!vm) throw new Error('the demo lab has no running VM');
    const stopped: Inventory = {
      ...lab,
      vms: lab.vms.map((candidate) =>
        candidate.id === vm.id ? { ...candidate, powerState: 'off' } : candidate,
      ),
    };
    const imported = evaluateVm(indexInventory(lab), vm.id);
    const restepped = evaluateVm(indexInventory(stopped), vm.id);
    expect(restepped.plan.options.map((option) => option.captureState)).not.toEqual(
      imported.plan.options.map((option) => option.captureState),
    );

    let endImport: () => void = () => {};
    const importMayEnd = new Promise<void>((resolve) => {
      endImport = resolve;
    });
    let importWrote: () => void = () => {};
    const written = new Promise<void>((resolve) => {
      importWrote = resolve;
    });
    const importing = inPgTransaction(db, async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${INVENTORY_WRITER})`);
      await tx.update(vms).set({ powerState: 'off' }).where(eq(vms.id, vm.id));
      await replaceVmAssessments(tx, stopped, [restepped]);
      importWrote();
      await importMayEnd;
    });
    await written;

    const replacing = stores.inventory.reassessVms([vm.id], (neighbourhood) => [
      evaluateVm(indexInventory(neighbourhood), vm.id),
    ]);
    // The store's call stands in a lock queue, behind the import (or, unserialised, is done).
    await untilSettledOrWaiting(pool, replacing);
    endImport();
    await importing;
    await replacing;

    const rows = (
      await db.execute(sql`select capture_state as "captureState" from vm_assessments where vm_id = ${vm.id}`)
    ).rows;
    expect(rows).toEqual([{ captureState: 'offline' }]);
    const findings = await db.execute(sql`select count(*) as n from findings where vm_id = ${vm.id}`);
    expect(Number(findings.rows[0]?.n)).toBe(restepped.findings.length);
  });
});
