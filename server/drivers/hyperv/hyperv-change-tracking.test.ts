/**
 * Change tracking ids recorded with a backup checkpoint, against the fake host over SSH: the
 * reference points another product left (RCT-based or Replica's log-based), a host older than
 * 2016, a disk no reference point covers, and a retried step whose ids were read too late. The
 * checkpoint itself is taken in every case: an unreadable id never fails a backup.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DiskChangeTracking } from '../../engine/types';
import { SQL01 } from './fake/fake-estate';
import type { FakeHostState, FakeReferencePoint, FakeVm } from './fake/fake-hyperv-model';
import {
  CHANGE_TRACKING_REASONS,
  changeTrackingOfDisks,
  changeTrackingSchema,
} from './hyperv-change-tracking';
import { diskInventoryId, vmInventoryId } from './hyperv-discovery';
import { checkpointName, HypervHypervisor } from './hyperv-hypervisor';
import { callOptions, startFakeHost } from './hyperv-test-support';

let fake: Awaited<ReturnType<typeof startFakeHost>>;
let driver: HypervHypervisor;
beforeEach(async () => {
  fake = await startFakeHost(16 * 1024);
  driver = new HypervHypervisor({ client: fake.connect(), guestCredential: async () => null });
});
afterEach(() => fake.dispose());

const sql = vmInventoryId(SQL01);
const slot = (location: number) => ({ controllerType: 1, controllerNumber: 0, controllerLocation: location });
const [osDisk, dataDisk] = [0, 1].map((location) =>
  diskInventoryId(SQL01, { ControllerType: 1, ControllerNumber: 0, ControllerLocation: location }),
);
const rct = (n: number) => `rctX:4ca1e3a1-56b0-4b0e-9d7b-6f0f8a1c20${n}0:${n}`;
const rctPoint = (id: string, disks: FakeReferencePoint['disks'], type = 2): FakeReferencePoint => ({
  instanceId: `Microsoft:${id}`,
  type,
  disks,
});

type Case = {
  name: string;
  host?: Partial<FakeHostState>;
  vm?: Partial<FakeVm>;
  /** The step ran before and left its checkpoint. */
  retried?: boolean;
  expected: DiskChangeTracking[];
};

const CASES: Case[] = [
  {
    name: 'an RCT reference point covering both disks gives each its id',
    vm: {
      referencePoints: [
        rctPoint('rp1', [
          { ...slot(0), rctId: rct(1) },
          { ...slot(1), rctId: rct(2) },
        ]),
      ],
    },
    expected: [
      { diskId: osDisk, ids: [rct(1)], reason: null },
      { diskId: dataDisk, ids: [rct(2)], reason: null },
    ],
  },
  {
    name: 'two reference points: both ids, in the order Hyper-V lists them',
    vm: {
      referencePoints: [
        rctPoint('rp1', [
          { ...slot(0), rctId: rct(1) },
          { ...slot(1), rctId: rct(2) },
        ]),
        rctPoint('rp2', [{ ...slot(1), rctId: rct(4) }]),
      ],
    },
    expected: [
      { diskId: osDisk, ids: [rct(1)], reason: null },
      { diskId: dataDisk, ids: [rct(2), rct(4)], reason: null },
    ],
  },
  {
    name: 'a disk no reference point covers is unknown, the other is known',
    vm: { referencePoints: [rctPoint('rp1', [{ ...slot(0), rctId: rct(1) }])] },
    expected: [
      { diskId: osDisk, ids: [rct(1)], reason: null },
      { diskId: dataDisk, ids: [], reason: CHANGE_TRACKING_REASONS.notCovered },
    ],
  },
  {
    name: 'no reference point on the VM: unknown',
    expected: [
      { diskId: osDisk, ids: [], reason: CHANGE_TRACKING_REASONS.noPoint },
      { diskId: dataDisk, ids: [], reason: CHANGE_TRACKING_REASONS.noPoint },
    ],
  },
  {
    name: "only Hyper-V Replica's log-based reference point (no RCT ids): unknown",
    vm: { referencePoints: [rctPoint('replica', [{ ...slot(0), rctId: rct(1) }], 1)] },
    expected: [
      { diskId: osDisk, ids: [], reason: CHANGE_TRACKING_REASONS.noPoint },
      { diskId: dataDisk, ids: [], reason: CHANGE_TRACKING_REASONS.noPoint },
    ],
  },
  {
    name: 'a Windows Server 2012 R2 host has no reference points at all: unknown',
    host: { lacksReferencePoints: true },
    expected: [
      { diskId: osDisk, ids: [], reason: CHANGE_TRACKING_REASONS.noClass },
      { diskId: dataDisk, ids: [], reason: CHANGE_TRACKING_REASONS.noClass },
    ],
  },
  {
    name: 'a retried step reads after its own checkpoint: unknown, not a later id',
    vm: {
      referencePoints: [
        rctPoint('rp1', [
          { ...slot(0), rctId: rct(1) },
          { ...slot(1), rctId: rct(2) },
        ]),
      ],
    },
    retried: true,
    expected: [
      { diskId: osDisk, ids: [], reason: CHANGE_TRACKING_REASONS.retried },
      { diskId: dataDisk, ids: [], reason: CHANGE_TRACKING_REASONS.retried },
    ],
  },
];

describe('change tracking ids recorded with the backup checkpoint', () => {
  it.each(CASES)('$name', async ({ host, vm, retried, expected }) => {
    Object.assign(fake.model.state, host ?? {});
    Object.assign(fake.model.state.vms[0], vm ?? {});
    const request = {
      snapshotId: 's1',
      scope: { kind: 'vm' as const, vmId: sql },
      diskIds: [osDisk, dataDisk],
      isQuiesced: false,
    };
    if (retried) await driver.createSnapshot(request, callOptions());
    const taken = await driver.createSnapshot(request, callOptions());
    expect(taken).toEqual({ snapshotId: 's1', changeTracking: expected });
    expect(fake.model.state.vms[0].checkpoints.map((checkpoint) => checkpoint.name)).toEqual([
      checkpointName('s1'),
    ]);
  });

  it('records only the disks the backup asked for', async () => {
    fake.model.state.vms[0].referencePoints = [rctPoint('rp1', [{ ...slot(1), rctId: rct(2) }])];
    const taken = await driver.createSnapshot(
      { snapshotId: 's1', scope: { kind: 'vm', vmId: sql }, diskIds: [dataDisk], isQuiesced: false },
      callOptions(),
    );
    expect(taken.changeTracking).toEqual([{ diskId: dataDisk, ids: [rct(2)], reason: null }]);
  });

  it('a read WMI refuses leaves every disk unknown with the error; the checkpoint is still taken', async () => {
    fake.model.state.denyReferencePoints = true;
    const taken = await driver.createSnapshot(
      { snapshotId: 's1', scope: { kind: 'vm', vmId: sql }, diskIds: [osDisk, dataDisk], isQuiesced: true },
      callOptions(),
    );
    expect(taken.changeTracking?.map((disk) => [disk.diskId, disk.ids, disk.reason])).toEqual([
      [osDisk, [], expect.stringMatching(/^could not be read: .*Access denied/)],
      [dataDisk, [], expect.stringMatching(/^could not be read: .*Access denied/)],
    ]);
    expect(fake.model.state.vms[0].checkpoints).toHaveLength(1);
  });

  it('reads the shapes PowerShell 5.1 prints: one reference point, one-element arrays, null arrays', () => {
    const record = {
      CheckpointExists: false,
      MissingClass: null,
      // One object not wrapped; a log-based point's RCT ids null.
      ReferencePoints: {
        InstanceID: 'Microsoft:rp1',
        ReferencePointType: 2,
        VirtualDiskIdentifiers: ['Microsoft:X\\C\\0\\0\\L'],
        ResilientChangeTrackingIdentifiers: ['rctX:1:1'],
      },
      Disks: { InstanceID: 'microsoft:x\\c\\0\\0\\l', HostResource: ['D:\\VMs\\OS.vhdx'] },
      Drives: { ControllerType: 0, ControllerNumber: 0, ControllerLocation: 0, Path: 'd:\\vms\\os.vhdx' },
    };
    expect(changeTrackingOfDisks(SQL01, changeTrackingSchema.parse(record))).toEqual([
      {
        diskId: diskInventoryId(SQL01, { ControllerType: 0, ControllerNumber: 0, ControllerLocation: 0 }),
        ids: ['rctX:1:1'],
        reason: null,
      },
    ]);
    expect(
      changeTrackingSchema.parse({
        ...record,
        ReferencePoints: { ...record.ReferencePoints, ResilientChangeTrackingIdentifiers: null },
      }).ReferencePoints[0].ResilientChangeTrackingIdentifiers,
    ).toEqual([]);
  });
});
