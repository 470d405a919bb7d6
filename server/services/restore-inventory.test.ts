/**
 * The inventory follows what restores did, and destructive restores ask for what they destroy
 * (issue 8 §3): each VM a volume revert stops is acknowledged; a stale stored power state is
 * caught live and healed; a point's deletion names the volume reverts it breaks; a VM restored as
 * new appears in the inventory where the operator placed it.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import { liveDiskPath } from '../drivers/lab/layout';
import type { HypervisorDriver, RestoreDisksRequest } from '../drivers/roles';
import { recordPowerStates } from '../jobs/steps/inventory';
import type { Harness } from '../jobs/test-harness';
import type { Worker } from '../jobs/worker';
import { vmListQueryInput } from '../schemas/inventory-queries';
import { previewRestore, startBackup, startRestore } from './operations-service';
import { describePointDeletion } from './restore-point-browser-service';
import { getRestorePoint } from './restore-point-service';
import { harnessPerTest, serviceRunHelpers } from './service-test-support';

let h: Harness;
let worker: Worker;

const { ctx, run, pointOf, volumeBackup, backedUpPoint } = serviceRunHelpers(() => ({ h, worker }));

describe.each(await storeDialects('restoreinventory'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    harnessPerTest(dialect, (harness, harnessWorker) => {
      h = harness;
      worker = harnessWorker;
    });

    describe('restores the inventory follows', () => {
      it('a volume revert needs each VM it stops acknowledged, names the volume by host, and leaves the VMs off in the inventory', async () => {
        const backupId = await volumeBackup();
        const point = await pointOf(backupId, 'app1');
        const plan = await previewRestore(h.stores, ctx(), {
          restorePointId: point.id,
          mode: 'volume-revert',
        });
        expect(plan.confirmationText).toBe('hv1 D:');
        expect(plan.stoppedVms).toEqual([{ vmId: 'sql1', vmName: 'sql1' }]);
        const request = {
          restorePointId: point.id,
          mode: 'volume-revert' as const,
          confirmation: 'hv1 D:',
        };
        await expect(startRestore(h.stores, ctx(), request)).rejects.toThrow(
          /Acknowledge that the revert stops sql1 \(it is running and will be left off\)/,
        );
        await expect(startRestore(h.stores, ctx(), { ...request, confirmation: 'D:' })).rejects.toThrow(
          /does not match the volume name "hv1 D:"/,
        );
        const done = await run(
          await startRestore(h.stores, ctx(), { ...request, acknowledgedStoppedVmIds: ['sql1'] }),
        );
        expect(done.status, done.error ?? '').toBe('succeeded');
        const off = await h.stores.inventory.listVms(
          vmListQueryInput.parse({ powerState: 'off', hostVolumeId: 'hv1-d' }),
          h.clock.now(),
        );
        expect(off.items.map((item) => item.name).sort()).toEqual(['app1', 'sql1']);
        const stored = await h.stores.inventory.loadNeighbourhood(['sql1']);
        expect(
          stored.vms.filter((vm) => vm.id === 'sql1' || vm.id === 'app1').map((vm) => vm.powerState),
        ).toEqual(['off', 'off']);
      });

      it('a VM found running although stored off stops the revert before anything is touched; the next review asks for it', async () => {
        const backupId = await volumeBackup();
        const point = await pointOf(backupId, 'app1');
        const collateral = await h.driver.liveDiskFile('sql1-os');
        writeFileSync(collateral, 'sql1 changed after the backup');
        // The inventory is stale: it says sql1 is off, the host (the lab's files) says running.
        await recordPowerStates(h.stores, [{ vmId: 'sql1', powerState: 'off' }]);
        const stale = await previewRestore(h.stores, ctx(), {
          restorePointId: point.id,
          mode: 'volume-revert',
        });
        expect(stale.stoppedVms).toEqual([]);
        const done = await run(
          await startRestore(h.stores, ctx(), {
            restorePointId: point.id,
            mode: 'volume-revert',
            confirmation: 'hv1 D:',
          }),
        );
        expect(done.status).toBe('failed');
        expect(done.error).toMatch(
          /sql1 is running although the inventory showed it off, and nobody acknowledged stopping it: nothing was reverted/,
        );
        expect(readFileSync(collateral, 'utf8')).toBe('sql1 changed after the backup');
        const fresh = await previewRestore(h.stores, ctx(), {
          restorePointId: point.id,
          mode: 'volume-revert',
        });
        expect(fresh.stoppedVms).toEqual([{ vmId: 'sql1', vmName: 'sql1' }]);
      });

      it('deleting a point of a volume capture names the other VMs whose whole-volume revert it breaks', async () => {
        const backupId = await volumeBackup();
        const preview = await describePointDeletion(h.stores, (await pointOf(backupId, 'app1')).id);
        expect(preview.brokenVolumeReverts.map((broken) => broken.vmName)).toEqual(['sql1']);
        expect(preview.brokenVolumeReverts[0]?.restorePointId).toBe((await pointOf(backupId, 'sql1')).id);
      });

      it('a backup that fails on a stale stored power state heals: the live state is recorded, the next run succeeds', async () => {
        await recordPowerStates(h.stores, [{ vmId: 'sql1', powerState: 'off' }]);
        const request = {
          scope: { kind: 'vms' as const, vmIds: ['sql1'] },
          consistencyPolicy: 'fallback' as const,
          passthroughPolicy: 'skip' as const,
        };
        const failed = await run(await startBackup(h.stores, ctx(), request));
        expect(failed.status).toBe('failed');
        expect(failed.error).toMatch(
          /sql1 is running; the inventory now shows it running: preview the backup again/,
        );
        const again = await run(await startBackup(h.stores, ctx(), request));
        expect(again.status, again.error ?? '').toBe('succeeded');
      });

      it('a VM restored as new appears in the inventory on the chosen volume, powered on as asked', async () => {
        const point = await backedUpPoint('app1');
        const request = {
          restorePointId: point.id,
          mode: 'as-new' as const,
          newVmName: 'app1-restored',
          targetHostVolumeId: 'hv1-e',
          powerOnAfterRestore: true,
        };
        const plan = await previewRestore(h.stores, ctx(), request);
        expect(plan.steps.map((step) => step.title)).toContain(
          'Restore app1 as new VM app1-restored on hv1 E:, powered on',
        );
        const done = await run(await startRestore(h.stores, ctx(), request));
        expect(done.status, done.error ?? '').toBe('succeeded');

        // Listed (and so assessed) like every other VM.
        const listed = await h.stores.inventory.listVms(
          vmListQueryInput.parse({ search: 'app1-restored' }),
          h.clock.now(),
        );
        expect(listed.items.map((item) => item.name)).toEqual(['app1-restored']);
        const [restored] = await h.stores.inventory.findVmsByName(['app1-restored']);
        expect(restored).toMatchObject({ name: 'app1-restored', hostId: 'hv1', powerState: 'running' });
        const part = await h.stores.inventory.loadNeighbourhood([restored.id]);
        const disks = part.virtualDisks.filter((disk) => disk.vmId === restored.id);
        expect(disks.map((disk) => disk.hostVolumeId)).toEqual(['hv1-e']);
        // Its disk holds the restored data, where the lab keeps every VM's live disks.
        const stored = (await getRestorePoint(h.stores, point.id)).files[0];
        const written = readFileSync(`${h.root}/${liveDiskPath(disks[0])}`);
        expect(createHash('sha256').update(written).digest('hex')).toBe(stored.sha256);
        // A second restore under the same name is now refused: the name is taken in the inventory.
        const again = await previewRestore(h.stores, ctx(), request);
        expect(again.blockedReasons).toContain(
          'A VM named "app1-restored" already exists; choose another name for the restored VM',
        );
      });

      it('a VM restored as new that its host did not start is recorded off, and the restore warns', async () => {
        const point = await backedUpPoint('app1');
        // A host that makes the VM but does not start it (no memory left for it, say).
        const lab = h.driver.hypervisor();
        const noStart: HypervisorDriver = Object.assign(Object.create(lab) as HypervisorDriver, {
          restoreDisks: (request: RestoreDisksRequest, ...rest: RestArgs) =>
            lab.restoreDisks({ ...request, powerOn: false }, ...rest),
        });
        const drivers = h.driversWithHypervisor(noStart);
        const started = await startRestore(h.stores, ctx(), {
          restorePointId: point.id,
          mode: 'as-new',
          newVmName: 'app1-copy',
          targetHostVolumeId: 'hv1-e',
          powerOnAfterRestore: true,
        });
        const [done] = await h.tickUntilFinal(h.createWorker({ drivers }), [started.operationId]);
        expect(done.status).toBe('succeeded-with-warnings');
        expect(done.warningsJson).toEqual([
          'Restore app1 as new VM app1-copy on hv1 E:, powered on: app1-copy was restored and verified but did not start: it is off; start it on its host',
        ]);
        const [restored] = await h.stores.inventory.findVmsByName(['app1-copy']);
        expect(restored).toMatchObject({ powerState: 'off', powerStateUnknown: null });
      });

      it('a VM restored as new whose host answers a state Migawka does not know is planned as running, said to be unread', async () => {
        const point = await backedUpPoint('app1');
        const lab = h.driver.hypervisor();
        const unread: HypervisorDriver = Object.assign(Object.create(lab) as HypervisorDriver, {
          restoreDisks: async (request: RestoreDisksRequest, ...rest: RestArgs) => {
            const { powerState: _read, ...result } = await lab.restoreDisks(request, ...rest);
            return result;
          },
        });
        const started = await startRestore(h.stores, ctx(), {
          restorePointId: point.id,
          mode: 'as-new',
          newVmName: 'app1-copy',
          targetHostVolumeId: 'hv1-e',
          powerOnAfterRestore: false,
        });
        const [done] = await h.tickUntilFinal(h.createWorker({ drivers: h.driversWithHypervisor(unread) }), [
          started.operationId,
        ]);
        expect(done.warningsJson).toEqual([
          "Restore app1 as new VM app1-copy on hv1 E:, left off: app1-copy was restored and verified; it is in a power state Migawka could not read (treated as running, for safety, until its host's next sync reads it)",
        ]);
        const [restored] = await h.stores.inventory.findVmsByName(['app1-copy']);
        expect(restored).toMatchObject({
          powerState: 'running',
          powerStateUnknown: 'its host answered a power state Migawka does not know after the restore',
        });
      });
    });
  });
});

type RestArgs = Parameters<HypervisorDriver['restoreDisks']> extends [unknown, ...infer Rest] ? Rest : never;
