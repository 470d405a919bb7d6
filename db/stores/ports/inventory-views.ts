/**
 * What the console's inventory lists, detail pages and dashboard show: rows joined with their
 * stored assessment and the objects around them. Read models only; nothing here is written back.
 */
import type {
  ArrayVolume,
  ConsistencyGroup,
  GuestVolume,
  Host,
  HostVolume,
  StorageArray,
  VirtualDisk,
  Vm,
} from '../../../server/engine/inventory';
import type { MethodPlan } from '../../../server/engine/planner';
import type {
  BackupMethod,
  CaptureState,
  Consistency,
  ObjectRef,
  Readiness,
  RuleId,
  Severity,
} from '../../../server/engine/types';

export interface VmListItem {
  id: string;
  name: string;
  hostId: string;
  hostName: string;
  /** Null when its guest could not be read: the OS nobody read is not stated. */
  osFamily: Vm['osFamily'] | null;
  /** As planned: with `powerStateUnknown` set, the state assumed for safety, not one that was read. */
  powerState: Vm['powerState'];
  /** Why the power state was not read, with what the hypervisor reported; null when it was read. */
  powerStateUnknown: string | null;
  applications: Vm['applications'];
  /** Null while the VM is gone from its host: a gone VM has no readiness (its assessment is kept). */
  readiness: Readiness | null;
  recommendedMethod: BackupMethod | null;
  /** Null while the VM is gone from its host, as its readiness (its own page keeps its findings). */
  blockerCount: number | null;
  warningCount: number | null;
  /** When a sync of its host stopped seeing the VM; null while the host lists it. */
  goneSince: Date | null;
}

export interface StoredFinding {
  id: number;
  vmId: string | null;
  vmName: string | null;
  hostId: string | null;
  ruleId: RuleId;
  severity: Severity;
  message: string;
  remedy: string;
  methods: BackupMethod[];
  objects: ObjectRef[];
}

export interface VmAssessmentSummary {
  /** As the views show it: null while the VM is gone from its host. */
  readiness: Readiness | null;
  recommendedMethod: BackupMethod | null;
  consistency: Consistency | null;
  captureState: CaptureState | null;
  blockerCount: number;
  warningCount: number;
  infoCount: number;
}

export interface DiskDetail extends VirtualDisk {
  hostVolume: HostVolume | null;
  /** The LUN behind the disk: its own (pass-through) or its host volume's. */
  arrayVolume: ArrayVolume | null;
  array: StorageArray | null;
  consistencyGroup: ConsistencyGroup | null;
}

export interface VmDetail {
  vm: Vm;
  host: Host;
  disks: DiskDetail[];
  guestVolumes: GuestVolume[];
  findings: StoredFinding[];
  assessment: VmAssessmentSummary | null;
  /** Null before the VM's first assessment, and while it is gone from its host. */
  readiness: Readiness | null;
  plan: MethodPlan | null;
  snapshotLocationVolume: HostVolume | null;
}

export interface FindingsList {
  findings: StoredFinding[];
  /** True when more findings matched than were returned (estate-wide lists are capped). */
  isTruncated: boolean;
  counts: {
    total: number;
    bySeverity: Record<Severity, number>;
    byRule: { ruleId: RuleId; severity: Severity; count: number }[];
  };
}

export interface HostListItem extends Host {
  vmCount: number;
  volumeCount: number;
  /** Its VMs on it, by readiness; those gone from it are `goneVmCount`. */
  readinessCounts: Record<Readiness, number>;
  goneVmCount: number;
}

export interface VmRef {
  id: string;
  name: string;
  /** As planned: with `powerStateUnknown` set, the state assumed for safety, not one that was read. */
  powerState: Vm['powerState'];
  /** Why the power state was not read, with what the hypervisor reported; null when it was read. */
  powerStateUnknown: string | null;
  /** Null before the VM's first assessment, and while it is gone from its host. */
  readiness: Readiness | null;
}

export interface HostVolumeWithVms extends HostVolume {
  vms: VmRef[];
}

export interface HostDetail {
  host: Host;
  volumes: HostVolumeWithVms[];
  vmCount: number;
  /** As in the host list: gone VMs are `goneVmCount`, under no readiness. */
  readinessCounts: Record<Readiness, number>;
  goneVmCount: number;
  findingCounts: Record<Severity, number>;
}

export interface HostVolumeListItem extends HostVolume {
  hostName: string;
  vmCount: number;
  shadowStorageVolumeName: string | null;
  arrayVolumeName: string | null;
  arrayName: string | null;
}

export interface HostVolumeVm extends VmRef {
  hostId: string;
  hostName: string;
  recommendedMethod: BackupMethod | null;
}

export interface HostVolumeDetail {
  volume: HostVolume;
  host: Host;
  shadowStorageVolume: HostVolume | null;
  arrayVolume: ArrayVolume | null;
  array: StorageArray | null;
  consistencyGroup: ConsistencyGroup | null;
  /** Every VM with a disk on this volume: they are captured and rolled back together by volume-level methods. */
  vms: HostVolumeVm[];
}

export interface ArrayListItem extends StorageArray {
  volumeCount: number;
  consistencyGroupCount: number;
  vmCount: number;
}

export interface ArrayVolumeDetail extends ArrayVolume {
  consistencyGroup: ConsistencyGroup | null;
  /** Host volumes / SRs backed by this LUN. */
  hostVolumes: { id: string; name: string; hostId: string; hostName: string }[];
  /** VMs with data on this LUN (through a host volume or as a pass-through disk). */
  vms: VmRef[];
}

export interface ArrayDetail {
  array: StorageArray;
  volumes: ArrayVolumeDetail[];
  consistencyGroups: ConsistencyGroup[];
}

export interface Dashboard {
  totals: { hosts: number; vms: number; volumes: number; arrays: number };
  /** VMs on their host, by readiness: `totals.vms` less `goneVms`. */
  readiness: Record<Readiness, number>;
  /** VMs gone from their host: they have no readiness. */
  goneVms: number;
  /** Most common first; `count` = findings, `vmCount` = distinct VMs affected. */
  topFindings: { ruleId: RuleId; severity: Severity; count: number; vmCount: number }[];
}

/** Findings of one VM or one host; neither = the whole estate. */
export interface FindingsFilter {
  vmId?: string;
  hostId?: string;
}
