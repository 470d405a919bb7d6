/**
 * The lab's backup repository: `repository/<restorePointId>/<diskId>.img` plus `manifest.json`
 * (sha256 per file, written last, so a copy that died half-way is redone from scratch). It also
 * measures the application state of what it stored (disk-image.ts), the lab's stand-in for an
 * application-aware backup.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { DriverError } from '../../engine/driver';
import type { CallOptions, TransferOptions } from '../call';
import type {
  BackupRepository,
  CopyResult,
  RepositoryCapacity,
  StoredPoint,
  StorePointRequest,
  VerifyResult,
} from '../roles';
import { checkConsistency } from './disk-image';
import { hashFile, readChunks, writeHashed } from './file-copy';
import { type LabWorld, readJson, writeJsonAtomically } from './lab-world';
import { labPaths, safeSegment } from './layout';

/** One file of the on-disk manifest (format migawka-lab-point/1, unchanged since the first lab). */
interface ManifestFile {
  diskId: string;
  /** Repository-relative path of the stored copy. */
  path: string;
  sha256: string;
  bytes: number;
  /** Lab-relative path of the live disk the copy came from (where an in-place restore writes). */
  sourcePath: string;
  hostVolumeId: string | null;
  arrayVolumeId: string | null;
}

interface PointManifest {
  format: 'migawka-lab-point/1';
  restorePointId: string;
  vmId: string;
  snapshotId: string | null;
  createdAt: string;
  applicationState: 'clean' | 'torn' | null;
  applicationDetail: string;
  files: ManifestFile[];
}

function directoryBytes(directory: string): number {
  if (!existsSync(directory)) return 0;
  let total = 0;
  for (const entry of readdirSync(directory, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

function storedPointOf(manifest: PointManifest): StoredPoint {
  return {
    restorePointId: manifest.restorePointId,
    vmId: manifest.vmId,
    snapshotId: manifest.snapshotId,
    applicationState: manifest.applicationState,
    files: manifest.files.map((file) => ({
      diskId: file.diskId,
      path: file.path,
      sha256: file.sha256,
      bytes: file.bytes,
      origin: {
        location: file.sourcePath,
        hostVolumeId: file.hostVolumeId,
        arrayVolumeId: file.arrayVolumeId,
      },
    })),
  };
}

/** What a copy step records: the stored files and the measured application state. */
export function copyResultOf(point: StoredPoint): CopyResult {
  return {
    bytes: point.files.reduce((sum, file) => sum + file.bytes, 0),
    files: point.files.map(({ diskId, path: file, sha256, bytes }) => ({
      diskId,
      path: file,
      sha256,
      bytes,
    })),
    applicationState: point.applicationState ?? null,
  };
}

export class LabRepository implements BackupRepository {
  readonly connector = 'lab';

  constructor(private readonly world: LabWorld) {}

  private directory(restorePointId: string): string {
    return this.world.abs(labPaths.repository(restorePointId));
  }

  private manifest(restorePointId: string): PointManifest | null {
    return readJson<PointManifest>(path.join(this.directory(restorePointId), 'manifest.json'));
  }

  async store(request: StorePointRequest, options: TransferOptions): Promise<CopyResult> {
    options.signal.throwIfAborted();
    const existing = this.manifest(request.restorePointId);
    if (existing) return copyResultOf(storedPointOf(existing));
    const total = request.disks.reduce((sum, disk) => sum + disk.bytes, 0);
    const directory = this.directory(request.restorePointId);
    rmSync(directory, { recursive: true, force: true }); // leftovers of a copy that died midway
    const room = this.roomFor(total);
    let done = 0;
    const files: ManifestFile[] = [];
    try {
      for (const disk of request.disks) {
        const name = `${safeSegment(disk.diskId)}.img`;
        const copy = await writeHashed(disk.read(options.signal), path.join(directory, name), {
          signal: options.signal,
          onChunk: (bytes) => {
            done += bytes;
            // The sizes a host declares may be short (or unknown: 0), so the quota holds byte by byte.
            if (room !== null && done > room.left) throw this.full(room.used, done);
            options.onProgress?.(done, total);
          },
        });
        files.push({
          diskId: disk.diskId,
          path: path.join(labPaths.repository(request.restorePointId), name),
          sha256: copy.sha256,
          bytes: copy.bytes,
          sourcePath: disk.origin.location,
          hostVolumeId: disk.origin.hostVolumeId,
          arrayVolumeId: disk.origin.arrayVolumeId,
        });
      }
    } catch (error) {
      // A copy that failed or was cancelled is no point: its files would fill the repository, untold
      // (no manifest, no restore point), until the same point is stored again, which may be never.
      // Only a worker killed mid-copy leaves them, to its retry.
      rmSync(directory, { recursive: true, force: true });
      throw error;
    }
    const check = checkConsistency(files.map((file) => path.join(directory, path.basename(file.path))));
    const manifest: PointManifest = {
      format: 'migawka-lab-point/1',
      restorePointId: request.restorePointId,
      vmId: request.vmId,
      snapshotId: request.snapshotId,
      createdAt: new Date().toISOString(),
      applicationState: check.state,
      applicationDetail: check.detail,
      files,
    };
    writeJsonAtomically(path.join(directory, 'manifest.json'), manifest);
    return copyResultOf(storedPointOf(manifest));
  }

  async read(restorePointId: string, options: CallOptions): Promise<StoredPoint | null> {
    options.signal.throwIfAborted();
    const manifest = this.manifest(restorePointId);
    return manifest ? storedPointOf(manifest) : null;
  }

  async readFile(
    restorePointId: string,
    diskId: string,
    options: CallOptions,
  ): Promise<AsyncIterable<Uint8Array>> {
    options.signal.throwIfAborted();
    const file = this.manifest(restorePointId)?.files.find((candidate) => candidate.diskId === diskId);
    const stored = file && path.join(this.directory(restorePointId), path.basename(file.path));
    if (!file || !stored || !existsSync(stored)) {
      throw new DriverError(
        'data-corrupt',
        `restore point ${restorePointId}: ${file?.path ?? `disk ${diskId}`} is missing`,
        { isRetryable: false },
      );
    }
    return readChunks(stored, options.signal);
  }

  async verify(restorePointId: string, options: CallOptions): Promise<VerifyResult> {
    await this.world.enter('verifyRestorePoint', {}, options.signal);
    const manifest = this.manifest(restorePointId);
    if (!manifest) {
      return {
        isIntact: false,
        mismatches: [`restore point ${restorePointId}: manifest.json is missing`],
        applicationState: null,
      };
    }
    const mismatches: string[] = [];
    const directory = this.directory(restorePointId);
    const stored = manifest.files.map((file) => path.join(directory, path.basename(file.path)));
    for (const [index, file] of manifest.files.entries()) {
      if (!existsSync(stored[index])) {
        mismatches.push(`${file.path}: missing`);
        continue;
      }
      const { sha256 } = await hashFile(stored[index], options.signal);
      if (sha256 !== file.sha256) mismatches.push(`${file.path}: sha256 ${sha256} ≠ manifest ${file.sha256}`);
    }
    const check = mismatches.length === 0 ? checkConsistency(stored) : null;
    return { isIntact: mismatches.length === 0, mismatches, applicationState: check?.state ?? null };
  }

  async delete(restorePointId: string, options: CallOptions): Promise<void> {
    await this.world.enter('deleteRestorePointData', {}, options.signal);
    rmSync(this.directory(restorePointId), { recursive: true, force: true });
  }

  async capacity(options: CallOptions): Promise<RepositoryCapacity> {
    options.signal.throwIfAborted();
    return {
      usedBytes: directoryBytes(this.world.abs('repository')),
      quotaBytes: this.world.options.repositoryQuotaBytes,
    };
  }

  /**
   * The room the quota leaves (null: no quota), once `declared` bytes are known to fit; fails
   * `repository-full` when they do not.
   */
  private roomFor(declared: number): { used: number; left: number } | null {
    const quota = this.world.options.repositoryQuotaBytes;
    if (quota === null) return null;
    const used = directoryBytes(this.world.abs('repository'));
    if (used + declared > quota) throw this.full(used, declared);
    return { used, left: quota - used };
  }

  private full(used: number, needed: number): DriverError {
    const quota = this.world.options.repositoryQuotaBytes;
    return new DriverError(
      'repository-full',
      `the backup repository holds ${used} of ${quota} bytes; ${needed} more do not fit`,
      { isRetryable: false },
    );
  }
}
