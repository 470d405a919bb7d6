/**
 * Where the lab keeps everything, under one root (MIGAWKA_DATA_DIR/lab in the app, a temp dir in
 * tests):
 *
 *   volumes/<hostVolumeId>/<vmId>/<diskId>.vhdx|.vdi   live VM disks, one folder per host volume
 *   passthrough/<vmId>/<diskId>.raw                     pass-through disks, outside every host volume
 *   snapshots/<snapshotId>/<diskId>.img + snapshot.json  point-in-time copies
 *   repository/<restorePointId>/<diskId>.img + manifest.json
 *   staging/<stagingId>/<restorePointId>/<diskId>.img   staged (scratch) volume restores
 *   scratch/<restorePointId>/<diskId>.img               restoreDisks with target "scratch"
 *   restored/<newVmName>/<diskId>.<ext>                 restores "as new"
 *   faults.json                                         injected faults (faults.ts)
 *   vm-state.json                                       power states the lab changed (saved, off)
 *
 * Files are created lazily, the first time an operation touches a VM (`ensureVmFiles`), so a
 * synthetic estate of 20,000 VMs costs nothing until one of them is backed up.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { VirtualDisk } from '../../engine/inventory';
import { initialDiskImage } from './disk-image';

const PLAIN_BYTE = /^[A-Za-z0-9._-]$/;

/**
 * Ids and names become path segments. The mapping is injective — two different ids never share a
 * file (replacing ':' by '_' once sent `vm:a` and `vm_a` to the same disk) — and can never escape
 * its folder: every byte outside [A-Za-z0-9._-] is percent-encoded, '%' included, so no separator
 * survives; '.' and '..' are refused.
 */
export function safeSegment(id: string): string {
  if (id === '' || id === '.' || id === '..') throw new Error(`"${id}" cannot be used as a lab file name`);
  let segment = '';
  for (const byte of Buffer.from(id, 'utf8')) {
    const char = String.fromCharCode(byte);
    segment += PLAIN_BYTE.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return segment;
}

export function diskExtension(disk: VirtualDisk): string {
  return disk.kind === 'passthrough' ? 'raw' : disk.kind;
}

/** Path of a live disk, relative to the lab root. */
export function liveDiskPath(disk: VirtualDisk): string {
  const file = `${safeSegment(disk.id)}.${diskExtension(disk)}`;
  if (disk.hostVolumeId === null) return path.join('passthrough', safeSegment(disk.vmId), file);
  return path.join('volumes', safeSegment(disk.hostVolumeId), safeSegment(disk.vmId), file);
}

export const labPaths = {
  snapshot: (snapshotId: string) => path.join('snapshots', safeSegment(snapshotId)),
  repository: (restorePointId: string) => path.join('repository', safeSegment(restorePointId)),
  staging: (stagingId: string) => path.join('staging', safeSegment(stagingId)),
  scratch: (restorePointId: string) => path.join('scratch', safeSegment(restorePointId)),
  restored: (newVmName: string) => path.join('restored', safeSegment(newVmName)),
};

/** The VM's disk that hosts its application: the first disk on a host volume, else its first disk. */
export function applicationDiskOf(disks: VirtualDisk[]): VirtualDisk | null {
  const sorted = [...disks].sort((a, b) => a.id.localeCompare(b.id));
  return sorted.find((disk) => disk.hostVolumeId !== null) ?? sorted[0] ?? null;
}

/** Writes to a temporary name and renames, so a crash never leaves a half-created disk. */
function writeAtomically(file: string, content: Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}

/** Creates the VM's disk files if missing (deterministic content); returns their absolute paths. */
export function ensureVmFiles(disks: VirtualDisk[], root: string, vmId: string): string[] {
  const applicationDisk = applicationDiskOf(disks);
  return disks.map((disk) => {
    const file = path.join(root, liveDiskPath(disk));
    if (!existsSync(file)) {
      writeAtomically(
        file,
        initialDiskImage({ diskId: disk.id, vmId, hasApplication: disk.id === applicationDisk?.id }),
      );
    }
    return file;
  });
}
