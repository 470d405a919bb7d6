/**
 * How a host volume is described: a Windows volume (a Hyper-V host's D:, a CSV) by its VSS and
 * shadow storage; a XenServer storage repository by what it is, since VSS and shadow storage mean
 * nothing there (XenServer snapshots an SR's virtual disks itself).
 */
import type { HostVolumeKind } from '@/server/engine/inventory';
import { formatBytes, formatPercent } from './format';

export { HOST_VOLUME_KIND_LABELS } from '@/server/engine/words';

export function isStorageRepository(volume: { kind: HostVolumeKind }): boolean {
  return volume.kind === 'sr';
}

/** What an SR says in place of VSS and shadow storage. */
export const SR_SNAPSHOT_FACTS = 'XenServer snapshots its virtual disks (VDIs); VSS does not apply';

/** An SR's facts as its pool reports them; null where not read. */
export interface SrFacts {
  storageType?: string | null;
  isShared?: boolean | null;
  canSnapshot?: boolean | null;
}

/** "lvmoiscsi, shared": the SR's type and sharing in words, or "type not read". */
export function describeSrType(volume: SrFacts): string {
  const sharing =
    volume.isShared === true ? 'shared' : volume.isShared === false ? 'local' : 'sharing not read';
  return `${volume.storageType ?? 'type not read'}, ${sharing}`;
}

/** Whether XenServer can snapshot the SR's disks, as its storage driver says (unknown is said, not assumed fine). */
export function describeSrSnapshots(volume: SrFacts): string {
  if (volume.canSnapshot === true) return 'its storage driver snapshots virtual disks (VDI_SNAPSHOT)';
  if (volume.canSnapshot === false) return 'cannot snapshot: its storage driver lacks VDI_SNAPSHOT';
  return "unknown: its storage driver's features were not read";
}

/** A Windows volume's shadow storage in words: where it lives and its limit. */
export function describeShadowStorage(
  volume: { id: string; shadowStorageVolumeId: string | null; shadowStorageLimitBytes: number | null },
  shadowStorageName: string | null | undefined,
): string {
  const where =
    volume.shadowStorageVolumeId === null
      ? 'not configured'
      : volume.shadowStorageVolumeId === volume.id
        ? 'on itself'
        : `on ${shadowStorageName ?? 'another volume'}`;
  return volume.shadowStorageLimitBytes === null || volume.shadowStorageVolumeId === null
    ? where
    : `${where}, limit ${formatBytes(volume.shadowStorageLimitBytes)}`;
}

/** One line on how the volume's data is snapshotted: VSS and shadow storage, or the SR's facts. */
export function describeSnapshotSupport(
  volume: {
    id: string;
    kind: HostVolumeKind;
    vssEnabled: boolean;
    shadowStorageVolumeId: string | null;
    shadowStorageLimitBytes: number | null;
  } & SrFacts,
  shadowStorageName: string | null | undefined,
): string {
  if (isStorageRepository(volume)) return `SR ${describeSrType(volume)}; ${describeSrSnapshots(volume)}`;
  return `VSS ${volume.vssEnabled ? 'on' : 'off'}; shadow storage ${describeShadowStorage(volume, shadowStorageName)}`;
}

/** Said where a size the host did not report would go: unknown, never 0 B. */
export const NOT_READ = 'not read';

/** "120 GiB of 500 GiB" free, with what was not read said so (a capacity or free space can be unknown). */
export function describeFreeSpace(volume: { freeBytes: number | null; sizeBytes: number | null }): string {
  const { freeBytes, sizeBytes } = volume;
  if (freeBytes === null && sizeBytes === null) return NOT_READ;
  if (freeBytes === null) return `free space ${NOT_READ} (${formatBytes(sizeBytes)} in all)`;
  if (sizeBytes === null) return `${formatBytes(freeBytes)} free (size ${NOT_READ})`;
  return `${formatBytes(freeBytes)} of ${formatBytes(sizeBytes)}`;
}

/** describeFreeSpace with the share free when both were read: "120 GiB of 500 GiB (24% free)". */
export function describeFreeSpaceShare(volume: {
  freeBytes: number | null;
  sizeBytes: number | null;
}): string {
  const { freeBytes, sizeBytes } = volume;
  if (freeBytes === null || sizeBytes === null) return describeFreeSpace(volume);
  return `${describeFreeSpace(volume)} (${formatPercent(freeBytes, sizeBytes)} free)`;
}

/** A disk's size, or that it was not read (a pass-through disk, a VHD its host could not open). */
export function describeDiskSize(sizeBytes: number | null): string {
  return sizeBytes === null ? NOT_READ : formatBytes(sizeBytes);
}
