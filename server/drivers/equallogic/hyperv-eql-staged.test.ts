/**
 * A staged restore of one Hyper-V VM from an EqualLogic snapshot, run by the worker across the two
 * real connectors (hyperv-eql-support.ts: the fake Windows host over SSH, whose D: sits on the
 * group's vmfs01 volume, and the fake group over SSH): stage-volume clones the capture's snapshot
 * and gives the clone vmfs01's access records (hv01's initiator); copy-out-vm logs hv01 in to the
 * clone's target, mounts its disk and copies only the chosen VM's files, in place or into a new
 * VM, then dismounts and logs out; discard-staging withdraws the clone's access and deletes it.
 *
 * The backup that makes the points keeps its array snapshot on the array (the job option
 * `keepArraySnapshot`): a staged restore clones the snapshot the point was read from, so the
 * snapshot must still be on the group.
 */
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { createServiceContext } from '../../context';
import { indexInventory } from '../../engine/inventory';
import { recordPowerStates } from '../../jobs/steps/inventory';
import { expectOnlyVmRestored, setFakeVmPower, startStagedRestore } from '../array-restore-test-support';
import { VM_STATE } from '../hyperv/fake/fake-hyperv-model';
import { readVolumeImage } from '../hyperv/fake/fake-san';
import { copyOutMountRoot } from '../hyperv/hyperv-array-copy-out';
import { callOptions } from '../hyperv/hyperv-test-support';
import { ARRAY_ID, HOST_IQN, type HypervOnEql, openHypervOnEql, sha256 } from './hyperv-eql-support';

const dialects = await storeDialects('hyperv-eql-staged');
let run: HypervOnEql;
afterEach(() => run?.close());

const VMFS01 = `${ARRAY_ID}:vol:vmfs01`;
const SQL01 = ['D:\\Hyper-V\\sql01\\os.vhdx', 'D:\\Hyper-V\\sql01\\data.vhdx'];
const WEB01 = 'D:\\Hyper-V\\web01\\web.vhdx';
const FILE01 = 'D:\\Hyper-V\\file01\\os.vhdx';

const ctx = () => createServiceContext({ now: () => run.h.clock.now(), newId: run.h.newId });
const vmfs01 = () => run.group.volumes.get('vmfs01');

/** The capture of vmfs01 by a backup that keeps its snapshot; answers sql01's point and the snapshot's bytes of each file. */
async function captureKept() {
  const op = await run.enqueue({ keepArraySnapshot: true });
  const [done] = await run.h.tickUntilFinal(run.h.createWorker({ drivers: run.drivers }), [op.id]);
  expect(done.status, done.error ?? '').toBe('succeeded-with-warnings'); // file01's pass-through disk is left out
  const snapshots = [...(vmfs01()?.snapshots.keys() ?? [])];
  expect(snapshots).toHaveLength(1);
  // The copies went through clones of the snapshot that hv01 logged in to, all gone again.
  expect(run.group.commands.filter((command) => / clone mgw-copy-/.test(command))).toHaveLength(3);
  expect(clones()).toEqual([]);
  const steps = await run.h.stores.operations.steps(op.id);
  const catalog = steps.find((step) => step.key === `vm:${run.vmIdOf('sql01')}:catalog`);
  const pointId = String((catalog?.resultJson as { restorePointId?: string } | null)?.restorePointId);
  // Catalogued as kept on the array, under the name the group's snapshot carries.
  expect(await run.h.stores.restorePoints.get(pointId)).toMatchObject({
    locationKind: 'array-snapshot',
    locationName: snapshots[0],
  });
  const atSnapshot = new Map(
    [...SQL01, WEB01, FILE01].map((file) => [file, sha256(run.host.model.readFile(file))]),
  );
  return { pointId, atSnapshot };
}

async function flushD() {
  const volume = run.inventory.hostVolumes.find((candidate) => candidate.arrayVolumeId !== null);
  const id = volume?.id as string;
  await (await run.drivers.hypervisorForHostVolume(id)).flushHostIo(id, callOptions());
}

/** Every VM on D: writes after the capture, and the host flushes D: to the volume. */
async function writeAfterCapture() {
  for (const file of [...SQL01, WEB01, FILE01])
    run.host.model.writeFile(file, Buffer.from(`${file} written after the capture`.padEnd(32 * 1024, '.')));
  await flushD();
}

/** sha256 of each file as vmfs01 holds it now (the host flushed D: first). */
async function onVolume(): Promise<Map<string, string>> {
  await flushD();
  const image = readVolumeImage(vmfs01()?.data ?? Buffer.alloc(0)) ?? [];
  return new Map(image.map((file) => [`D:\\${file.path}`, sha256(file.bytes)]));
}

const setPower = (name: string, state: number) => setFakeVmPower(run.host.model, name, state);

const startStaged = (pointId: string, newVmName?: string) =>
  startStagedRestore(run.h.stores, ctx(), pointId, newVmName);

/** What the group was asked to change from `from` on: clones, access records, offline, deletes. */
const groupChangesSince = (from: number) =>
  run.group.commands
    .slice(from)
    .filter((command) => /( clone | access (create|delete)| offline$|^volume delete )/.test(command))
    .map((command) =>
      command
        .replace(/mgw-stage-\S+/g, 'mgw-stage-…')
        .replace(/snapshot select \S+/, 'snapshot select …')
        .replace(/access delete \d+/, 'access delete …'),
    );
/** The staging: clone → access for hv01; then access withdrawn → offline → delete. */
const STAGING = [
  'volume select vmfs01 snapshot select … clone mgw-stage-…',
  `volume select mgw-stage-… access create initiator ${HOST_IQN}`,
  'volume select mgw-stage-… access delete …',
  'volume select mgw-stage-… offline',
  'volume delete mgw-stage-…',
];
const clones = () => [...run.group.volumes.keys()].filter((name) => name.startsWith('mgw-'));
const mountFolders = () => readdirSync(run.host.model.localPath('C:\\ProgramData\\Migawka\\array-copies'));

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('Hyper-V on an EqualLogic group', () => {
    it('the syncs link D: to vmfs01 by the NAA id in its target name: VM → disk → host volume → array volume', async () => {
      run = await openHypervOnEql(dialect);
      const d = run.inventory.hostVolumes.find((volume) => volume.name.startsWith('D:'));
      expect(d?.arrayVolumeId).toBe(VMFS01);
      const volume = run.inventory.arrayVolumes.find((candidate) => candidate.id === VMFS01);
      expect(volume?.naaId).toMatch(/^6090a0[0-9a-f]{26}$/);
      expect(run.inventory.hostVolumes.filter((candidate) => candidate.arrayVolumeId !== null)).toHaveLength(
        1,
      );
      const index = indexInventory(run.inventory);
      expect(index.vmIdsByArrayVolume.get(VMFS01)).toEqual(
        expect.arrayContaining([run.vmIdOf('sql01'), run.vmIdOf('web01')]),
      );
      const sql01Disks = run.inventory.virtualDisks.filter((disk) => disk.vmId === run.vmIdOf('sql01'));
      expect(sql01Disks.map((disk) => disk.hostVolumeId)).toEqual([d?.id, d?.id]);
    });

    it('in place: sql01’s disks on vmfs01 are the snapshot’s again, web01’s and file01’s bytes untouched, the clone gone', async () => {
      run = await openHypervOnEql(dialect);
      const { pointId, atSnapshot } = await captureKept();
      await writeAfterCapture();
      const before = await onVolume();
      setPower('sql01', VM_STATE.Off);
      await recordPowerStates(run.h.stores, [{ vmId: run.vmIdOf('sql01'), powerState: 'off' }]);
      const from = run.group.commands.length;

      const restore = await startStaged(pointId);
      const [done] = await run.h.tickUntilFinal(run.h.createWorker({ drivers: run.drivers }), [
        restore.operationId,
      ]);

      expect(done.status, done.error ?? '').toBe('succeeded');
      // Everything else on the volume byte for byte as before: the other VMs kept their newer writes.
      expectOnlyVmRestored(
        { restored: SQL01, collateral: [WEB01, FILE01], rewritten: [WEB01] },
        { atSnapshot, before, after: await onVolume() },
      );
      const steps = new Map(
        (await run.h.stores.operations.steps(restore.operationId)).map((s) => [s.key, s]),
      );
      expect(steps.get('copy-out-vm')?.resultJson).toMatchObject({ verified: true });
      expect(groupChangesSince(from)).toEqual(STAGING);
      expect(clones()).toEqual([]);
      expect(mountFolders()).toEqual([]);
      // hv01 logged in to the clone for the copy-out and out again; its session to vmfs01 stays.
      const logins = run.host.model.state.log.filter((entry) => entry.startsWith('iscsi '));
      expect(
        logins.filter((entry) => entry.includes('mgw-stage-')).map((entry) => entry.split(' ')[1]),
      ).toEqual(['login', 'logout']);
      expect([...run.san.sessions]).toEqual([vmfs01()?.iscsiName]);
    });

    it('as new: sql01-restored is made of the snapshot’s bytes beside sql01; sql01 and the volume’s other files untouched', async () => {
      run = await openHypervOnEql(dialect);
      const { pointId, atSnapshot } = await captureKept();
      await writeAfterCapture();
      const before = await onVolume();
      const from = run.group.commands.length;

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
      const after = await onVolume();
      SQL01.forEach((file, index) => {
        expect(after.get(created?.drives[index].path as string)).toBe(atSnapshot.get(file));
      });
      for (const [file, hash] of before) expect(after.get(file), file).toBe(hash);
      expect(groupChangesSince(from)).toEqual(STAGING);
      expect(clones()).toEqual([]);
      expect(mountFolders()).toEqual([]);
    });

    it('sql01 started after the power check: the copy-out fails before logging in, nothing is written, the clone is discarded', async () => {
      run = await openHypervOnEql(dialect);
      const { pointId } = await captureKept();
      await writeAfterCapture();
      const before = await onVolume();
      setPower('sql01', VM_STATE.Off);
      await recordPowerStates(run.h.stores, [{ vmId: run.vmIdOf('sql01'), powerState: 'off' }]);
      // Someone starts sql01 while the group clones the snapshot (after power-off-check passed).
      const commands = run.group.commands;
      const push = commands.push.bind(commands);
      commands.push = (...items) => {
        if (items.some((item) => / clone mgw-stage-/.test(item))) setPower('sql01', VM_STATE.Running);
        return push(...items);
      };
      const from = run.group.commands.length;
      const logins = run.host.model.state.log.filter((entry) => entry.startsWith('iscsi login')).length;

      const restore = await startStaged(pointId);
      const [done] = await run.h.tickUntilFinal(run.h.createWorker({ drivers: run.drivers }), [
        restore.operationId,
      ]);

      expect(done.status).toBe('failed');
      const steps = new Map(
        (await run.h.stores.operations.steps(restore.operationId)).map((s) => [s.key, s]),
      );
      expect(steps.get('copy-out-vm')?.error).toMatch(/sql01 is running: an in-place restore needs it off/);
      expect(steps.get('discard-staging')?.status).toBe('succeeded');
      expect(groupChangesSince(from)).toEqual(STAGING);
      expect(clones()).toEqual([]);
      expect(run.host.model.state.log.filter((entry) => entry.startsWith('iscsi login'))).toHaveLength(
        logins,
      );
      expect(await onVolume()).toEqual(before);
    });

    it('a copy-out whose worker died after logging in and mounting the clone runs again: it finds its session and mount, copies, and both go', async () => {
      run = await openHypervOnEql(dialect);
      const { pointId, atSnapshot } = await captureKept();
      await writeAfterCapture();
      setPower('sql01', VM_STATE.Off);
      await recordPowerStates(run.h.stores, [{ vmId: run.vmIdOf('sql01'), powerState: 'off' }]);
      const restore = await startStaged(pointId);
      const worker = run.h.createWorker({ drivers: run.drivers });
      const stageOf = async () =>
        (await run.h.stores.operations.steps(restore.operationId)).find(
          (step) => step.key === 'stage-volume',
        );
      await run.h.tickUntil(worker, async () => (await stageOf())?.status === 'succeeded');
      // What the earlier attempt left: hv01 logged in to the clone, its disk mounted under the staging's folder.
      const stagingId = String((await stageOf())?.paramsJson.stagingId);
      const array = await run.drivers.arrayForArrayVolume(VMFS01);
      const luns = (await array.stagedLuns?.({ stagingId, arrayVolumeIds: [VMFS01] }, callOptions())) ?? [];
      expect(luns).toHaveLength(1);
      const root = copyOutMountRoot(stagingId);
      await run.host.connect().run(
        'mount-array-copy',
        {
          vmId: run.host.model.state.vms[0].id,
          mountRoot: root,
          luns: luns.map((lun) => ({ source: lun.sourceNaaId, copy: lun.naaId, ...lun.iscsi })),
        },
        z.unknown(),
        callOptions(),
      );
      expect(mountFolders()).toEqual([root.split('\\').at(-1)]);
      expect(run.san.sessions.size).toBe(2);

      const [done] = await run.h.tickUntilFinal(worker, [restore.operationId]);

      expect(done.status, done.error ?? '').toBe('succeeded');
      expect(run.host.model.state.log.filter((entry) => entry.startsWith(`mount ${root}`))).toHaveLength(2);
      const after = await onVolume();
      for (const file of SQL01) expect(after.get(file)).toBe(atSnapshot.get(file));
      expect(mountFolders()).toEqual([]);
      expect(clones()).toEqual([]);
      expect([...run.san.sessions]).toEqual([vmfs01()?.iscsiName]);
    });
  });
});
