/**
 * The lab's array role: LUN snapshots (one instant across the request's LUNs, which is what a
 * consistency group guarantees) and, through LabVolumes, LUN revert and staging.
 */
import { rmSync } from 'node:fs';
import type { CallOptions } from '../call';
import type { ArrayDriver, ArraySnapshotScope, CreateSnapshotRequest } from '../roles';
import { takeLabSnapshot } from './lab-snapshots';
import { LabVolumes } from './lab-volumes';
import { labPaths } from './layout';

export class LabArray extends LabVolumes implements ArrayDriver {
  readonly connector = 'lab';

  createSnapshot(
    request: CreateSnapshotRequest<ArraySnapshotScope>,
    options: CallOptions,
  ): Promise<{ snapshotId: string }> {
    return takeLabSnapshot(this.world, request, options);
  }

  async releaseSnapshot(snapshotId: string, options: CallOptions): Promise<void> {
    await this.world.enter('releaseSnapshot', {}, options.signal);
    rmSync(this.world.abs(labPaths.snapshot(snapshotId)), { recursive: true, force: true });
  }
}
