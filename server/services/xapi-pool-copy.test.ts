/**
 * Restore as a new VM from a snapshot kept on the pool, end to end on both databases: the pool
 * copies the snapshot (Async.VM.copy, journalled) into a new VM that is no longer a template, every
 * disk of the copy is read back and compared with the snapshot's read live, the VM is powered as
 * asked, and nothing existing is touched. Offered whether the snapshot's VM still exists or was
 * deleted on the pool (then a revert is not: there is no VM to revert).
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import { METHODS } from '../drivers/xapi/fake/fake-methods';
import { xenId } from '../drivers/xapi/xapi-discovery';
import { isFinalOperationStatus } from '../engine/statuses';
import { getDriverRegistry, stopRuntime } from '../jobs/runtime';
import { createWorker } from '../jobs/worker';
import { processDatabaseOf } from '../test-rows';
import { previewRestore, startRestore } from './operations-service';
import { connectXapiPools } from './xapi-connection-service';
import { poolPointId } from './xapi-pool-points';
import { addXapiPool } from './xapi-pool-service';
import { closeXapiLabs, openXapiLab } from './xapi-test-support';

afterEach(async () => {
  await stopRuntime();
  await closeXapiLabs();
});
const dialects = await storeDialects('xapicopy');
const sha256 = (bytes: Buffer | undefined) =>
  createHash('sha256')
    .update(bytes ?? Buffer.alloc(0))
    .digest('hex');

interface Row {
  name: string;
  /** Take a memory checkpoint of sql01 instead of using the fixture's disk snapshot. */
  checkpoint: boolean;
  vmDeletedOnPool: boolean;
  powerOn: boolean;
  /** The SR the copy goes to ('local'), or the snapshot's disks' own SR. */
  sr: 'local' | 'own';
  power: string;
  title: RegExp;
  /** What the copy step's log says of the copy's power. */
  log: RegExp;
}

const ROWS: Row[] = [
  {
    name: 'a disk snapshot whose VM still runs, onto another SR, powered on',
    checkpoint: false,
    vmDeletedOnPool: false,
    powerOn: true,
    sr: 'local',
    power: 'Running',
    title:
      /^Copy snapshot "sql01 before patch" into new VM sql01-copy on the pool, powered on; sql01 and the snapshot are not touched$/,
    log: /; started$/,
  },
  {
    name: 'a disk snapshot whose VM was deleted on the pool, left off',
    checkpoint: false,
    vmDeletedOnPool: true,
    powerOn: false,
    sr: 'own',
    power: 'Halted',
    title: /^Copy snapshot "sql01 before patch" into new VM sql01-copy on the pool, left off;/,
    log: /; left off$/,
  },
  {
    name: 'a memory checkpoint, resumed on its memory',
    checkpoint: true,
    vmDeletedOnPool: false,
    powerOn: true,
    sr: 'own',
    power: 'Running',
    title: /^Copy memory checkpoint "sql01 before upgrade" into new VM sql01-copy on the pool, resumed;/,
    log: /resumed from its copy of the checkpoint's memory/,
  },
  {
    name: 'a memory checkpoint not powered on: shut down, its copied memory image dropped, and the log says so',
    checkpoint: true,
    vmDeletedOnPool: false,
    powerOn: false,
    sr: 'own',
    power: 'Halted',
    title:
      /^Copy memory checkpoint "sql01 before upgrade" into new VM sql01-copy on the pool, shut down, dropping its copied memory image;/,
    log: /shut down \(VM\.hard_shutdown\), which drops that memory image; it starts from its disks/,
  },
];

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    it.each(ROWS)('$name', async (row) => {
      let now = new Date('2026-11-30T01:00:00Z');
      const lab = await openXapiLab(dialect, { now: () => now });
      const { fixture, stores, ctx, handle, keys } = lab;
      const pool = await addXapiPool(stores, ctx, keys, {
        name: 'pool-lab',
        address: lab.fake.address(),
        secretId: lab.secret.id,
      });
      const set = await connectXapiPools(stores, keys, { watch: true, ctx });
      await set.synced(pool.id);
      let snapshotRef =
        [...fixture.pool.table('VM')].find(([, vm]) => vm.name_label === 'sql01 before patch')?.[0] ?? '';
      if (row.checkpoint) {
        const taken = set.synced(pool.id);
        snapshotRef = METHODS['VM.checkpoint'](fixture.pool, [
          fixture.sql01,
          'sql01 before upgrade',
        ]) as string;
        await taken;
      }
      const pointId = poolPointId(xenId(fixture.pool.get('VM', snapshotRef)?.uuid as string));
      const [sqlC] = fixture.pool.disksOf(fixture.sql01);
      const liveBefore = sha256(fixture.pool.vdiBytes.get(sqlC));
      // The VM moved on since the snapshot: the copy must hold the snapshot's bytes, not the VM's.
      fixture.pool.vdiBytes.get(sqlC)?.fill(7);
      if (row.vmDeletedOnPool) {
        const deleted = set.synced(pool.id);
        fixture.pool.mod('VM', fixture.sql01, { power_state: 'Halted' });
        METHODS['VM.destroy'](fixture.pool, [fixture.sql01]);
        await deleted;
        const revert = await previewRestore(stores, ctx, {
          restorePointId: pointId,
          mode: 'snapshot-revert',
          confirmation: 'sql01',
        });
        expect(revert.isRunnable).toBe(false);
        expect(revert.blockedReasons[0]).toMatch(
          /a revert needs the VM, and there is none to revert; restore it as a new VM from the snapshot "sql01 before patch" instead$/,
        );
      }
      const request = {
        restorePointId: pointId,
        mode: 'as-new' as const,
        newVmName: 'sql01-copy',
        powerOnAfterRestore: row.powerOn,
        ...(row.sr === 'local'
          ? { targetHostVolumeId: xenId(fixture.pool.get('SR', fixture.local)?.uuid as string) }
          : {}),
      };
      const preview = await previewRestore(stores, ctx, request);
      expect(preview.isRunnable, preview.blockedReasons.join('; ')).toBe(true);
      expect(preview.confirmationText).toBeNull();
      expect(preview.steps.map((step) => step.kind)).toEqual([
        'verify-point',
        'copy-pool-snapshot',
        'verify-restored',
      ]);
      expect(preview.steps[1]?.title).toMatch(row.title);

      const snapshotDisks = fixture.pool.disksOf(snapshotRef);
      const sourceVm = fixture.pool.get('VM', fixture.sql01);
      const started = await startRestore(stores, ctx, request);
      const worker = createWorker({
        stores,
        drivers: getDriverRegistry(processDatabaseOf(handle)),
        clock: () => now,
      });
      let status = '';
      for (let pass = 0; pass < 60 && !isFinalOperationStatus(status as never); pass++) {
        await worker.tick();
        status = (await stores.operations.get(started.operationId))?.status ?? '';
        now = new Date(now.getTime() + 1000);
      }
      const steps = await stores.operations.steps(started.operationId);
      expect(
        status,
        JSON.stringify(
          steps.map((step) => [
            step.key,
            step.status,
            (step as unknown as Record<string, unknown>).error ?? step,
          ]),
        ),
      ).toBe('succeeded');

      const copyRef = fixture.pool.findVm('sql01-copy');
      const copy = fixture.pool.get('VM', copyRef);
      // Never left suspended: a checkpoint's copy is resumed or its copied memory image dropped.
      expect(copy).toMatchObject({
        is_a_template: false,
        is_a_snapshot: false,
        power_state: row.power,
        suspend_VDI: 'OpaqueRef:NULL',
      });
      const logs = await stores.operations.logs(started.operationId, 100);
      expect(logs.find((line) => line.message.includes('copied from'))?.message).toMatch(row.log);
      const copyDisks = fixture.pool.disksOf(copyRef);
      expect(copyDisks.map((vdi) => sha256(fixture.pool.vdiBytes.get(vdi)))).toEqual(
        snapshotDisks.map((vdi) => sha256(fixture.pool.vdiBytes.get(vdi))),
      );
      expect(sha256(fixture.pool.vdiBytes.get(copyDisks[0]))).toBe(liveBefore);
      const wanted =
        row.sr === 'local' ? [fixture.local] : snapshotDisks.map((vdi) => fixture.pool.get('VDI', vdi)?.SR);
      expect([...new Set(copyDisks.map((vdi) => fixture.pool.get('VDI', vdi)?.SR))]).toEqual([
        ...new Set(wanted),
      ]);
      // Nothing existing was touched: the snapshot and (when it still exists) its VM are as they were.
      expect(fixture.pool.disksOf(snapshotRef)).toEqual(snapshotDisks);
      if (!row.vmDeletedOnPool)
        expect(fixture.pool.get('VM', fixture.sql01)?.power_state).toBe(sourceVm?.power_state);
      // The copy's task was journalled before the worker waited on it.
      const copyStep = steps.find((step) => step.key === 'copy-pool-snapshot');
      expect(copyStep?.resultJson).toMatchObject({ verified: true, verifiedAgainst: 'snapshot-read-live' });
      // The copy task's progress was the step's, over the snapshot's disk bytes.
      const diskBytes = snapshotDisks.reduce(
        (sum, vdi) => sum + Number(fixture.pool.get('VDI', vdi)?.virtual_size),
        0,
      );
      expect(copyStep?.bytesTotal).toBe(diskBytes);
      expect([...fixture.pool.table('task').values()].map((task) => task.name_label)).not.toContain(
        'Async.VM.copy',
      );
    });
  });
});
