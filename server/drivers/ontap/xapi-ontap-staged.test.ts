/**
 * A staged restore of one Xen VM from an ONTAP FlexClone, run by the worker across the real
 * transports of xapi-ontap-runner-support.ts (the fake pool over HTTPS, the fake dom0 over SSH, the
 * fake cluster over HTTPS): stage-volume clones the kept CG snapshot and maps the clone where the
 * live LUN is mapped (the pool's igroup) and to the staging igroup; copy-out-vm has dom0 import the
 * clone's VG under a name of its own, the chosen VM's disks are hashed against the point (a raw
 * LV in dom0, a VHD chain decoded in the worker), and the worker writes them through
 * `/import_raw_vdi` into the VM's VDIs (in place) or a new VM's; the imported VG goes;
 * discard-staging unmaps and deletes the clone. The SR's other VMs (sql01, app01) share the LUN and
 * must keep every byte they wrote after the capture.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { createServiceContext } from '../../context';
import { recordPowerStates } from '../../jobs/steps/inventory';
import { expectOnlyVmRestored, startStagedRestore } from '../array-restore-test-support';
import { xenId } from '../xapi/xapi-discovery';
import { XEN_IGROUP } from './xapi-ontap-lun';
import { type FencedXen, openFencedXen } from './xapi-ontap-runner-support';

const dialects = await storeDialects('xapi-ontap-staged');
let run: FencedXen;
afterEach(() => run?.close());

const LUN = '/vol/sql_data/lun0';
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const ctx = () => createServiceContext({ now: () => run.h.clock.now(), newId: run.h.newId });

/**
 * The SR's LVs on the LUN (db01 root, sql01's two, app01's), by VDI name, with their LVs; a VHD
 * VDI's hidden base has no VDI (`ref` empty) and goes by its LV's name.
 */
function lvsOnLun() {
  const { pool } = run.fixture;
  return run.sr.label.lvs.map((lv) => {
    const uuid = lv.name.replace(/^(LV|VHD)-/, '');
    const ref =
      [...pool.vdiBytes.keys()].find((candidate) => pool.get('VDI', candidate)?.uuid === uuid) ?? '';
    const name = ref ? (pool.get('VDI', ref)?.name_label as string) : lv.name;
    return { lv, uuid, ref, name };
  });
}

/** The LVs that are a VDI's (its leaf, for a VHD). */
const vdisOnLun = () => lvsOnLun().filter((vdi) => vdi.ref !== '');

/** sha256 of each LV as the live LUN holds it now (a VHD's encoded), by VDI name. */
const onLun = () =>
  new Map(
    lvsOnLun().map(({ lv, name }) => [name, sha256(run.cluster.model.readLun(LUN, lv.offset, lv.bytes))]),
  );

/** A capture that keeps its CG snapshot: db01's point and each VDI's hash at the snapshot. */
async function captureKept() {
  const op = await run.enqueue('fallback', { keepArraySnapshot: true });
  const [done] = await run.h.tickUntilFinal(run.h.createWorker({ drivers: run.drivers }), [op.id]);
  expect(done.status, done.error ?? '').toBe('succeeded-with-warnings'); // app01's udev disk is left out
  const steps = await run.h.stores.operations.steps(op.id);
  const catalog = steps.find((step) => step.key === `vm:${run.vmIdOf('db01')}:catalog`);
  const pointId = String((catalog?.resultJson as { restorePointId?: string } | null)?.restorePointId);
  expect(await run.h.stores.restorePoints.get(pointId)).toMatchObject({ locationKind: 'array-snapshot' });
  const atSnapshot = new Map(
    vdisOnLun().map(({ uuid, name }) => [name, sha256(run.fenced.get(xenId(uuid)) as Buffer)]),
  );
  return { pointId, atSnapshot };
}

/** Every VM on the SR writes after the capture (through its tapdisk: the pool's bytes and the LUN). */
function writeAfterCapture() {
  for (const { ref, name } of vdisOnLun()) {
    const size = run.fixture.pool.vdiBytes.get(ref)?.length ?? 0; // a VHD's LV is larger than its disk
    run.sr.writeVdi(ref, Buffer.alloc(size, `${name} written after the capture`));
  }
}

function setPower(name: string, power: 'Halted' | 'Running') {
  run.fixture.pool.mod('VM', run.fixture.pool.findVm(name), { power_state: power });
}

async function haltDb01() {
  setPower('db01', 'Halted');
  await recordPowerStates(run.h.stores, [{ vmId: run.vmIdOf('db01'), powerState: 'off' }]);
}

async function restore(pointId: string, newVmName?: string) {
  const started = await startStagedRestore(run.h.stores, ctx(), pointId, newVmName);
  const [done] = await run.h.tickUntilFinal(run.h.createWorker({ drivers: run.drivers }), [
    started.operationId,
  ]);
  const steps = new Map(
    (await run.h.stores.operations.steps(started.operationId)).map((step) => [step.key, step]),
  );
  return { done, steps };
}

/** The clones on the cluster and the LUN maps (after a restore: the live LUNs' only, as before it). */
const clonesAndMaps = () => ({
  clones: [...run.cluster.model.volumes.values()].filter((volume) => volume.parentVolume).map((v) => v.name),
  maps: run.cluster.model.lunMaps.map((map) => `${map.lunUuid}:${map.igroupUuid}`).sort(),
});

/** The staged clone's LUN on the cluster (its volume's parent is the snapshot's). */
function stagedCloneLun() {
  const clone = [...run.cluster.model.volumes.values()].find((volume) => volume.parentVolume);
  return [...run.cluster.model.luns.values()].find((lun) => lun.name.startsWith(`/vol/${clone?.name}/`));
}

/**
 * The staging on the array: clone, map it to stage01 and to each igroup the live LUN is mapped to
 * (the seeded Hyper-V host's and the pool's); unmap the three, delete the clone.
 */
const STAGING = [
  'POST /api/storage/volumes',
  ...Array(3).fill('POST /api/protocols/san/lun-maps'),
  ...Array(3).fill('DELETE /api/protocols/san/lun-maps'),
  'DELETE /api/storage/volumes',
];
const arrayCallsSince = (from: number) => run.copyCalls.slice(from).map((call) => call.split('/…')[0]);

/** Nothing of the copy-out is left in dom0, and the live VG was never named by a command. */
function expectDom0Clean() {
  expect(run.sr.storage.vgNames().filter((name) => name.startsWith('MGW_'))).toEqual([]);
  expect([...run.sr.storage.active]).toEqual([]);
  expect(run.sr.storage.events.filter((line) => line.includes(run.sr.vgName))).toEqual([]);
  expect(run.sr.liveLabel()).toEqual(run.sr.label);
}

const stagingImports = () =>
  run.sr.storage.events.filter((line) => line.startsWith('vgimportclone --basevgname MGW_stage_'));

/**
 * A kept capture, writes after it, db01 halted, then db01 restored in place from the staged clone;
 * ended succeeded and verified. The LUN's VDIs before the restore, the array calls' start and the
 * LUN maps are for the assertions on what the restore left.
 */
async function restoreDb01InPlace() {
  const { pointId, atSnapshot } = await captureKept();
  writeAfterCapture();
  const before = onLun();
  await haltDb01();
  const from = run.copyCalls.length;
  const { maps } = clonesAndMaps();
  const { done, steps } = await restore(pointId);
  expect(done.status, done.error ?? '').toBe('succeeded');
  expect(steps.get('copy-out-vm')?.resultJson).toMatchObject({ verified: true });
  return { atSnapshot, before, from, maps };
}

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('staged restore of a Xen VM from an ONTAP FlexClone', () => {
    it('in place: db01’s VDI holds the snapshot’s bytes again, sql01’s and app01’s on the LUN untouched, nothing left', async () => {
      run = await openFencedXen(dialect);
      const { atSnapshot, before, from, maps } = await restoreDb01InPlace();
      const after = onLun();
      expectOnlyVmRestored(
        {
          restored: ['db01 root'],
          collateral: ['sql01 C:', 'sql01 D:'],
          rewritten: [...before.keys()].filter((name) => name !== 'db01 root'),
        },
        { atSnapshot, before, after },
      );
      // What the VM reads through the pool is the snapshot's too.
      const db01 = vdisOnLun().find((vdi) => vdi.name === 'db01 root');
      expect(sha256(run.fixture.pool.vdiBytes.get(db01?.ref as string) as Buffer)).toBe(
        atSnapshot.get('db01 root'),
      );
      expect(arrayCallsSince(from)).toEqual(STAGING);
      expect(clonesAndMaps()).toEqual({ clones: [], maps });
      // Hashed in dom0 before anything was written; only db01's LV was activated on the clone.
      const events = run.sr.storage.events;
      expect(events.filter((line) => line.endsWith('| sha256sum'))).toEqual([
        expect.stringMatching(
          new RegExp(`^head -c \\d+ /dev/MGW_stage_[^ ]+/LV-${db01?.uuid} \\| sha256sum$`),
        ),
      ]);
      expect(events.filter((line) => line.startsWith('lvchange -ay MGW_stage_'))).toHaveLength(1);
      expect(stagingImports()).toHaveLength(1);
      expectDom0Clean();
      expect(run.xapi.calls).toContain('PUT /import_raw_vdi');
    });

    it('as new: db01-restored is made of the snapshot’s bytes, halted; db01 keeps running and the LUN is untouched', async () => {
      run = await openFencedXen(dialect);
      const { pointId, atSnapshot } = await captureKept();
      writeAfterCapture();
      const before = onLun();
      const from = run.copyCalls.length;
      const { maps } = clonesAndMaps();

      const { done, steps } = await restore(pointId, 'db01-restored');

      expect(done.status, done.error ?? '').toBe('succeeded');
      const { pool } = run.fixture;
      const created = pool.findVm('db01-restored');
      expect(pool.get('VM', created)?.power_state).toBe('Halted');
      const disks = pool.disksOf(created);
      expect(disks).toHaveLength(1);
      expect(sha256(pool.vdiBytes.get(disks[0] as string) as Buffer)).toBe(atSnapshot.get('db01 root'));
      expect(pool.get('VM', pool.findVm('db01'))?.power_state).toBe('Running');
      expect(onLun()).toEqual(before); // db01 too: it kept its newer writes
      const result = steps.get('copy-out-vm')?.resultJson as { createdVm?: { vmId: string } } | undefined;
      expect(result?.createdVm?.vmId).toBe(xenId(pool.get('VM', created)?.uuid as string));
      expect(arrayCallsSince(from)).toEqual(STAGING);
      expect(clonesAndMaps()).toEqual({ clones: [], maps });
      expectDom0Clean();
    });

    it('db01 started after the power check: the copy-out fails before dom0 is asked anything, nothing is written, the clone is discarded', async () => {
      run = await openFencedXen(dialect);
      const { pointId } = await captureKept();
      writeAfterCapture();
      const before = onLun();
      await haltDb01();
      // Someone starts db01 while the array clones the snapshot (after power-off-check passed).
      const calls = run.cluster.server.calls;
      const push = calls.push.bind(calls);
      calls.push = (...items) => {
        if (items.some((item) => item.startsWith('POST /api/storage/volumes'))) setPower('db01', 'Running');
        return push(...items);
      };
      const events = run.sr.storage.events.length;
      const from = run.copyCalls.length;
      const { maps } = clonesAndMaps();

      const { done, steps } = await restore(pointId);

      expect(done.status).toBe('failed');
      expect(steps.get('power-off-check')?.status).toBe('succeeded');
      expect(steps.get('copy-out-vm')).toMatchObject({ status: 'failed' });
      expect(steps.get('copy-out-vm')?.error).toMatch(/db01 is running: an in-place restore needs it off/);
      expect(steps.get('discard-staging')?.status).toBe('succeeded');
      expect(run.sr.storage.events.slice(events)).toEqual([]); // dom0 never touched
      expect(onLun()).toEqual(before);
      expect(arrayCallsSince(from)).toEqual(STAGING);
      expect(clonesAndMaps()).toEqual({ clones: [], maps });
      expectDom0Clean();
    });

    it('a clone that does not hold the point: the hash in dom0 differs, nothing is written, the step fails and the clone goes', async () => {
      run = await openFencedXen(dialect);
      const { pointId } = await captureKept();
      writeAfterCapture();
      const before = onLun();
      await haltDb01();
      const db01 = vdisOnLun().find((vdi) => vdi.name === 'db01 root');
      // The clone's copy of db01's LV changes between the stage and the copy-out (a fault on the array).
      run.sr.storage.onCommand = (line) => {
        if (line !== 'iscsiadm -m session -R') return;
        const clone = stagedCloneLun();
        if (clone && db01) run.cluster.model.writeLun(clone.name, db01.lv.offset, Buffer.alloc(16, 0xee));
      };

      const { maps } = clonesAndMaps();

      const { done, steps } = await restore(pointId);

      expect(done.status).toBe('failed');
      expect(steps.get('copy-out-vm')).toMatchObject({ status: 'failed' });
      expect(steps.get('copy-out-vm')?.error).toMatch(
        /on the staged clone does not match the restore point; nothing was written/,
      );
      expect(steps.get('verify-restored')?.status).not.toBe('succeeded');
      expect(onLun()).toEqual(before);
      expect(run.xapi.calls).not.toContain('PUT /import_raw_vdi');
      expect(clonesAndMaps()).toEqual({ clones: [], maps });
      expectDom0Clean();
    });

    it('a clone the pool does not see (unmapped from its igroup): not found after the rescan, nothing written, the clone goes', async () => {
      run = await openFencedXen(dialect);
      const { pointId } = await captureKept();
      writeAfterCapture();
      const before = onLun();
      await haltDb01();
      const poolGroup = [...run.cluster.model.igroups.values()].find((group) => group.name === XEN_IGROUP);
      // Someone withdraws the clone from the pool's hosts before dom0 rescans.
      run.sr.storage.onCommand = (line) => {
        if (line !== 'iscsiadm -m session -R') return;
        const clone = stagedCloneLun();
        run.cluster.model.lunMaps = run.cluster.model.lunMaps.filter(
          (map) => map.igroupUuid !== poolGroup?.uuid || map.lunUuid !== clone?.uuid,
        );
      };

      const { maps } = clonesAndMaps();

      const { done, steps } = await restore(pointId);

      expect(done.status).toBe('failed');
      expect(steps.get('copy-out-vm')?.error).toMatch(
        /the snapshot's clone \(scsi-3[0-9a-f]+\) did not appear after an iSCSI rescan/,
      );
      expect(stagingImports()).toEqual([]);
      expect(onLun()).toEqual(before);
      expect(run.xapi.calls).not.toContain('PUT /import_raw_vdi');
      expect(clonesAndMaps()).toEqual({ clones: [], maps });
      expectDom0Clean();
    });
  });
});

/** The staging's activations of db01's chain in the imported VG, and its reads of it by ranges. */
function vhdReads(uuid: string) {
  const events = run.sr.storage.events;
  return {
    activated: events.filter((line) => /^lvchange -ay MGW_stage_[^ ]+\/VHD-/.test(line)),
    leafActivated: events.some(
      (line) => line.startsWith('lvchange -ay MGW_stage_') && line.endsWith(`/VHD-${uuid}`),
    ),
    ranges: events.some((line) => /^dd if=\/dev\/MGW_stage_[^ ]+\/VHD-/.test(line)),
    hashedInDom0: events.filter((line) => line.endsWith('| sha256sum')),
    streamedWhole: events.filter((line) => line.startsWith('head -c') && line.includes(uuid)),
  };
}

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('staged restore of a Xen VM whose disk is a VHD chain', () => {
    it('in place: the chain decoded from the clone’s VG is hashed before writing; db01 reads the snapshot’s bytes, the other LVs untouched', async () => {
      run = await openFencedXen(dialect, { vhdDisks: ['db01 root'] });
      const { atSnapshot, before, from, maps } = await restoreDb01InPlace();
      const db01 = vdisOnLun().find((vdi) => vdi.name === 'db01 root');
      expect(sha256(run.fixture.pool.vdiBytes.get(db01?.ref as string) as Buffer)).toBe(
        atSnapshot.get('db01 root'),
      );
      // The leaf was rewritten on the LUN (through XAPI); the base, sql01 and app01 kept their bytes.
      const after = onLun();
      expect(after.get('db01 root')).not.toBe(before.get('db01 root'));
      for (const [name, hash] of before) if (name !== 'db01 root') expect(after.get(name), name).toBe(hash);
      // Hashed in the worker (no sha256sum in dom0), read by ranges: the leaf and its base activated
      // in the imported VG, never streamed whole; the leaf's locator (the live VG's base) never followed.
      const reads = vhdReads(db01?.uuid as string);
      expect(reads.hashedInDom0).toEqual([]);
      expect(reads.streamedWhole).toEqual([]);
      expect(reads.leafActivated).toBe(true);
      expect(new Set(reads.activated.map((line) => line.split('/')[1])).size).toBe(2);
      expect(reads.ranges).toBe(true);
      expect(run.xapi.calls).toContain('PUT /import_raw_vdi');
      expect(arrayCallsSince(from)).toEqual(STAGING);
      expect(clonesAndMaps()).toEqual({ clones: [], maps });
      expectDom0Clean();
    });

    it('as new: db01-restored is made of the chain’s decoded bytes at the snapshot; db01 and the LUN untouched', async () => {
      run = await openFencedXen(dialect, { vhdDisks: ['db01 root'] });
      const { pointId, atSnapshot } = await captureKept();
      writeAfterCapture();
      const before = onLun();
      const { maps } = clonesAndMaps();

      const { done } = await restore(pointId, 'db01-restored');

      expect(done.status, done.error ?? '').toBe('succeeded');
      const { pool } = run.fixture;
      const disks = pool.disksOf(pool.findVm('db01-restored'));
      expect(disks).toHaveLength(1);
      expect(sha256(pool.vdiBytes.get(disks[0] as string) as Buffer)).toBe(atSnapshot.get('db01 root'));
      expect(pool.get('VM', pool.findVm('db01'))?.power_state).toBe('Running');
      expect(onLun()).toEqual(before);
      expect(vhdReads(vdisOnLun().find((vdi) => vdi.name === 'db01 root')?.uuid ?? '').ranges).toBe(true);
      expect(clonesAndMaps()).toEqual({ clones: [], maps });
      expectDom0Clean();
    });

    it('a clone whose chain does not decode to the point: refused data-corrupt in the worker, nothing written', async () => {
      run = await openFencedXen(dialect, { vhdDisks: ['db01 root'] });
      const { pointId } = await captureKept();
      writeAfterCapture();
      const before = onLun();
      await haltDb01();
      const db01 = vdisOnLun().find((vdi) => vdi.name === 'db01 root');
      // The clone's leaf becomes the live one (a valid VHD over the same base, holding the writes
      // made after the capture) between the stage and the copy-out: a fault on the array.
      run.sr.storage.onCommand = (line) => {
        const clone = stagedCloneLun();
        if (line !== 'iscsiadm -m session -R' || !clone || !db01) return;
        const live = run.cluster.model.readLun(LUN, db01.lv.offset, db01.lv.bytes);
        run.cluster.model.writeLun(clone.name, db01.lv.offset, live);
      };
      const { maps } = clonesAndMaps();

      const { done, steps } = await restore(pointId);

      expect(done.status).toBe('failed');
      expect(steps.get('copy-out-vm')?.error).toMatch(
        /on the staged clone does not match the restore point; nothing was written/,
      );
      expect(vhdReads(db01?.uuid as string).ranges).toBe(true);
      expect(onLun()).toEqual(before);
      expect(run.xapi.calls).not.toContain('PUT /import_raw_vdi');
      expect(clonesAndMaps()).toEqual({ clones: [], maps });
      expectDom0Clean();
    });
  });
});
