/**
 * A Xen VM on an ONTAP LUN backed up by array snapshot, its disks read out of the snapshot through
 * dom0 (xapi-array-copy.ts) over the three real transports of xapi-ontap-runner-support.ts: the
 * cluster clones the CG snapshot and maps the clone to the pool's igroup, the fake dom0 rescans,
 * imports the clone's VG under a name of its own and streams the VDI's LV into the repository.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { indexInventory } from '../../engine/inventory';
import { planVm } from '../../engine/planner';
import { DISK_SIZE } from '../xapi/fake/fake-fixtures';
import { diskBytes } from '../xapi/fake/fake-pool';
import { xenId } from '../xapi/xapi-discovery';
import { callOptions } from './ontap-test-support';
import { type FencedXen, openFencedXen } from './xapi-ontap-runner-support';

const dialects = await storeDialects('xapi-ontap-copy');
let run: FencedXen;
afterEach(() => run?.close());

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function db01Vdi() {
  const { pool } = run.fixture;
  const ref = [...pool.vdiBytes.keys()].find(
    (candidate) => pool.get('VDI', candidate)?.name_label === 'db01 root',
  );
  return { ref: ref as string, uuid: pool.get('VDI', ref as string)?.uuid as string };
}

/** Nothing of the copy is left in dom0: no imported VG, no active LV of a clone. */
function expectNothingImported() {
  expect(run.sr.storage.vgNames().filter((name) => name.startsWith('MGW_'))).toEqual([]);
  expect([...run.sr.storage.active]).toEqual([]);
}

/** The live VG never named by a command, its label as laid out. */
function expectOriginalUntouched() {
  expect(run.sr.storage.events.filter((line) => line.includes(run.sr.vgName))).toEqual([]);
  expect(run.sr.liveLabel()).toEqual(run.sr.label);
}

/**
 * Backs db01 up by array snapshot while its guest writes on after the snapshot (its first dom0
 * command runs after it); the operation ended succeeded with warnings (app01 leaves out its udev disk).
 */
async function backUpDb01WhileGuestWrites() {
  const after = Buffer.alloc(DISK_SIZE, 0x5a);
  const vdi = db01Vdi();
  run.sr.storage.onCommand = (line) => {
    if (line === 'iscsiadm -m session -R' && !run.fixture.pool.vdiBytes.get(vdi.ref)?.equals(after))
      run.sr.writeVdi(vdi.ref, after);
  };
  const op = await run.enqueue('fallback');
  const [done] = await run.h.tickUntilFinal(run.h.createWorker({ drivers: run.drivers }), [op.id]);
  const steps = await run.h.stores.operations.steps(op.id);
  const failed = steps.filter((step) => step.status === 'failed').map((step) => `${step.key}: ${step.error}`);
  expect(done.status, failed.join('\n')).toBe('succeeded-with-warnings');
  const catalog = steps.find((step) => step.key === `vm:${run.vmIdOf('db01')}:catalog`);
  const pointId = (catalog?.resultJson as { restorePointId: string } | undefined)?.restorePointId ?? '';
  const stored = await run.h.driver.repository.read(pointId, callOptions(10_000));
  return { vdi, after, stored };
}

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('copy of a Xen VM out of an ONTAP snapshot through dom0', () => {
    it('stores the VDI as the snapshot holds it (a write after it is not included), the original VG untouched, nothing left', async () => {
      run = await openFencedXen(dialect);
      const { vdi, after, stored } = await backUpDb01WhileGuestWrites();
      expect(stored?.files.map((file) => [file.diskId, file.sha256])).toEqual([
        [xenId(vdi.uuid), sha256(diskBytes('db01-root', DISK_SIZE))],
      ]);
      expect(run.fenced.get(xenId(vdi.uuid))).toEqual(diskBytes('db01-root', DISK_SIZE));
      expect(run.fixture.pool.vdiBytes.get(vdi.ref)).toEqual(after); // the live disk moved on

      const storage = run.sr.storage.events;
      // Only the wanted VDI's LV is activated, on the clone's imported VG.
      expect(storage.filter((line) => line.startsWith('lvchange -ay') && line.includes(vdi.uuid))).toEqual([
        expect.stringMatching(new RegExp(`^lvchange -ay MGW_[^ ]+/LV-${vdi.uuid}$`)),
      ]);
      // One import per VM's clone (db01, sql01's two disks on one, app01); a retried step adds one.
      expect(
        storage.filter((line) => line.startsWith('vgimportclone --basevgname MGW_')).length,
      ).toBeGreaterThanOrEqual(3);
      // db01, sql01 ×2, app01 (a retried step under load reads again).
      expect(storage.filter((line) => /^head -c \d+ \/dev\/MGW_/.test(line)).length).toBeGreaterThanOrEqual(
        4,
      );
      expectOriginalUntouched();
      expectNothingImported();
      expect([...run.cluster.model.volumes.values()].filter((v) => v.name.startsWith('mgw_copy_'))).toEqual(
        [],
      );
      expect(
        run.copyCalls.filter((call) => call.startsWith('POST /api/storage/volumes')).length,
      ).toBeGreaterThanOrEqual(3); // one clone per VM, each deleted (above)
    });
  });
});

/** Array snapshot `snap-k` of the SR's LUN, then a copy of db01 from it that exposes the clone itself. */
async function db01Copy(restorePointId: string) {
  const vdi = db01Vdi();
  const lunId = run.inventory.hostVolumes.find((volume) => volume.arrayVolumeId !== null)
    ?.arrayVolumeId as string;
  const ontap = await run.drivers.arrayForArrayVolume(lunId);
  const scope = { kind: 'array-volumes' as const, arrayVolumeIds: [lunId], consistencyGroupId: null };
  await ontap.createSnapshot({ snapshotId: 'snap-k', scope, diskIds: [], isQuiesced: false }, callOptions());
  run.sr.writeVdi(vdi.ref, Buffer.alloc(DISK_SIZE, 0x5a)); // after the snapshot
  const xen = await run.drivers.hypervisorForVm(run.vmIdOf('db01'));
  const copy = async () => {
    const luns = await ontap.exposeSnapshot?.(
      { snapshotId: 'snap-k', exposureId: restorePointId, arrayVolumeIds: [lunId] },
      callOptions(),
    );
    const request = {
      snapshotId: 'snap-k',
      restorePointId,
      vmId: run.vmIdOf('db01'),
      diskIds: [xenId(vdi.uuid)],
    };
    return xen.copyFromArrayLuns?.(
      { ...request, luns: luns ?? [] },
      run.h.driver.repository,
      callOptions(10_000),
    );
  };
  const withdraw = () => ontap.withdrawExposure?.(restorePointId, callOptions());
  return { copy, withdraw };
}

describe('a Xen VM whose disk is a VHD chain (LVHD’s default)', () => {
  it('is offered array-snapshot; the point holds the raw disk at the snapshot, decoded from the clone’s chain read in the imported VG only, nothing left', async () => {
    run = await openFencedXen(dialects[0], { vhdDisks: ['db01 root'] });
    // The sync read it as VHD (sm_config.vdi_type): the array method is not refused for it.
    const inventory = await run.h.stores.inventory.loadInventory();
    const { plan, findings } = planVm(indexInventory(inventory), run.vmIdOf('db01'));
    expect(plan.options.find((option) => option.method === 'array-snapshot')?.isAvailable).toBe(true);
    expect(findings.filter((finding) => finding.ruleId === 'XS-ARRAY-COPY-VHD')).toEqual([]);

    // The guest writes on after the snapshot (its VHD leaf rewritten on the live LUN).
    const { vdi, stored } = await backUpDb01WhileGuestWrites();
    expect(stored?.files.map((file) => [file.diskId, file.bytes, file.sha256])).toEqual([
      [xenId(vdi.uuid), DISK_SIZE, sha256(diskBytes('db01-root', DISK_SIZE))],
    ]);

    const storage = run.sr.storage.events;
    // The leaf and its hidden base activated in the imported VG, read by ranges, never whole.
    const activated = storage.filter((line) => /^lvchange -ay MGW_[^ ]+\/VHD-/.test(line));
    expect(activated).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`/VHD-${vdi.uuid}$`))]),
    );
    expect(new Set(activated.map((line) => line.split('/')[1])).size).toBe(2);
    expect(storage.some((line) => /^dd if=\/dev\/MGW_[^ ]+\/VHD-/.test(line))).toBe(true);
    expect(storage.some((line) => line.startsWith('head -c') && line.includes(vdi.uuid))).toBe(false);
    // The leaf's locator names the live VG's base: never followed.
    expectOriginalUntouched();
    expectNothingImported();
  });
});

describe('a copy whose worker died mid-read', () => {
  it('leaves its clone imported; the retry imports nothing again, stores the snapshot’s bytes and leaves nothing', async () => {
    run = await openFencedXen(dialects[0]);
    const { copy, withdraw } = await db01Copy('rp-k');

    // The worker's host dies as dom0 streams the LV: its connection drops, nothing cleans up.
    run.sr.storage.onCommand = (line) => {
      if (line.startsWith('head -c')) void run.dom0.stop();
    };
    await expect(copy()).rejects.toThrow(/connection was lost|cannot be reached/);
    expect(run.sr.storage.vgNames().filter((name) => name.startsWith('MGW_rp-k_'))).toHaveLength(1);
    expect(run.sr.storage.active.size).toBe(1);

    run.sr.storage.onCommand = () => {};
    await run.dom0.start();
    const before = run.sr.storage.events.length;
    const result = await copy();
    const retried = run.sr.storage.events.slice(before);
    expect(retried.some((line) => line.startsWith('vgimportclone'))).toBe(false); // found imported
    expect(result?.files.map((file) => file.sha256)).toEqual([sha256(diskBytes('db01-root', DISK_SIZE))]);
    expectOriginalUntouched();
    expectNothingImported();
    await withdraw();
    expect(run.cluster.model.volumeByName('mgw_copy_rp-k_sql_data')).toBeUndefined();
  });
});
