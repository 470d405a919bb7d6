/**
 * Engine contracts: findings, methods, consistency, readiness. Shared by rules, planner,
 * services (which persist them) and the UI (which renders them).
 */

export const SEVERITIES = ['blocker', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const RULE_IDS = [
  'VM-POWER-STATE-UNKNOWN',
  'HV-BACKUP-IC-MISSING',
  'HV-GUEST-VSS-DISABLED',
  'HV-GUEST-FACTS-UNKNOWN',
  'HV-SHADOW-STORAGE-ELSEWHERE',
  'HV-DYNAMIC-DISK',
  'HV-UNSUPPORTED-FS',
  'HV-SNAPSHOT-LOCATION-ELSEWHERE',
  'HV-OFFLINE-BACKUP',
  'HV-PASSTHROUGH-DISK',
  'HV-HOST-VOLUME-VSS-DISABLED',
  'HV-HOST-SHADOW-STORAGE-LOW',
  'WSB-VOLUME-GRANULARITY',
  'XS-QUIESCE-UNSUPPORTED-OS',
  'XS-QUIESCE-PROVIDER-MISSING',
  'XS-QUIESCE-UNAVAILABLE',
  'XS-QUIESCE-PERFORMANCE',
  'XS-SR-NO-SNAPSHOT',
  'XS-SR-SNAPSHOT-UNKNOWN',
  'XS-GUEST-FACTS-UNKNOWN',
  'XS-ARRAY-COPY-VHD',
  'XS-ARRAY-COPY-SR-TYPE',
  'XS-CHECKPOINT-NOT-XEN',
  'XS-CHECKPOINT-VM-NOT-RUNNING',
  'XS-CHECKPOINT-SR-NO-SNAPSHOT',
  'XS-CHECKPOINT-SUSPEND-SR-FULL',
  'XS-CHECKPOINT-NO-SUSPEND-SR',
  'APP-CRASH-CONSISTENT',
  'ARRAY-NO-SNAPSHOT',
  'ARRAY-SNAPSHOT-UNKNOWN',
  'ARRAY-NOT-INTEGRATED',
  'ARRAY-APP-NEEDS-SCRIPTS',
  'ARRAY-SHARED-VOLUME',
  'ARRAY-CG-INCOMPLETE',
  'RESTORE-VOLUME-COLLATERAL',
  'RESTORE-CRASH-CONSISTENT',
  'RESTORE-POINT-PARTIAL',
  'RESTORE-VM-RUNNING',
  'RESTORE-NEWER-POINTS',
  'RESTORE-TARGET-LOSES-CHANGES',
  'BACKUP-VM-GONE',
  'VM-UNPROTECTED',
  'RPO-EXCEEDED',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

export const OBJECT_KINDS = [
  'host',
  'vm',
  'disk',
  'host-volume',
  'guest-volume',
  'array',
  'array-volume',
  'restore-point',
] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

export interface ObjectRef {
  kind: ObjectKind;
  id: string;
  name: string;
}

export const BACKUP_METHODS = [
  'hyperv-vss',
  'wsb-volume',
  'xen-snapshot',
  'xen-quiesced',
  'array-snapshot',
  'guest-agent',
] as const;
export type BackupMethod = (typeof BACKUP_METHODS)[number];

/** A failed (or informative) prerequisite: data, never an exception. */
export interface Finding {
  ruleId: RuleId;
  severity: Severity;
  /** The VM the finding is about (null for host- or volume-wide findings). */
  vmId: string | null;
  /** The methods this finding concerns; empty = all methods for this VM. */
  methods: BackupMethod[];
  /** Names the exact objects: VM, disk, volume. */
  message: string;
  /** A concrete remedy the operator can apply (a command where there is one). */
  remedy: string;
  objects: ObjectRef[];
}

export const CONSISTENCY_LEVELS = ['crash', 'filesystem', 'application'] as const;
export type Consistency = (typeof CONSISTENCY_LEVELS)[number];

export function consistencyRank(level: Consistency): number {
  return CONSISTENCY_LEVELS.indexOf(level);
}

/** How a VM would be captured: while running, in saved state (downtime), or already powered off. */
/**
 * Where a restore point's data is: copied into the repository (files with hashes), or a snapshot
 * kept on the VM's XenServer pool (the snapshot VM itself, read live on every verify and restore),
 * or copied into the repository with its array snapshot kept on the array as well.
 */
export const POINT_LOCATION_KINDS = ['repository', 'pool-snapshot', 'array-snapshot'] as const;
export type PointLocationKind = (typeof POINT_LOCATION_KINDS)[number];

export const CAPTURE_STATES = ['online', 'saved-state', 'offline'] as const;
export type CaptureState = (typeof CAPTURE_STATES)[number];

export const READINESS = [
  'online-ready',
  'unconfirmed',
  'saved-state-only',
  'crash-only',
  'partial',
  'blocked',
] as const;
export type Readiness = (typeof READINESS)[number];

export const READINESS_LABELS: Record<Readiness, string> = {
  // Not "online" nor "application-consistent": a powered-off VM and a Linux guest are ready too.
  'online-ready': 'Ready: consistent, no downtime',
  // Not "ready": the guest did not report what online capture needs (a Hyper-V writer falls back to saved state).
  unconfirmed: 'Not confirmed: facts not read',
  'saved-state-only': 'Offline / saved state only',
  'crash-only': 'Crash-consistent only',
  partial: 'Partial (pass-through disks left out)',
  blocked: 'Blocked',
};

/**
 * A captured disk's Resilient Change Tracking ids (Hyper-V), recorded so a later incremental can
 * ask "what changed since". `ids` empty means unknown, and `reason` says why it could not be read.
 */
export interface DiskChangeTracking {
  diskId: string;
  ids: string[];
  reason: string | null;
}
