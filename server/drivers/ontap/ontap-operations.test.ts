/**
 * ONTAP operations against the fake cluster: the two-phase CG snapshot inside its write fence (and
 * what happens when the thaw runs late or the worker dies between start and commit), volume revert
 * and its blast radius, a FlexClone staged restore that touches only the chosen VM's bytes, and
 * snapshot cleanup. The "host" reads and writes the LUN bytes the way a mapped block device would.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { naaFromSerial } from './ontap-naa';
import { OntapOperations } from './ontap-operations';
import { type FakeCluster, startFakeCluster, stepCall } from './ontap-test-support';

let cluster: FakeCluster;
let operations: OntapOperations;
beforeEach(async () => {
  cluster = await startFakeCluster();
  operations = new OntapOperations(cluster.client);
});
afterEach(async () => {
  await cluster.stop();
});

const DATA_LUN = '/vol/sql_data/lun0';
const LOG_LUN = '/vol/sql_log/lun0';
/** Two VMs' disks share the data LUN: VM A in the first KiB, VM B in the second. */
const VM_A = { offset: 0, length: 1024 };
const VM_B = { offset: 1024, length: 1024 };

function fill(lun: string, region: { offset: number; length: number }, byte: number) {
  cluster.model.writeLun(lun, region.offset, Buffer.alloc(region.length, byte));
}
function firstByte(lun: string, region: { offset: number }): number {
  return cluster.model.readLun(lun, region.offset, 1)[0];
}
const memberSnapshots = () =>
  ['sql_data', 'sql_log'].map((name) => cluster.model.volumeByName(name)?.snapshots.map((s) => s.name));

describe('consistency-group snapshot, two phases', () => {
  it('start fences both volumes, the guests thaw inside the fence, the commit keeps the point', async () => {
    fill(DATA_LUN, VM_A, 0xa1);
    fill(LOG_LUN, VM_A, 0x11);
    const seen: string[] = [];
    const result = await operations.snapshotConsistencyGroup(
      {
        consistencyGroup: 'cg_sql',
        snapshotName: 'run-7',
        thaw: async () => {
          seen.push(`fenced: ${[...cluster.model.fences.keys()].sort().join(',')}`);
          expect(() => fill(DATA_LUN, VM_A, 0xff)).toThrow(/write fence/);
          cluster.clock.advance(3000); // the thaw takes 3 s of the 7 s fence
        },
      },
      stepCall('run-7'),
    );
    expect(seen).toEqual(['fenced: sql_data,sql_log']);
    expect(result.snapshotUuid).toMatch(/-/);
    expect(cluster.model.fences.size).toBe(0);
    expect(memberSnapshots()).toEqual([['run-7'], ['run-7']]);
    const calls = cluster.server.calls.filter((call) => !call.startsWith('GET'));
    expect(calls[0]).toMatch(/^POST .*\/snapshots\?action=start&action_timeout=7$/);
    expect(calls[1]).toMatch(/^PATCH .*\/snapshots\/.+\?action=commit$/);
    fill(DATA_LUN, VM_A, 0xb2); // writes flow again after the commit
  });

  it('a thaw that overruns the fence: ONTAP aborts, the step fails clean and nothing stays fenced or half-made', async () => {
    const error = await operations
      .snapshotConsistencyGroup(
        {
          consistencyGroup: 'cg_sql',
          snapshotName: 'run-8',
          fenceSeconds: 7,
          thaw: async () => {
            cluster.clock.advance(8000);
          },
        },
        stepCall('run-8'),
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ faultCode: 'snapshot-failed', isRetryable: true });
    expect(String(error)).toMatch(/after the write fence/);
    expect(cluster.model.fences.size).toBe(0);
    expect(memberSnapshots()).toEqual([[], []]);
    expect([...cluster.model.groups.values()][0].snapshots).toEqual([]);
  });

  it('a worker killed between start and commit leaves nothing fenced once the fence ends, and the retry starts afresh', async () => {
    const worker = new AbortController();
    const first = operations.snapshotConsistencyGroup(
      {
        consistencyGroup: 'cg_sql',
        snapshotName: 'run-9',
        thaw: async () => {
          worker.abort(new Error('worker killed'));
        },
      },
      { signal: worker.signal, timeoutMs: 60_000, stepKey: 'run-9' },
    );
    await expect(first).rejects.toThrow('worker killed');
    expect(cluster.model.fences.size).toBe(2); // ONTAP holds the fence until its timer
    cluster.clock.advance(7000);
    await Promise.resolve();
    expect(cluster.model.fences.size).toBe(0);
    expect(memberSnapshots()).toEqual([[], []]);

    let thaws = 0;
    await operations.snapshotConsistencyGroup(
      {
        consistencyGroup: 'cg_sql',
        snapshotName: 'run-9',
        thaw: async () => {
          thaws += 1;
        },
      },
      stepCall('run-9'),
    );
    expect(thaws).toBe(1);
    expect(memberSnapshots()).toEqual([['run-9'], ['run-9']]);
  });

  it("a worker that resumes while the dead one's fence still holds discards that snapshot instead of trusting it", async () => {
    const worker = new AbortController();
    await operations
      .snapshotConsistencyGroup(
        {
          consistencyGroup: 'cg_sql',
          snapshotName: 'run-10',
          thaw: async () => worker.abort(new Error('killed')),
        },
        { signal: worker.signal, timeoutMs: 60_000, stepKey: 'run-10' },
      )
      .catch(() => undefined);
    let thawed = false;
    const error = await operations
      .snapshotConsistencyGroup(
        {
          consistencyGroup: 'cg_sql',
          snapshotName: 'run-10',
          thaw: async () => {
            thawed = true;
          },
        },
        stepCall('run-10'),
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ faultCode: 'snapshot-failed', isRetryable: true });
    expect(thawed).toBe(true);
    expect(cluster.model.fences.size).toBe(0);
    expect(memberSnapshots()).toEqual([[], []]);
  });

  it('thaws the guests even when the array refuses to start', async () => {
    cluster.server.failNext('POST /api/application/consistency-groups/', {
      code: '53411921',
      message: 'another snapshot is in progress',
      status: 409,
    });
    let thawed = false;
    const error = await operations
      .snapshotConsistencyGroup(
        {
          consistencyGroup: 'cg_sql',
          snapshotName: 'run-11',
          thaw: async () => {
            thawed = true;
          },
        },
        stepCall('run-11'),
      )
      .catch((e: unknown) => e);
    expect(thawed).toBe(true);
    expect(error).toMatchObject({ faultCode: 'snapshot-failed', isRetryable: true });
  });
});

describe('volume revert and FlexClone staged restore', () => {
  async function pointThenChange() {
    fill(DATA_LUN, VM_A, 0x0a);
    fill(DATA_LUN, VM_B, 0x0b);
    await operations.snapshotVolume(
      { svm: 'svm1', volume: 'sql_data', snapshotName: 'point' },
      stepCall('p'),
    );
    fill(DATA_LUN, VM_A, 0xaa);
    fill(DATA_LUN, VM_B, 0xbb);
  }

  it('volume revert rolls every VM on the volume back and drops the newer snapshots', async () => {
    await pointThenChange();
    await operations.snapshotVolume(
      { svm: 'svm1', volume: 'sql_data', snapshotName: 'newer' },
      stepCall('n'),
    );
    await operations.revertVolume({ svm: 'svm1', volume: 'sql_data', snapshotName: 'point' }, stepCall('r'));
    expect([firstByte(DATA_LUN, VM_A), firstByte(DATA_LUN, VM_B)]).toEqual([0x0a, 0x0b]);
    expect(memberSnapshots()[0]).toEqual(['point']);
  });

  it('staged restore copies only the chosen VM from a mapped FlexClone; the collateral VM keeps its new bytes', async () => {
    await pointThenChange();
    const clone = {
      svm: 'svm1',
      parentVolume: 'sql_data',
      snapshotName: 'point',
      cloneName: 'sql_data_stage_r1',
    };
    await operations.createClone(clone, stepCall('r1:clone'));
    await operations.createClone(clone, stepCall('r1:clone')); // a retried step is a no-op
    const mapped = await operations.mapClone('svm1', clone.cloneName, 'stage01', stepCall('r1:map'));
    expect(mapped).toHaveLength(1);
    expect(mapped[0].lunNumber).toBe(0);
    // The staging host finds the clone's LUN by the NAA id it sees, and copies VM A's disk out.
    const device = [...cluster.model.luns.values()].find(
      (lun) => naaFromSerial(lun.serial) === mapped[0].naaId,
    );
    expect(device?.name).toBe('/vol/sql_data_stage_r1/lun0');
    const staged = cluster.model.readLun(device?.name ?? '', VM_A.offset, VM_A.length);
    cluster.model.writeLun(DATA_LUN, VM_A.offset, staged);

    await expect(
      operations.deleteClone('svm1', clone.cloneName, stepCall('r1:delete')),
    ).rejects.toMatchObject({ faultCode: 'invalid-state' }); // still mapped: ONTAP refuses
    await operations.unmapClone(clone.cloneName, 'stage01', stepCall('r1:unmap'));
    await operations.unmapClone(clone.cloneName, 'stage01', stepCall('r1:unmap'));
    await operations.deleteClone('svm1', clone.cloneName, stepCall('r1:delete'));
    await operations.deleteClone('svm1', clone.cloneName, stepCall('r1:delete'));

    expect([firstByte(DATA_LUN, VM_A), firstByte(DATA_LUN, VM_B)]).toEqual([0x0a, 0xbb]);
    expect(cluster.model.volumeByName(clone.cloneName)).toBeUndefined();
    expect(cluster.model.lunMaps).toHaveLength(2);
  });

  it('refuses to delete a volume that is not a FlexClone', async () => {
    await expect(operations.deleteClone('svm1', 'sql_log', stepCall('x'))).rejects.toMatchObject({
      faultCode: 'invalid-state',
      isRetryable: false,
    });
    expect(cluster.model.volumeByName('sql_log')).toBeDefined();
  });
});

describe('snapshot cleanup', () => {
  it('deletes a volume snapshot once, then finds nothing to do', async () => {
    await operations.snapshotVolume({ svm: 'svm1', volume: 'sql_log', snapshotName: 'old' }, stepCall('o'));
    await operations.deleteVolumeSnapshot(
      { svm: 'svm1', volume: 'sql_log', snapshotName: 'old' },
      stepCall('d'),
    );
    await operations.deleteVolumeSnapshot(
      { svm: 'svm1', volume: 'sql_log', snapshotName: 'old' },
      stepCall('d'),
    );
    expect(memberSnapshots()[1]).toEqual([]);
  });

  it('a locked snapshot is an invalid state, not retried', async () => {
    await operations.snapshotVolume({ svm: 'svm1', volume: 'sql_log', snapshotName: 'held' }, stepCall('h'));
    cluster.server.failNext('DELETE /api/storage/volumes/', {
      code: '1638555',
      message: 'Snapshot copy "held" has not expired or is locked',
    });
    await expect(
      operations.deleteVolumeSnapshot(
        { svm: 'svm1', volume: 'sql_log', snapshotName: 'held' },
        stepCall('h2'),
      ),
    ).rejects.toMatchObject({ faultCode: 'invalid-state', isRetryable: false });
  });

  it('deletes a CG snapshot with every member copy', async () => {
    await operations.snapshotConsistencyGroup(
      { consistencyGroup: 'cg_sql', snapshotName: 'weekly', thaw: async () => undefined },
      stepCall('w'),
    );
    await operations.deleteCgSnapshot('cg_sql', 'weekly', stepCall('wd'));
    await operations.deleteCgSnapshot('cg_sql', 'weekly', stepCall('wd'));
    expect(memberSnapshots()).toEqual([[], []]);
  });
});
