/**
 * Writing stored data back, shared by the lab's hypervisor (disk restores, copy-out) and array
 * (LUN revert and staging) roles, plus the volume operations both roles offer: a WSB volume
 * recovery on a host and a LUN revert on an array do the same to the lab's files.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { VolumeRef } from '../../engine/driver';
import { DriverError } from '../../engine/driver';
import type { CallOptions, TransferOptions } from '../call';
import type {
  BackupRepository,
  RestoreResult,
  RevertVolumeRequest,
  StageVolumeRequest,
  StoredPoint,
  StoredPointFile,
  VolumeRestorer,
} from '../roles';
import { hashFile, writeHashed } from './file-copy';
import type { CallTarget, LabWorld } from './lab-world';
import { readJson, writeJsonAtomically } from './lab-world';
import { labPaths, safeSegment } from './layout';

export async function requirePoint(
  repository: BackupRepository,
  restorePointId: string,
  options: CallOptions,
): Promise<StoredPoint> {
  const point = await repository.read(restorePointId, options);
  if (!point) {
    throw new DriverError(
      'data-corrupt',
      `restore point ${restorePointId} has no stored data (manifest.json missing)`,
      { isRetryable: false },
    );
  }
  return point;
}

export interface WriteBackPlan {
  point: StoredPoint;
  files: StoredPointFile[];
  destinationOf: (file: StoredPointFile) => string;
  /** Where the bytes come from (default: the repository). */
  sourceOf: (file: StoredPointFile) => Promise<AsyncIterable<Uint8Array>>;
  /** Progress already reported by earlier points of the same call, and the call's total. */
  baseBytes?: number;
  totalBytes?: number;
}

/**
 * Writes stored files to their destinations, then re-reads every destination and compares it with
 * the manifest hash: a restore is only "verified" when what is on disk is what was backed up.
 */
export async function writeBack(plan: WriteBackPlan, options: TransferOptions): Promise<RestoreResult> {
  const { point, files } = plan;
  const baseBytes = plan.baseBytes ?? 0;
  const totalBytes = plan.totalBytes ?? baseBytes + files.reduce((sum, file) => sum + file.bytes, 0);
  let done = baseBytes;
  let bytes = 0;
  for (const file of files) {
    const destination = plan.destinationOf(file);
    const copy = await writeHashed(await plan.sourceOf(file), destination, {
      signal: options.signal,
      onChunk: (chunk) => {
        done += chunk;
        options.onProgress?.(done, totalBytes);
      },
    });
    if (copy.sha256 !== file.sha256) {
      throw new DriverError(
        'data-corrupt',
        `restore point ${point.restorePointId}: ${file.path} does not match its manifest hash`,
        { isRetryable: false },
      );
    }
    const written = await hashFile(destination, options.signal);
    if (written.sha256 !== file.sha256) {
      throw new DriverError(
        'data-corrupt',
        `${destination} does not hold what was restored (hash differs after write)`,
        { isRetryable: false },
      );
    }
    bytes += copy.bytes;
  }
  return { bytes, verified: true };
}

function isOnVolume(file: StoredPointFile, volume: VolumeRef, groupVolumeIds: string[] = []): boolean {
  return volume.kind === 'host-volume'
    ? file.origin.hostVolumeId === volume.id
    : file.origin.arrayVolumeId === volume.id ||
        (file.origin.arrayVolumeId !== null && groupVolumeIds.includes(file.origin.arrayVolumeId));
}

function targetOfVolume(volume: VolumeRef, vmIds: string[]): CallTarget {
  return volume.kind === 'host-volume'
    ? { vmIds, hostVolumeIds: [volume.id] }
    : { vmIds, arrayVolumeIds: [volume.id] };
}

/** The lab's volume revert, staging and discard, over one shared world (a host's or an array's). */
export class LabVolumes implements VolumeRestorer {
  constructor(protected readonly world: LabWorld) {}

  async revertVolume(
    request: RevertVolumeRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<RestoreResult> {
    const points = await Promise.all(
      request.restorePointIds.map((id) => requirePoint(repository, id, options)),
    );
    await this.world.enter('revertVolume', targetOfVolume(request.volume, request.vmIds), options.signal);
    await this.world.stopVms(request.vmIds);
    let bytes = 0;
    let isVerified = true;
    for (const point of points) {
      const result = await writeBack(
        {
          point,
          files: point.files.filter((file) => isOnVolume(file, request.volume, request.groupVolumeIds)),
          destinationOf: (file) => this.world.abs(file.origin.location),
          sourceOf: (file) => repository.readFile(point.restorePointId, file.diskId, options),
          baseBytes: bytes,
        },
        options,
      );
      bytes += result.bytes;
      isVerified &&= result.verified;
    }
    return { bytes, verified: isVerified };
  }

  async stageVolume(
    request: StageVolumeRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<RestoreResult> {
    const points = await Promise.all(
      request.restorePointIds.map((id) => requirePoint(repository, id, options)),
    );
    await this.world.enter('stageVolume', targetOfVolume(request.volume, []), options.signal);
    const directory = this.world.abs(labPaths.staging(request.stagingId));
    const marker = path.join(directory, 'staged.json');
    const done = readJson<RestoreResult>(marker);
    if (done) return done;
    let bytes = 0;
    let isVerified = true;
    for (const point of points) {
      const result = await writeBack(
        {
          point,
          files: point.files.filter((file) => isOnVolume(file, request.volume, request.groupVolumeIds)),
          destinationOf: (file) =>
            path.join(directory, safeSegment(point.restorePointId), path.basename(file.path)),
          sourceOf: (file) => repository.readFile(point.restorePointId, file.diskId, options),
          baseBytes: bytes,
        },
        options,
      );
      bytes += result.bytes;
      isVerified &&= result.verified;
    }
    const result = { bytes, verified: isVerified };
    writeJsonAtomically(marker, result);
    return result;
  }

  async discardStaging(stagingId: string, options: CallOptions): Promise<void> {
    await this.world.enter('discardStaging', {}, options.signal);
    rmSync(this.world.abs(labPaths.staging(stagingId)), { recursive: true, force: true });
  }
}

/** The staged copy of one point's files (where copyOutVm reads), or null when nothing is staged. */
export function stagedFilesOf(world: LabWorld, stagingId: string, restorePointId: string): string | null {
  const directory = world.abs(labPaths.staging(stagingId));
  if (!existsSync(path.join(directory, 'staged.json'))) return null;
  return path.join(directory, safeSegment(restorePointId));
}
