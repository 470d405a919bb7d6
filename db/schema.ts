/**
 * Inventory and persisted assessment tables (drizzle, SQLite).
 *
 * Rows mirror the engine's Inventory types (server/engine/inventory.ts) one to one, so loading
 * an inventory for evaluation is a handful of `select *` and no reshaping beyond JSON columns.
 * Every list filter of the console has an index; foreign keys are enforced (the client turns
 * `foreign_keys` on).
 *
 * onDelete choices: ownership cascades (host → its volumes and VMs, VM → its disks, guest
 * volumes, assessment and findings; array → its volumes and groups). References that are not
 * ownership (a disk on a host volume, a volume backed by an array LUN) either become null when
 * the field is optional in the model, or are left as NO ACTION so that deleting something still
 * in use fails instead of silently leaving a disk without a volume.
 */
import { sql } from 'drizzle-orm';
import { type AnySQLiteColumn, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type {
  Application,
  ArrayVendor,
  DiskKind,
  DiskStorageFormat,
  FileSystem,
  GuestDiskType,
  HostVolumeKind,
  HypervisorKind,
  IntegrationServiceState,
  OsFamily,
  PowerState,
} from '../server/engine/inventory';
import type {
  BackupMethod,
  CaptureState,
  Consistency,
  ObjectRef,
  Readiness,
  RuleId,
  Severity,
} from '../server/engine/types';
import { powerStateRank } from './power-state-order';

export const hosts = sqliteTable(
  'hosts',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    kind: text('kind').$type<HypervisorKind>().notNull(),
    version: text('version').notNull(),
    pool: text('pool'),
    hasVssAwareProduct: integer('has_vss_aware_product', { mode: 'boolean' }).notNull(),
    offersQuiescedSnapshots: integer('offers_quiesced_snapshots', { mode: 'boolean' }).notNull(),
    /** Which connector manages the host (the driver registry resolves it): 'lab' is the embedded default. */
    connector: text('connector').notNull().default('lab'),
  },
  (t) => [index('hosts_name_idx').on(t.name), index('hosts_kind_name_idx').on(t.kind, t.name)],
);

export const storageArrays = sqliteTable(
  'storage_arrays',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    vendor: text('vendor').$type<ArrayVendor>().notNull(),
    supportsSnapshots: integer('supports_snapshots', { mode: 'boolean' }).notNull(),
    /** Which connector manages the array (the driver registry resolves it): 'lab' is the embedded default. */
    connector: text('connector').notNull().default('lab'),
  },
  (t) => [index('storage_arrays_name_idx').on(t.name), index('storage_arrays_vendor_idx').on(t.vendor)],
);

export const consistencyGroups = sqliteTable(
  'consistency_groups',
  {
    id: text('id').primaryKey(),
    arrayId: text('array_id')
      .notNull()
      .references(() => storageArrays.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
  },
  (t) => [index('consistency_groups_array_idx').on(t.arrayId)],
);

export const arrayVolumes = sqliteTable(
  'array_volumes',
  {
    id: text('id').primaryKey(),
    arrayId: text('array_id')
      .notNull()
      .references(() => storageArrays.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** null: the array did not report whether the LUN can be snapshotted. */
    supportsSnapshots: integer('supports_snapshots', { mode: 'boolean' }),
    consistencyGroupId: text('consistency_group_id').references(() => consistencyGroups.id, {
      onDelete: 'set null',
    }),
    /** The LUN's SCSI NAA id: host volumes are linked to it by their device id. */
    naaId: text('naa_id'),
  },
  (t) => [
    index('array_volumes_array_name_idx').on(t.arrayId, t.name),
    index('array_volumes_consistency_group_idx').on(t.consistencyGroupId),
    index('array_volumes_name_idx').on(t.name),
  ],
);

export const hostVolumes = sqliteTable(
  'host_volumes',
  {
    id: text('id').primaryKey(),
    hostId: text('host_id')
      .notNull()
      .references(() => hosts.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    kind: text('kind').$type<HostVolumeKind>().notNull(),
    /** Null: not read (a volume the host reported no capacity or free space of: engine/inventory.ts). */
    sizeBytes: integer('size_bytes'),
    freeBytes: integer('free_bytes'),
    vssEnabled: integer('vss_enabled', { mode: 'boolean' }).notNull(),
    shadowStorageVolumeId: text('shadow_storage_volume_id').references(
      (): AnySQLiteColumn => hostVolumes.id,
      {
        onDelete: 'set null',
      },
    ),
    shadowStorageLimitBytes: integer('shadow_storage_limit_bytes'),
    arrayVolumeId: text('array_volume_id').references(() => arrayVolumes.id, { onDelete: 'set null' }),
    /** SCSI identity of the block device under the volume (engine/device-ids.ts). */
    deviceId: text('device_id'),
    /**
     * A XenServer SR's facts as its pool reports them (SR.type, SR.shared, the SM driver's
     * VDI_SNAPSHOT feature); null when not read, which the rules report as unknown, never as fine.
     */
    storageType: text('storage_type'),
    isShared: integer('is_shared', { mode: 'boolean' }),
    canSnapshot: integer('can_snapshot', { mode: 'boolean' }),
  },
  (t) => [
    index('host_volumes_host_name_idx').on(t.hostId, t.name),
    index('host_volumes_name_idx').on(t.name),
    index('host_volumes_array_volume_idx').on(t.arrayVolumeId),
    index('host_volumes_shadow_storage_idx').on(t.shadowStorageVolumeId),
  ],
);

export const vms = sqliteTable(
  'vms',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    hostId: text('host_id')
      .notNull()
      .references(() => hosts.id, { onDelete: 'cascade' }),
    osFamily: text('os_family').$type<OsFamily>().notNull(),
    powerState: text('power_state').$type<PowerState>().notNull(),
    applications: text('applications', { mode: 'json' }).$type<Application[]>().notNull(),
    backupIntegrationService: text('backup_integration_service').$type<IntegrationServiceState>(),
    hasXenVssProvider: integer('has_xen_vss_provider', { mode: 'boolean' }).notNull(),
    snapshotLocationVolumeId: text('snapshot_location_volume_id').references(() => hostVolumes.id, {
      onDelete: 'set null',
    }),
    hasFreezeScripts: integer('has_freeze_scripts', { mode: 'boolean' }).notNull(),
    dailyChangeBytes: integer('daily_change_bytes').notNull(),
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull(),
    /** When a sync of the VM's host stopped seeing it; null while the host still lists it. */
    goneSince: integer('gone_since', { mode: 'timestamp_ms' }),
    /** Why the guest's own facts could not be read at the last sync; null when read or stated. */
    guestFactsUnknown: text('guest_facts_unknown'),
    /**
     * Why the power state could not be read at the last sync, with what the hypervisor reported; null
     * when read or stated. `power_state` then holds the state planned for safety (running).
     */
    powerStateUnknown: text('power_state_unknown'),
    /**
     * XenServer: the SR a memory checkpoint writes the VM's RAM image to (VM.suspend_SR, else the
     * pool's suspend_image_SR, else its host's suspend_image_sr, each only if that host sees it); null
     * when none is set or not read.
     */
    suspendSrVolumeId: text('suspend_sr_volume_id'),
    /** XenServer: the VM's memory (memory_static_max), what a checkpoint's RAM image needs; null = not read. */
    memoryBytes: integer('memory_bytes'),
  },
  (t) => [
    index('vms_name_idx').on(t.name),
    index('vms_host_name_idx').on(t.hostId, t.name),
    index('vms_os_family_name_idx').on(t.osFamily, t.name),
    index('vms_power_state_name_idx').on(t.powerState, t.name),
    // The power-state sort (a state not read after every state read) with its tie-breaker: the list's
    // ORDER BY and cursor are this very expression (db/power-state-order.ts), so a page reads the
    // index in order instead of ranking and sorting every VM.
    index('vms_power_rank_id_idx').on(powerStateRank(t.powerState, t.powerStateUnknown), t.id),
    index('vms_snapshot_location_idx').on(t.snapshotLocationVolumeId),
    // A restore's new name is looked up case-blind (findVmsByName): by lower(name), and among the
    // rare names beyond ASCII that lower() does not fold, so neither half reads every VM.
    index('vms_lower_name_idx').on(sql`lower(${t.name})`),
    index('vms_non_ascii_name_idx').on(t.id).where(sql`${t.name} glob '*[^ -~]*'`),
  ],
);

export const virtualDisks = sqliteTable(
  'virtual_disks',
  {
    id: text('id').primaryKey(),
    vmId: text('vm_id')
      .notNull()
      .references(() => vms.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    kind: text('kind').$type<DiskKind>().notNull(),
    /** Null: not read (a pass-through disk, a VHD its host could not open: engine/inventory.ts). */
    sizeBytes: integer('size_bytes'),
    // NO ACTION: a host volume or LUN still holding disks cannot be deleted from under them.
    hostVolumeId: text('host_volume_id').references(() => hostVolumes.id),
    arrayVolumeId: text('array_volume_id').references(() => arrayVolumes.id),
    /** XenServer VDI stored as `vhd` or `raw`; null = not read (engine/inventory.ts). */
    storageFormat: text('storage_format').$type<DiskStorageFormat>(),
  },
  (t) => [
    index('virtual_disks_vm_idx').on(t.vmId),
    index('virtual_disks_host_volume_vm_idx').on(t.hostVolumeId, t.vmId),
    index('virtual_disks_array_volume_vm_idx').on(t.arrayVolumeId, t.vmId),
  ],
);

export const guestVolumes = sqliteTable(
  'guest_volumes',
  {
    id: text('id').primaryKey(),
    vmId: text('vm_id')
      .notNull()
      .references(() => vms.id, { onDelete: 'cascade' }),
    mountPoint: text('mount_point').notNull(),
    fileSystem: text('file_system').$type<FileSystem>().notNull(),
    diskType: text('disk_type').$type<GuestDiskType>().notNull(),
    vssEnabled: integer('vss_enabled', { mode: 'boolean' }).notNull(),
    shadowStorageOn: text('shadow_storage_on'),
    diskId: text('disk_id').references(() => virtualDisks.id, { onDelete: 'set null' }),
  },
  (t) => [index('guest_volumes_vm_idx').on(t.vmId), index('guest_volumes_disk_idx').on(t.diskId)],
);

/**
 * VMs an operation created (a restore as a new VM) and when it recorded them. A sync's read of a
 * host that began before then cannot list such a VM, so it does not mark it gone (markGoneVms).
 */
export const operationCreatedVms = sqliteTable('operation_created_vms', {
  vmId: text('vm_id')
    .primaryKey()
    .references(() => vms.id, { onDelete: 'cascade' }),
  recordedAt: integer('recorded_at', { mode: 'timestamp_ms' }).notNull(),
});

/**
 * The name each VM had when it left the inventory (an import's replace deleted it, or its host):
 * written by a trigger on vms (migration), so every deletion, cascades included, leaves it. A job
 * or a plan that still names the VM's id says its name, not its id. A VM back in the inventory
 * keeps its row, read only for ids the inventory lacks.
 */
export const removedVmNames = sqliteTable('removed_vm_names', {
  vmId: text('vm_id').primaryKey(),
  name: text('name').notNull(),
});

/**
 * Which engine last assessed the whole estate: one row (id 'estate') holding the fingerprint of its
 * verdicts on a fixed estate (services/assessment-service.ts). A worker that starts with an engine
 * of another fingerprint (an upgrade changed a rule) re-assesses every VM, so no stored verdict is
 * an older engine's.
 */
export const assessmentEngine = sqliteTable('assessment_engine', {
  id: text('id').primaryKey(),
  fingerprint: text('fingerprint').notNull(),
  assessedAt: integer('assessed_at', { mode: 'timestamp_ms' }).notNull(),
});

/**
 * The engine's verdict per VM, recomputed whenever the inventory changes. Denormalised sort
 * keys (`readiness_rank`, `finding_weight`) let list pages sort and page on one indexed column.
 */
export const vmAssessments = sqliteTable(
  'vm_assessments',
  {
    vmId: text('vm_id')
      .primaryKey()
      .references(() => vms.id, { onDelete: 'cascade' }),
    readiness: text('readiness').$type<Readiness>().notNull(),
    /** Position of `readiness` in READINESS (0 = online-ready … 5 = blocked), for sorting. */
    readinessRank: integer('readiness_rank').notNull(),
    recommendedMethod: text('recommended_method').$type<BackupMethod>(),
    consistency: text('consistency').$type<Consistency>(),
    captureState: text('capture_state').$type<CaptureState>(),
    blockerCount: integer('blocker_count').notNull(),
    warningCount: integer('warning_count').notNull(),
    infoCount: integer('info_count').notNull(),
    /** blockers × 1,000,000 + warnings × 1,000 + infos: "most serious first" in one column. */
    findingWeight: integer('finding_weight').notNull(),
    planJson: text('plan_json', { mode: 'json' }).notNull(),
  },
  (t) => [
    index('vm_assessments_readiness_idx').on(t.readiness),
    index('vm_assessments_readiness_rank_idx').on(t.readinessRank, t.vmId),
    index('vm_assessments_finding_weight_idx').on(t.findingWeight, t.vmId),
  ],
);

export const findings = sqliteTable(
  'findings',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Null for host- or volume-wide findings. */
    vmId: text('vm_id').references(() => vms.id, { onDelete: 'cascade' }),
    /** The host the finding belongs to (the VM's host, or the host of the volume it names). */
    hostId: text('host_id').references(() => hosts.id, { onDelete: 'cascade' }),
    ruleId: text('rule_id').$type<RuleId>().notNull(),
    severity: text('severity').$type<Severity>().notNull(),
    /** 0 = blocker, 1 = warning, 2 = info: sorts findings most serious first. */
    severityRank: integer('severity_rank').notNull(),
    message: text('message').notNull(),
    remedy: text('remedy').notNull(),
    methodsJson: text('methods_json', { mode: 'json' }).$type<BackupMethod[]>().notNull(),
    objectsJson: text('objects_json', { mode: 'json' }).$type<ObjectRef[]>().notNull(),
  },
  (t) => [
    index('findings_vm_severity_idx').on(t.vmId, t.severityRank),
    index('findings_host_severity_idx').on(t.hostId, t.severityRank),
    // Covers the per-rule counts (dashboard, findings) and the VM list's finding filter.
    index('findings_rule_severity_vm_idx').on(t.ruleId, t.severity, t.vmId),
    index('findings_severity_vm_idx').on(t.severity, t.vmId),
  ],
);
export * from './schema-admission';
export * from './schema-approvals';
export * from './schema-arrays';
export * from './schema-auth';
export * from './schema-hyperv';
export * from './schema-operations';
export * from './schema-security';
export * from './schema-xapi';
