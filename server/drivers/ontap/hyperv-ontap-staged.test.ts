/**
 * A staged restore of one Hyper-V VM from an ONTAP FlexClone, run by the worker across the two
 * real connectors (hyperv-ontap-runner-support.ts: the fake Windows host over SSH, whose D: sits
 * on the fake cluster's sql_data LUN, and the fake cluster over HTTPS): stage-volume clones the
 * capture's snapshot and maps the clone where the live LUN is mapped (hv01) and to the staging
 * igroup; copy-out-vm mounts the clone's disk on hv01 and copies only the chosen VM's files, in
 * place or into a new VM; discard-staging unmaps and deletes the clone.
 *
 * The backup that makes the points keeps its array snapshot on the array (the job option
 * `keepArraySnapshot`): a staged restore clones the snapshot the point was read from, so the
 * snapshot must still be on the cluster.
 */
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { createServiceContext } from '../../context';
import { recordPowerStates } from '../../jobs/steps/inventory';
import { expectOnlyVmRestored, setFakeVmPower, startStagedRestore } from '../array-restore-test-support';
import { readVolumeImage } from '../hyperv/fake/fake-san';
import { copyOutMountRoot } from '../hyperv/hyperv-array-copy-out';
import { callOptions } from '../hyperv/hyperv-test-support';
import { type FencedHyperv, openFencedHyperv, sha256, VM_STATE } from './hyperv-ontap-runner-support';

const dialects = await storeDialects('hyperv-ontap-staged');
let run: FencedHyperv;
afterEach(() => run?.close());

const LUN = '/vol/sql_data/lun0';
const SQL01 = ['D:\\Hyper-V\\sql01\\os.vhdx', 'D:\\Hyper-V\\sql01\\data.vhdx'];
const WEB01 = 'D:\\Hyper-V\\web01\\web.vhdx';
const FILE01 = 'D:\\Hyper-V\\file01\\os.vhdx';

const ctx = () => createServiceContext({ now: () => run.h.clock.now(), newId: run.h.newId });

/** The capture of D:'s LUN by a backup that keeps its snapshot; answers sql01's point and the snapshot's bytes of each file. */
async function captureKept() {
  const op = await run.enqueue('fallback', { keepArraySnapshot: true });
  const [done] = await run.h.tickUntilFinal(run.h.createWorker({ drivers: run.drivers }), [op.id]);
  expect(done.status).toBe('succeeded-with-warnings'); // file01's pass-through disk is left out
  const snapshots = run.cluster.model.volumeByName('sql_data')?.snapshots ?? [];
  expect(snapshots).toHaveLength(1);
  const steps = await run.h.stores.operations.steps(op.id);
  const catalog = steps.find((step) => step.key === `vm:${run.vmIdOf('sql01')}:catalog`);
  const pointId = String((catalog?.resultJson as { restorePointId?: string } | null)?.restorePointId);
  // Catalogued as kept on the array, under the name the cluster gave the snapshot.
  expect(await run.h.stores.restorePoints.get(pointId)).toMatchObject({
    locationKind: 'array-snapshot',
    locationName: snapshots[0].name,
  });
  const atSnapshot = new Map(
    [...SQL01, WEB01, FILE01].map((file) => [file, sha256(run.host.model.readFile(file))]),
  );
  return { pointId, atSnapshot };
}

/** Every VM on D: writes after the capture, and the host flushes D: to the LUN. */
async function writeAfterCapture() {
  for (const file of [...SQL01, WEB01, FILE01])
    run.host.model.writeFile(file, Buffer.from(`${file} written after the capture`.padEnd(32 * 1024, '.')));
  await flushD();
}

async function flushD() {
  const volume = run.inventory.hostVolumes.find((candidate) => candidate.arrayVolumeId !== null);
  const id = volume?.id as string;
  await (await run.drivers.hypervisorForHostVolume(id)).flushHostIo(id, callOptions());
}

/** sha256 of each file as the LUN holds it now (the host flushed D: first). */
async function onLun(): Promise<Map<string, string>> {
  await flushD();
  const image = readVolumeImage(run.cluster.model.readLun(LUN)) ?? [];
  return new Map(image.map((file) => [`D:\\${file.path}`, sha256(file.bytes)]));
}

const setPower = (name: string, state: number) => setFakeVmPower(run.host.model, name, state);

const startStaged = (pointId: string, newVmName?: string) =>
  startStagedRestore(run.h.stores, ctx(), pointId, newVmName);

async function stepsOf(operationId: string) {
  return new Map((await run.h.stores.operations.steps(operationId)).map((step) => [step.key, step]));
}

/** The array's calls from `from` on (reads left out). */
const arrayCallsSince = (from: number) =>
  run.timeline.slice(from).filter((entry) => entry.startsWith('array:'));
const lunCopies = () => ({
  clones: [...run.cluster.model.volumes.values()].filter((volume) => volume.parentVolume).map((v) => v.name),
  maps: run.cluster.model.lunMaps.length,
});
const mountFolders = () => readdirSync(run.host.model.localPath('C:\\ProgramData\\Migawka\\array-copies'));
/** The staging: clone → map to stage01 and to hv01 (the live LUN's igroup); then unmap both → delete. */
const STAGING = [
  'array: POST volumes',
  'array: POST lun-maps',
  'array: POST lun-maps',
  'array: DELETE lun-maps',
  'array: DELETE lun-maps',
  'array: DELETE volumes',
];

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('staged restore of a Hyper-V VM from an ONTAP FlexClone', () => {
    it('in place: sql01’s disks on the LUN are the snapshot’s again, web01’s and file01’s bytes untouched, the clone gone', async () => {
      run = await openFencedHyperv(dialect);
      const { pointId, atSnapshot } = await captureKept();
      await writeAfterCapture();
      const before = await onLun();
      setPower('sql01', VM_STATE.Off);
      await recordPowerStates(run.h.stores, [{ vmId: run.vmIdOf('sql01'), powerState: 'off' }]);
      const from = run.timeline.length;

      const restore = await startStaged(pointId);
      const [done] = await run.h.tickUntilFinal(run.h.createWorker({ drivers: run.drivers }), [
        restore.operationId,
      ]);

      expect(done.status, done.error ?? '').toBe('succeeded');
      // Everything else on the volume byte for byte as before: the other VMs kept their newer writes.
      expectOnlyVmRestored(
        { restored: SQL01, collateral: [WEB01, FILE01], rewritten: [WEB01] },
        { atSnapshot, before, after: await onLun() },
      );
      const steps = await stepsOf(restore.operationId);
      expect(steps.get('copy-out-vm')?.resultJson).toMatchObject({ verified: true });
      expect(arrayCallsSince(from)).toEqual(STAGING);
      expect(lunCopies()).toEqual({ clones: [], maps: 2 }); // only the live LUNs' maps are left
      expect(mountFolders()).toEqual([]);
      // The host copied from the clone's mount and hashed what it wrote; nothing went through Migawka.
      expect(run.host.host.calls.filter((name) => name === 'mount-array-copy')).toHaveLength(4); // 3 backup copies + 1
      expect(run.host.host.calls.filter((name) => name === 'dismount-array-copy')).toHaveLength(4);
    });

    it('as new: sql01-restored is made of the snapshot’s bytes beside sql01; sql01 and the LUN’s other files untouched', async () => {
      run = await openFencedHyperv(dialect);
      const { pointId, atSnapshot } = await captureKept();
      await writeAfterCapture();
      const before = await onLun();
      const from = run.timeline.length;

      const restore = await startStaged(pointId, 'sql01-restored'); // sql01 keeps running
      const [done] = await run.h.tickUntilFinal(run.h.createWorker({ drivers: run.drivers }), [
        restore.operationId,
      ]);

      expect(done.status, done.error ?? '').toBe('succeeded');
      const created = run.host.model.state.vms.find((vm) => vm.name === 'sql01-restored');
      expect(created?.drives.map((drive) => drive.path)).toEqual([
        'D:\\Hyper-V\\sql01-restored\\os.vhdx',
        'D:\\Hyper-V\\sql01-restored\\data.vhdx',
      ]);
      expect(created?.state).toBe(VM_STATE.Off);
      expect(created?.generation).toBe(2);
      const after = await onLun();
      SQL01.forEach((file, index) => {
        expect(after.get(created?.drives[index].path as string)).toBe(atSnapshot.get(file));
      });
      for (const [file, hash] of before) expect(after.get(file), file).toBe(hash); // sql01 too
      expect(arrayCallsSince(from)).toEqual(STAGING);
      expect(lunCopies()).toEqual({ clones: [], maps: 2 });
      expect(mountFolders()).toEqual([]);
    });

    it('sql01 started after the power check: the copy-out fails before mounting, nothing is written, the clone is discarded', async () => {
      run = await openFencedHyperv(dialect);
      const { pointId } = await captureKept();
      await writeAfterCapture();
      const before = await onLun();
      setPower('sql01', VM_STATE.Off);
      await recordPowerStates(run.h.stores, [{ vmId: run.vmIdOf('sql01'), powerState: 'off' }]);
      // Someone starts sql01 while the array clones the snapshot (after power-off-check passed).
      const calls = run.cluster.server.calls;
      const push = calls.push.bind(calls);
      calls.push = (...items) => {
        if (items.some((item) => item.startsWith('POST /api/storage/volumes')))
          setPower('sql01', VM_STATE.Running);
        return push(...items);
      };
      const from = run.timeline.length;
      const mounts = run.host.host.calls.filter((name) => name === 'mount-array-copy').length;

      const restore = await startStaged(pointId);
      const [done] = await run.h.tickUntilFinal(run.h.createWorker({ drivers: run.drivers }), [
        restore.operationId,
      ]);

      expect(done.status).toBe('failed');
      const steps = await stepsOf(restore.operationId);
      expect(steps.get('power-off-check')?.status).toBe('succeeded');
      expect(steps.get('copy-out-vm')).toMatchObject({ status: 'failed' });
      expect(steps.get('copy-out-vm')?.error).toMatch(/sql01 is running: an in-place restore needs it off/);
      expect(steps.get('discard-staging')?.status).toBe('succeeded');
      expect(arrayCallsSince(from)).toEqual(STAGING);
      expect(lunCopies()).toEqual({ clones: [], maps: 2 });
      expect(run.host.host.calls.filter((name) => name === 'mount-array-copy')).toHaveLength(mounts);
      expect(await onLun()).toEqual(before);
    });

    it('a copy-out whose worker died after mounting the clone runs again: it finds its mount, copies, and the mount goes', async () => {
      run = await openFencedHyperv(dialect);
      const { pointId, atSnapshot } = await captureKept();
      await writeAfterCapture();
      setPower('sql01', VM_STATE.Off);
      await recordPowerStates(run.h.stores, [{ vmId: run.vmIdOf('sql01'), powerState: 'off' }]);
      const restore = await startStaged(pointId);
      const worker = run.h.createWorker({ drivers: run.drivers });
      const stepStatus = async (key: string) => (await stepsOf(restore.operationId)).get(key)?.status;
      await run.h.tickUntil(worker, async () => (await stepStatus('stage-volume')) === 'succeeded');
      // What the earlier attempt left: the clone's disk online under the staging's mount folder.
      const stage = (await run.h.stores.operations.steps(restore.operationId)).find(
        (step) => step.key === 'stage-volume',
      );
      const stagingId = String(stage?.paramsJson.stagingId);
      expect(stage?.status).toBe('succeeded');
      const lunId = run.inventory.hostVolumes.find((volume) => volume.arrayVolumeId)?.arrayVolumeId as string;
      const array = await run.drivers.arrayForArrayVolume(lunId);
      const luns = await array.stagedLuns?.({ stagingId, arrayVolumeIds: [lunId] }, callOptions());
      const client = run.host.connect();
      const root = copyOutMountRoot(stagingId);
      await client.run(
        'mount-array-copy',
        {
          vmId: run.host.model.state.vms[0].id,
          mountRoot: root,
          luns: (luns ?? []).map((lun) => ({ source: lun.sourceNaaId, copy: lun.naaId })),
        },
        z.unknown(),
        callOptions(),
      );
      expect(mountFolders()).toEqual([root.split('\\').at(-1)]);

      const [done] = await run.h.tickUntilFinal(worker, [restore.operationId]);

      expect(done.status, done.error ?? '').toBe('succeeded');
      expect(run.host.model.state.log.filter((entry) => entry.startsWith(`mount ${root}`))).toHaveLength(2);
      const after = await onLun();
      for (const file of SQL01) expect(after.get(file)).toBe(atSnapshot.get(file));
      expect(mountFolders()).toEqual([]);
      expect(lunCopies()).toEqual({ clones: [], maps: 2 });
    });
  });
});
