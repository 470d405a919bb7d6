/**
 * The fingerprint of what a plan was made from: a SHA-256 over a canonical serialization of the
 * plan's neighbourhood (neighbourhood.ts) and, for a restore, the restore points it read. The
 * review returns it with the plan; the start sends it back and is refused when the estate now
 * gives another fingerprint, so the plan that runs is the plan the operator reviewed.
 *
 * Canonical: objects sorted by id within each section, fields in a fixed order, only the fields
 * the engine reads (a stored row's other columns do not count), dates as ISO strings. The same
 * objects in any order give the same fingerprint; any change to a field of one of them gives
 * another.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type {
  ArrayVolume,
  ConsistencyGroup,
  GuestVolume,
  Host,
  HostVolume,
  Inventory,
  StorageArray,
  VirtualDisk,
  Vm,
} from './inventory';
import type { RestorePointSummary } from './restore-points';

/** Every field of each engine type, so the compiler flags a field added to a type but not fingerprinted. */
type Fields<T> = Record<keyof T, true>;
const HOST: Fields<Host> = {
  id: true,
  name: true,
  kind: true,
  version: true,
  pool: true,
  hasVssAwareProduct: true,
  offersQuiescedSnapshots: true,
  connector: true,
  // A backup reviewed while WSB had a target and started after an admin cleared it is refused.
  wsbTarget: true,
};
const HOST_VOLUME: Fields<HostVolume> = {
  id: true,
  hostId: true,
  name: true,
  kind: true,
  sizeBytes: true,
  freeBytes: true,
  vssEnabled: true,
  shadowStorageVolumeId: true,
  shadowStorageLimitBytes: true,
  arrayVolumeId: true,
  deviceId: true,
  storageType: true,
  isShared: true,
  canSnapshot: true,
};
const VM: Fields<Vm> = {
  id: true,
  name: true,
  hostId: true,
  osFamily: true,
  powerState: true,
  applications: true,
  backupIntegrationService: true,
  hasXenVssProvider: true,
  snapshotLocationVolumeId: true,
  hasFreezeScripts: true,
  dailyChangeBytes: true,
  tags: true,
  goneSince: true,
  guestFactsUnknown: true,
  powerStateUnknown: true,
  suspendSrVolumeId: true,
  memoryBytes: true,
};
const DISK: Fields<VirtualDisk> = {
  id: true,
  vmId: true,
  name: true,
  kind: true,
  sizeBytes: true,
  hostVolumeId: true,
  arrayVolumeId: true,
  storageFormat: true,
};
const GUEST_VOLUME: Fields<GuestVolume> = {
  id: true,
  vmId: true,
  mountPoint: true,
  fileSystem: true,
  diskType: true,
  vssEnabled: true,
  shadowStorageOn: true,
  diskId: true,
};
const ARRAY: Fields<StorageArray> = {
  id: true,
  name: true,
  vendor: true,
  supportsSnapshots: true,
  connector: true,
};
const ARRAY_VOLUME: Fields<ArrayVolume> = {
  id: true,
  arrayId: true,
  name: true,
  supportsSnapshots: true,
  consistencyGroupId: true,
  naaId: true,
};
const CONSISTENCY_GROUP: Fields<ConsistencyGroup> = { id: true, arrayId: true, name: true };
const POINT: Fields<RestorePointSummary> = {
  id: true,
  vmId: true,
  vmName: true,
  method: true,
  consistency: true,
  consistencyReason: true,
  captureState: true,
  createdAt: true,
  hostVolumeId: true,
  arrayVolumeId: true,
  snapshotId: true,
  heldDiskIds: true,
  missingDiskIds: true,
  sizeBytes: true,
  jobId: true,
  expiresAt: true,
  // A point found gone after the preview, or its snapshot renamed, changes what was approved.
  location: true,
  goneReason: true,
};

const SECTIONS: readonly [keyof Inventory, Record<string, true>][] = [
  ['hosts', HOST],
  ['hostVolumes', HOST_VOLUME],
  ['vms', VM],
  ['virtualDisks', DISK],
  ['guestVolumes', GUEST_VOLUME],
  ['arrays', ARRAY],
  ['arrayVolumes', ARRAY_VOLUME],
  ['consistencyGroups', CONSISTENCY_GROUP],
];

function canonicalValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(canonicalValue);
  if (value === undefined) return null;
  return value;
}

/** The listed fields in sorted order, as an array (no key order to depend on). */
function canonicalObject(object: object, fields: Record<string, true>): unknown[] {
  const record = object as Record<string, unknown>;
  return Object.keys(fields)
    .sort()
    .map((field) => [field, canonicalValue(record[field])]);
}

function canonicalSection(objects: readonly { id: string }[], fields: Record<string, true>): unknown[] {
  return [...objects]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((object) => canonicalObject(object, fields));
}

/** The canonical text the fingerprint hashes (exported for tests and for debugging a refusal). */
export function canonicalPlanInputs(
  neighbourhood: Inventory,
  restorePoints: readonly RestorePointSummary[] = [],
): string {
  const sections: [string, unknown[]][] = SECTIONS.map(([section, fields]) => [
    section,
    canonicalSection(neighbourhood[section], fields),
  ]);
  const uniquePoints = [...new Map(restorePoints.map((point) => [point.id, point])).values()];
  sections.push(['restorePoints', canonicalSection(uniquePoints, POINT)]);
  return JSON.stringify(sections);
}

/** SHA-256 (hex) of the canonical plan inputs. */
export function planFingerprint(
  neighbourhood: Inventory,
  restorePoints: readonly RestorePointSummary[] = [],
): string {
  return bytesToHex(sha256(utf8ToBytes(canonicalPlanInputs(neighbourhood, restorePoints))));
}
