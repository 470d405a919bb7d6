/**
 * The array-consistent capture run by the worker across two real connectors (hyperv-ontap-runner-support.ts):
 * pre-freeze script → guest freeze (in-guest VSS: a production checkpoint) → host flush
 * (`Write-VolumeCache`) → CG start → thaw and post-thaw script inside the write fence → commit.
 * Time for the fence timer is the cluster's injected clock; every VM's point records what happened.
 */
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { readVolumeImage } from '../hyperv/fake/fake-san';
import {
  type FencedHyperv,
  openFencedHyperv,
  POST_THAW,
  PRE_FREEZE,
  sha256,
  VM_STATE,
} from './hyperv-ontap-runner-support';

const dialects = await storeDialects('hyperv-ontap-fence');
let run: FencedHyperv;
afterEach(() => run?.close());

async function stepsOf(operationId: string) {
  return new Map((await run.h.stores.operations.steps(operationId)).map((step) => [step.key, step]));
}

async function pointOf(operationId: string, vmName: string) {
  const catalog = (await stepsOf(operationId)).get(`vm:${run.vmIdOf(vmName)}:catalog`);
  const pointId = (catalog?.resultJson as { restorePointId?: string } | null)?.restorePointId;
  return pointId ? ((await run.h.stores.restorePoints.get(pointId)) ?? undefined) : undefined;
}

/** One VM's copy out of the snapshot, as the array sees it. */
const vmCopy = [
  'array: POST volumes',
  'array: POST lun-maps',
  'array: DELETE lun-maps',
  'array: DELETE volumes',
];
const lunCopies = () => ({
  clones: [...run.cluster.model.volumes.values()].filter((volume) => volume.parentVolume).map((v) => v.name),
  maps: run.cluster.model.lunMaps.length,
});

const ranInGuest = () => [...(run.host.model.state.vms.find((vm) => vm.name === 'sql01')?.guest?.ran ?? [])];
const fileOff = (state: FencedHyperv['host']['model']['state']) => {
  const file01 = state.vms.find((vm) => vm.name === 'file01');
  if (file01) file01.state = VM_STATE.Off;
};

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('array capture across Hyper-V and ONTAP, run by the worker', () => {
    it('freeze → flush → CG start → thaw and post-thaw in the fence → commit; each VM’s point says what happened', async () => {
      run = await openFencedHyperv(dialect);
      const sql01Files = run.host.model.state.vms[0].drives.map((drive) =>
        sha256(run.host.model.readFile(drive.path)),
      );
      const op = await run.enqueue('fallback');
      const [done] = await run.h.tickUntilFinal(run.h.createWorker({ drivers: run.drivers }), [op.id]);

      expect(done.status).toBe('succeeded-with-warnings'); // file01's point is partial and crash-consistent
      expect(run.timeline).toEqual([
        `guest: ${PRE_FREEZE}`,
        'host: remove-checkpoint', // sql01: no freeze left from an earlier run
        'host: new-checkpoint', // sql01 frozen: VSS inside the guest (production checkpoint)
        'host: remove-checkpoint',
        'host: new-checkpoint', // file01: refused, it has a pass-through disk
        'host: flush-volume', // Write-VolumeCache of D:
        'array: POST start',
        'host: remove-checkpoint', // sql01 thawed inside the fence
        `guest: ${POST_THAW}`, // and its application resumed inside the fence
        'array: PATCH commit',
        'host: remove-checkpoint', // file01's thaw step: it never froze, nothing to remove
        // Each VM's disks read from a FlexClone of the snapshot mapped to hv01, then unmapped and deleted.
        ...[vmCopy, vmCopy, vmCopy].flat(),
        'array: DELETE snapshots', // the CG snapshot released after the copies
      ]);
      expect(lunCopies()).toEqual({ clones: [], maps: 2 }); // only the two live LUNs' maps are left
      // Each copy's mount folder went with its disks.
      expect(readdirSync(run.host.model.localPath('C:\\ProgramData\\Migawka\\array-copies'))).toEqual([]);
      expect(run.fencesAtPostThaw).toEqual([2]); // both member volumes fenced while it ran
      expect(run.cluster.model.fences.size).toBe(0);
      const steps = await stepsOf(op.id);
      const sql01 = run.vmIdOf('sql01');
      expect(steps.get(`vm:${sql01}:guest-thaw`)?.resultJson).toMatchObject({ thawedInFence: true });
      expect(steps.get(`vm:${sql01}:post-thaw-script`)).toMatchObject({
        status: 'succeeded',
        resultJson: { ranInFence: true },
      });
      expect(ranInGuest()).toEqual([PRE_FREEZE, POST_THAW]); // once each
      expect(run.host.model.state.vms.flatMap((vm) => vm.checkpoints)).toEqual([]);

      expect(await pointOf(op.id, 'sql01')).toMatchObject({ consistency: 'application' });
      const file01 = await pointOf(op.id, 'file01');
      expect(file01?.consistency).toBe('crash');
      expect(file01?.consistencyReason).toMatch(/^fallback: .*file01 has a pass-through disk/);
      expect(await pointOf(op.id, 'web01')).toMatchObject({ consistency: 'filesystem' }); // off
      // The stored disks are the parents the freeze checkpoint held still: the state at the freeze.
      const stored = await run.h.driver.repository.read((await pointOf(op.id, 'sql01'))?.id as string, {
        signal: new AbortController().signal,
        timeoutMs: 10_000,
      });
      expect(stored?.files.map((file) => file.sha256)).toEqual(sql01Files);
      // And they are the bytes the LUN holds for sql01 (written by the flush, snapshotted, cloned).
      const onLun = readVolumeImage(run.cluster.model.readLun('/vol/sql_data/lun0')) ?? [];
      expect(stored?.files.map((file) => file.sha256)).toEqual(
        ['os.vhdx', 'data.vhdx'].map((name) =>
          sha256(onLun.find((file) => file.path === `Hyper-V\\sql01\\${name}`)?.bytes ?? Buffer.alloc(0)),
        ),
      );
    });

    it('a post-thaw that makes the commit miss the fence under `require`: ONTAP aborts, the retry suspends and freezes again, then commits', async () => {
      run = await openFencedHyperv(dialect, fileOff);
      run.slowPostThaws.count = 1;
      const op = await run.enqueue('require');
      const [done] = await run.h.tickUntilFinal(run.h.createWorker({ drivers: run.drivers }), [op.id]);

      expect(done.status).toBe('succeeded-with-warnings'); // file01's point leaves out its pass-through disk
      expect(await pointOf(op.id, 'file01')).toMatchObject({ isPartial: true });
      const steps = await stepsOf(op.id);
      expect([...steps.values()].find((step) => step.kind === 'array-snapshot')?.attempts).toBe(2);
      expect(ranInGuest()).toEqual([PRE_FREEZE, POST_THAW, PRE_FREEZE, POST_THAW]); // paired, never doubled
      expect(run.fencesAtPostThaw).toEqual([2, 2]);
      expect(run.timeline.filter((entry) => entry.startsWith('array:'))).toEqual([
        'array: POST start',
        'array: PATCH commit', // too late: ONTAP aborted the snapshot
        'array: DELETE snapshots', // the retry drops what is left under the snapshot's name first
        'array: POST start',
        'array: PATCH commit',
        ...[vmCopy, vmCopy, vmCopy].flat(), // the three VMs' copies
        'array: DELETE snapshots',
      ]);
      expect(lunCopies()).toEqual({ clones: [], maps: 2 });
      expect(run.cluster.model.fences.size).toBe(0);
      expect(run.host.model.state.vms.flatMap((vm) => vm.checkpoints)).toEqual([]);
      expect(await pointOf(op.id, 'sql01')).toMatchObject({ consistency: 'application' });
    });

    it('a missed fence under `fallback`: taken again at once without the freeze, sql01 crash-consistent and named in the reason', async () => {
      run = await openFencedHyperv(dialect, fileOff);
      run.slowPostThaws.count = 1;
      const op = await run.enqueue('fallback');
      const [done] = await run.h.tickUntilFinal(run.h.createWorker({ drivers: run.drivers }), [op.id]);

      expect(done.status).toBe('succeeded-with-warnings');
      expect(ranInGuest()).toEqual([PRE_FREEZE, POST_THAW]); // the post-thaw step did not run it again
      const point = await pointOf(op.id, 'sql01');
      expect(point?.consistency).toBe('crash');
      expect(point?.consistencyReason).toMatch(/sql01 was thawed for a write fence whose commit failed/);
      expect(run.cluster.model.fences.size).toBe(0);
    });

    it('a host that cannot see the snapshot copy fails the copy clean: the clone is unmapped and deleted, the snapshot released', async () => {
      run = await openFencedHyperv(dialect, fileOff);
      // The host's iSCSI session shows only the LUNs it had: a mapped clone never appears as a disk.
      const san = run.host.model.state.san;
      const live = new Set(san?.disks().map((disk) => disk.uniqueId));
      run.host.model.state.san = {
        disks: () => (san?.disks() ?? []).filter((disk) => live.has(disk.uniqueId)),
      };
      const op = await run.enqueue('fallback');
      const [done] = await run.h.tickUntilFinal(run.h.createWorker({ drivers: run.drivers }), [op.id]);

      expect(done.status).toBe('failed');
      const copy = [...(await stepsOf(op.id)).values()].find(
        (step) => step.key === `vm:${run.vmIdOf('sql01')}:copy-to-repository`,
      );
      expect(copy?.status).toBe('failed');
      expect(copy?.error).toMatch(/No disk with UniqueId 600A0980.* is visible/);
      expect(lunCopies()).toEqual({ clones: [], maps: 2 });
      expect(run.cluster.model.volumeByName('sql_data')?.snapshots).toEqual([]); // released after all
      expect(await pointOf(op.id, 'sql01')).toBeUndefined();
    });
  });
});
