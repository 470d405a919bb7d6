/**
 * The words an operator reads for engine values: one source for the console and for the CSV
 * exports, so a list and its export never name the same thing differently.
 */
import type {
  DiskStorageFormat,
  HostVolumeKind,
  HypervisorKind,
  PowerState,
  StorageArray,
} from './inventory';
import type { ConsistencyPolicy, PassthroughPolicy } from './plan-types';
import type { ProtectionStatus } from './protection';
import type { ApplicationState, OperationKind, OperationStatus } from './statuses';
import type { BackupMethod, CaptureState, Consistency, RuleId } from './types';

export const METHOD_LABELS: Record<BackupMethod, string> = {
  'hyperv-vss': 'Hyper-V VSS',
  'wsb-volume': 'Windows Server Backup (volume)',
  'xen-snapshot': 'XenServer snapshot',
  'xen-quiesced': 'XenServer quiesced snapshot',
  'array-snapshot': 'Array snapshot',
  'guest-agent': 'Guest agent',
};

/**
 * A method named inside a sentence ("which Hyper-V VSS cannot capture", "use array snapshot"):
 * the product names keep their capitals, the generic ones do not. methodAtStart() capitalises
 * for the first word of a sentence.
 */
export const METHOD_IN_SENTENCE: Record<BackupMethod, string> = {
  'hyperv-vss': 'Hyper-V VSS',
  'wsb-volume': 'Windows Server Backup',
  'xen-snapshot': 'XenServer snapshot',
  'xen-quiesced': 'XenServer quiesced snapshot',
  'array-snapshot': 'array snapshot',
  'guest-agent': 'guest agent',
};

export function methodAtStart(method: BackupMethod): string {
  const words = METHOD_IN_SENTENCE[method];
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const CONSISTENCY_LABELS: Record<Consistency, string> = {
  crash: 'Crash-consistent',
  filesystem: 'File-system consistent',
  application: 'Application-consistent',
};

/**
 * The consistency as an operator should read it. Hyper-V records a saved-state capture as
 * application-consistent, but no in-guest VSS ran: it is named for what it is.
 */
export function consistencyLabel(consistency: Consistency, captureState: CaptureState): string {
  return captureState === 'saved-state'
    ? 'Saved state (memory and disks, VM paused; no in-guest VSS)'
    : CONSISTENCY_LABELS[consistency];
}

export const CAPTURE_STATE_LABELS: Record<CaptureState, string> = {
  online: 'Online',
  'saved-state': 'Saved state (paused)',
  offline: 'Offline (VM is off)',
};

/** The protection page's words for a status, used wherever a VM's status is shown. */
export const PROTECTION_STATUS_LABELS: Record<ProtectionStatus, string> = {
  unprotected: 'Unprotected (VM-UNPROTECTED)',
  'rpo-exceeded': 'RPO exceeded (RPO-EXCEEDED)',
  partial: 'Partly protected: newest point lacks disks',
  'no-policy': 'Has points, no job RPO',
  protected: 'Protected within RPO',
  gone: 'Gone from its host: not backed up, points kept',
};

export const OPERATION_KIND_LABELS: Record<OperationKind, string> = {
  backup: 'backup',
  restore: 'restore',
  'verify-point': 'point verification',
  'delete-point': 'point deletion',
};

export const OPERATION_STATUS_LABELS: Record<OperationStatus, string> = {
  queued: 'queued',
  waiting: 'waiting',
  running: 'running',
  cancelling: 'cancelling',
  succeeded: 'succeeded',
  'succeeded-with-warnings': 'succeeded with warnings',
  failed: 'failed',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
};

export const HYPERVISOR_LABELS: Record<HypervisorKind, string> = {
  hyperv: 'Hyper-V',
  xenserver: 'XenServer',
};

export const HOST_VOLUME_KIND_LABELS: Record<HostVolumeKind, string> = {
  volume: 'Host volume',
  csv: 'Cluster shared volume',
  sr: 'Storage repository',
};

/** How a XenServer VDI is stored on its SR, as the pool says (`sm_config.vdi_type`). */
export const DISK_STORAGE_FORMAT_LABELS: Record<DiskStorageFormat, string> = {
  vhd: 'VHD',
  raw: 'raw',
};

/** A XenServer disk's storage format in words: unread is said ("not read"), never assumed raw. */
export function diskStorageFormatLabel(format: DiskStorageFormat | null | undefined): string {
  return format ? DISK_STORAGE_FORMAT_LABELS[format] : 'not read';
}

export const VENDOR_LABELS: Record<StorageArray['vendor'], string> = {
  netapp: 'NetApp',
  equallogic: 'Dell EqualLogic',
  other: 'Other',
};

/** What a backup does when a VM cannot be quiesced (the wizard's policy step words it the same). */
export const CONSISTENCY_POLICY_LABELS: Record<ConsistencyPolicy, string> = {
  fallback: 'fall back to crash-consistent',
  require: 'require the planned consistency (fail the VM otherwise)',
};

/** What a backup does with a VM's pass-through disks. */
export const PASSTHROUGH_POLICY_LABELS: Record<PassthroughPolicy, string> = {
  skip: 'skip pass-through disks, with a warning',
  fail: 'fail a VM whose pass-through disk would be left out',
};

/** A VM's power state as stored: planned (`powerState`), and why it was not read, when it was not. */
export interface PowerStateFacts {
  powerState: PowerState;
  powerStateUnknown?: string | null;
}

/** Only running is a choice made for safety: no restore overwrites the VM unasked, no backup copies it as off. */
function treatedAs(vm: PowerStateFacts): string {
  return vm.powerState === 'running' ? 'treated as running for safety' : `treated as ${vm.powerState}`;
}

/** What the console says in place of a power state that was not read, and the filter that lists such VMs. */
export const STATE_NOT_READ = 'state not read';

/**
 * A VM's power state as the console shows it: the state read ("running"), or, when it could not be
 * read, that it was not, what the hypervisor reported and what it is planned as — never the planned
 * state alone, which would claim a fact nobody read.
 */
export function powerStateLabel(vm: PowerStateFacts): string {
  return vm.powerStateUnknown
    ? `${STATE_NOT_READ} — ${vm.powerStateUnknown}; ${treatedAs(vm)}`
    : vm.powerState;
}

/** The power state in a sentence after the VM's name: "is running", or "is treated as running for safety, its state not read (…)". */
export function powerStateInSentence(vm: PowerStateFacts): string {
  return vm.powerStateUnknown
    ? `is ${treatedAs(vm)}, its power state not read (${vm.powerStateUnknown})`
    : `is ${vm.powerState}`;
}

/** "2026-11-25 02:00 UTC": a moment as the operator reads it in plan words (no locale, no seconds). */
export function utcMinute(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Why a VM a sync of its host no longer listed cannot be overwritten or captured, in words. */
export function goneWords(vmName: string, hostName: string, since: Date): string {
  return `VM ${vmName} is gone from ${hostName} since ${utcMinute(since)}`;
}

/**
 * A plain title per rule: what the operator reads first, with the stable rule id beside it as a
 * small code (issue 8 §4). docs/domain.md §9 has each rule's full meaning.
 */
export const RULE_TITLES: Record<RuleId, string> = {
  'VM-POWER-STATE-UNKNOWN': 'Power state not read',
  'HV-BACKUP-IC-MISSING': 'Backup integration service off or missing',
  'HV-GUEST-VSS-DISABLED': 'VSS disabled in the guest',
  'HV-GUEST-FACTS-UNKNOWN': 'Guest could not be read',
  'HV-SHADOW-STORAGE-ELSEWHERE': 'Shadow copies kept on another volume',
  'HV-DYNAMIC-DISK': 'Dynamic disk in the guest',
  'HV-UNSUPPORTED-FS': 'File system VSS cannot snapshot',
  'HV-SNAPSHOT-LOCATION-ELSEWHERE': 'Checkpoint files on another volume',
  'HV-OFFLINE-BACKUP': 'Saved state on every backup',
  'HV-PASSTHROUGH-DISK': 'Pass-through disk left out',
  'HV-HOST-VOLUME-VSS-DISABLED': 'VSS disabled on the host volume',
  'HV-HOST-SHADOW-STORAGE-LOW': 'Host shadow storage too small',
  'WSB-VOLUME-GRANULARITY': 'Windows Server Backup takes the whole volume',
  'XS-QUIESCE-UNSUPPORTED-OS': 'Guest cannot be quiesced',
  'XS-QUIESCE-PROVIDER-MISSING': 'Xen VSS provider missing',
  'XS-QUIESCE-UNAVAILABLE': 'Quiesced snapshots not offered by this release',
  'XS-QUIESCE-PERFORMANCE': 'Quiesced snapshot loads the VM',
  'XS-SR-NO-SNAPSHOT': 'Storage repository cannot snapshot',
  'XS-SR-SNAPSHOT-UNKNOWN': 'Storage repository snapshot support unknown',
  'XS-GUEST-FACTS-UNKNOWN': 'Guest not reporting to its pool',
  'XS-ARRAY-COPY-VHD': 'Disk format not read for the array snapshot copy',
  'XS-ARRAY-COPY-SR-TYPE': 'Storage repository not read out of an array snapshot',
  'XS-CHECKPOINT-NOT-XEN': 'Memory checkpoint only on a XenServer pool',
  'XS-CHECKPOINT-VM-NOT-RUNNING': 'Nothing in memory to checkpoint',
  'XS-CHECKPOINT-SR-NO-SNAPSHOT': 'Memory checkpoint impossible on this storage',
  'XS-CHECKPOINT-SUSPEND-SR-FULL': 'No room for the memory image',
  'XS-CHECKPOINT-NO-SUSPEND-SR': 'No storage for the memory image',
  'APP-CRASH-CONSISTENT': 'Application only crash-consistent',
  'ARRAY-NO-SNAPSHOT': 'Array cannot snapshot this LUN',
  'ARRAY-SNAPSHOT-UNKNOWN': 'LUN snapshot support unknown',
  'ARRAY-NOT-INTEGRATED': 'Array snapshot orchestrated by Migawka',
  'ARRAY-APP-NEEDS-SCRIPTS': 'Application needs freeze scripts',
  'ARRAY-SHARED-VOLUME': 'LUN shared with other VMs',
  'ARRAY-CG-INCOMPLETE': 'Disks on LUNs outside one consistency group',
  'RESTORE-VOLUME-COLLATERAL': 'Other VMs rolled back too',
  'RESTORE-CRASH-CONSISTENT': 'Restoring a crash-consistent point',
  'RESTORE-POINT-PARTIAL': 'Point does not hold every disk',
  'RESTORE-VM-RUNNING': 'VM is running',
  'RESTORE-NEWER-POINTS': 'Newer points discarded',
  'RESTORE-TARGET-LOSES-CHANGES': 'Changes since the point are lost',
  'BACKUP-VM-GONE': 'VM gone from its host',
  'VM-UNPROTECTED': 'No restore point',
  'RPO-EXCEEDED': 'Last good point older than the RPO',
};

/**
 * What the check of a copy's captured application files found, in words (the catalog step reads
 * it: a torn application makes the point crash-consistent).
 */
export const APPLICATION_STATE_WORDS: Record<ApplicationState, string> = {
  clean: 'clean: its log and data agree',
  torn: 'torn: its log and data disagree, so the point is crash-consistent',
};
