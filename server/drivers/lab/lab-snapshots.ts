/**
 * Lab snapshots, taken the same way for a VM, a WSB set of host volumes or array LUNs: the disks'
 * files are copied synchronously into `snapshots/<snapshotId>/` (no workload timer can run in
 * between, so the snapshot is one instant) and `snapshot.json` is written last.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DriverError } from '../../engine/driver';
import type { CallOptions } from '../call';
import type { CreateSnapshotRequest } from '../roles';
import { type LabWorld, writeJsonAtomically } from './lab-world';
import { labPaths, liveDiskPath, safeSegment } from './layout';

interface SnapshotManifest {
  snapshotId: string;
  createdAt: string;
  isQuiesced: boolean;
  disks: { diskId: string; vmId: string; file: string }[];
}

export async function takeLabSnapshot(
  world: LabWorld,
  request: CreateSnapshotRequest,
  options: CallOptions,
): Promise<{ snapshotId: string }> {
  const disks = await world.disksOf(request.diskIds);
  const target = await world.targetOfDisks(disks);
  if (request.scope.kind === 'array-volumes') target.arrayVolumeIds.push(...request.scope.arrayVolumeIds);
  if (request.scope.kind === 'host-volumes') target.hostVolumeIds.push(...request.scope.hostVolumeIds);
  const fault = await world.enter(
    'createSnapshot',
    target,
    options.signal,
    request.isQuiesced ? ['snapshot-failed', 'vss-writer-timeout'] : ['snapshot-failed'],
  );
  const directory = world.abs(labPaths.snapshot(request.snapshotId));
  if (existsSync(path.join(directory, 'snapshot.json'))) return { snapshotId: request.snapshotId };
  if (fault?.fault === 'vss-writer-timeout') {
    throw new DriverError(
      'vss-writer-timeout',
      `VSS writer of ${await world.namesOf(target.vmIds)} timed out`,
      {
        isRetryable: false,
      },
    );
  }
  if (fault) {
    // Named by what it captures: the snapshot's id means nothing on the protection page.
    throw new DriverError(
      'snapshot-failed',
      `the snapshot of ${await world.namesOf(target.vmIds)} failed: injected fault`,
    );
  }
  for (const vmId of target.vmIds) await world.ensureVm(vmId);

  rmSync(directory, { recursive: true, force: true }); // a partial snapshot from a crashed call
  mkdirSync(directory, { recursive: true });
  // A quiesced snapshot lets in-flight transactions finish and holds writes for the copy.
  const release = request.isQuiesced ? world.holdWrites(target.vmIds) : () => {};
  const entries: SnapshotManifest['disks'] = [];
  try {
    for (const disk of disks) {
      const file = `${safeSegment(disk.id)}.img`;
      copyFileSync(world.abs(liveDiskPath(disk)), path.join(directory, file));
      entries.push({ diskId: disk.id, vmId: disk.vmId, file });
    }
  } finally {
    release();
  }
  const manifest: SnapshotManifest = {
    snapshotId: request.snapshotId,
    createdAt: new Date().toISOString(),
    isQuiesced: request.isQuiesced,
    disks: entries,
  };
  writeJsonAtomically(path.join(directory, 'snapshot.json'), manifest);
  return { snapshotId: request.snapshotId };
}
