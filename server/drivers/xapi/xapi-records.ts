/**
 * The XAPI shapes the connector reads, validated with zod at the edge: the JSON-RPC envelope
 * (2.0 and the older 1.0 error form), task records, event.from batches and the records discovery
 * maps (CONNECTORS.md §1.2). Only the fields Migawka uses are declared; unknown ones are dropped.
 */
import { z } from 'zod';

export const NULL_REF = 'OpaqueRef:NULL';

const stringMap = z.record(z.string(), z.string());

/** `{"result":…}` or an error: `{"code":1,"message":"CODE","data":[…]}` (2.0) or `["CODE", …]` (1.0). */
export const rpcResponseSchema = z.object({
  result: z.unknown().optional(),
  error: z
    .union([
      z.object({ code: z.number().optional(), message: z.string(), data: z.array(z.unknown()).optional() }),
      z.array(z.unknown()).min(1),
    ])
    .nullable()
    .optional(),
});

export const TASK_STATUSES = ['pending', 'success', 'failure', 'cancelling', 'cancelled'] as const;
export const taskRecordSchema = z.object({
  uuid: z.string(),
  status: z.enum(TASK_STATUSES),
  progress: z.number(),
  result: z.string(),
  error_info: z.array(z.string()),
  name_label: z.string().optional(),
});
export type TaskRecord = z.infer<typeof taskRecordSchema>;

export const eventSchema = z.object({
  id: z.union([z.string(), z.number()]).optional(),
  class: z.string(),
  operation: z.enum(['add', 'mod', 'del']),
  ref: z.string(),
  snapshot: z.unknown().optional(),
});
export type XapiEvent = z.infer<typeof eventSchema>;

export const eventBatchSchema = z.object({
  events: z.array(eventSchema),
  token: z.string(),
  valid_ref_counts: z.record(z.string(), z.number()).optional(),
});
export type EventBatch = z.infer<typeof eventBatchSchema>;

export const poolRecordSchema = z.object({
  uuid: z.string(),
  name_label: z.string(),
  master: z.string(),
  default_SR: z.string().optional(),
  /** Where suspend and checkpoint memory images go when the VM names no suspend_SR. */
  suspend_image_SR: z.string().optional().default(NULL_REF),
});

export const hostRecordSchema = z.object({
  uuid: z.string(),
  name_label: z.string(),
  address: z.string(),
  API_version_major: z.number(),
  API_version_minor: z.number(),
  software_version: stringMap,
  enabled: z.boolean().optional(),
  /** The host's own SR for suspend images, after the VM's and the pool's. */
  suspend_image_sr: z.string().optional().default(NULL_REF),
});
export type HostRecord = z.infer<typeof hostRecordSchema>;

export const POWER_STATES = ['Halted', 'Paused', 'Running', 'Suspended'] as const;
export const vmRecordSchema = z.object({
  uuid: z.string(),
  name_label: z.string(),
  power_state: z.enum(POWER_STATES),
  is_a_template: z.boolean(),
  is_a_snapshot: z.boolean(),
  is_control_domain: z.boolean(),
  resident_on: z.string().optional().default(NULL_REF),
  affinity: z.string().optional().default(NULL_REF),
  VBDs: z.array(z.string()),
  snapshots: z.array(z.string()).optional().default([]),
  snapshot_of: z.string().optional().default(NULL_REF),
  snapshot_time: z.string().optional().default('19700101T00:00:00Z'),
  snapshot_info: stringMap.optional().default({}),
  /** A suspended VM's (or checkpoint's) memory image; OpaqueRef:NULL otherwise. */
  suspend_VDI: z.string().optional().default(NULL_REF),
  guest_metrics: z.string().optional().default(NULL_REF),
  allowed_operations: z.array(z.string()).optional().default([]),
  current_operations: z.record(z.string(), z.string()).optional().default({}),
  tags: z.array(z.string()).optional().default([]),
  other_config: stringMap.optional().default({}),
  memory_static_max: z.number().optional(),
  /** The SR for this VM's suspend (and checkpoint) memory image; OpaqueRef:NULL = the pool's or host's. */
  suspend_SR: z.string().optional().default(NULL_REF),
});
export type VmRecord = z.infer<typeof vmRecordSchema>;

export const vbdRecordSchema = z.object({
  VM: z.string(),
  VDI: z.string(),
  type: z.enum(['Disk', 'CD', 'Floppy']),
  mode: z.enum(['RW', 'RO']),
  userdevice: z.string(),
  device: z.string().optional().default(''),
  bootable: z.boolean().optional().default(false),
  empty: z.boolean().optional().default(false),
  currently_attached: z.boolean().optional().default(false),
});
export type VbdRecord = z.infer<typeof vbdRecordSchema>;

export const vdiRecordSchema = z.object({
  uuid: z.string(),
  name_label: z.string(),
  type: z.string(),
  SR: z.string(),
  virtual_size: z.number(),
  physical_utilisation: z.number().optional().default(0),
  is_a_snapshot: z.boolean().optional().default(false),
  snapshot_of: z.string().optional().default(NULL_REF),
  sharable: z.boolean().optional().default(false),
  read_only: z.boolean().optional().default(false),
  on_boot: z.enum(['persist', 'reset']).optional().default('persist'),
  cbt_enabled: z.boolean().optional().default(false),
  sm_config: stringMap.optional().default({}),
  other_config: stringMap.optional().default({}),
});
export type VdiRecord = z.infer<typeof vdiRecordSchema>;

export const srRecordSchema = z.object({
  uuid: z.string(),
  name_label: z.string(),
  type: z.string(),
  content_type: z.string().optional().default(''),
  shared: z.boolean(),
  physical_size: z.number().optional().default(0),
  physical_utilisation: z.number().optional().default(0),
  PBDs: z.array(z.string()).optional().default([]),
});
export type SrRecord = z.infer<typeof srRecordSchema>;

export const pbdRecordSchema = z.object({
  host: z.string(),
  SR: z.string(),
  device_config: stringMap,
  currently_attached: z.boolean().optional().default(false),
});
export type PbdRecord = z.infer<typeof pbdRecordSchema>;

/** SM feature values are versions (`"VDI_SNAPSHOT": 1`), older hosts list names only. */
export const smRecordSchema = z.object({
  type: z.string(),
  features: z
    .union([z.record(z.string(), z.number()), z.array(z.string())])
    .optional()
    .default({}),
});
export type SmRecord = z.infer<typeof smRecordSchema>;

export const guestMetricsRecordSchema = z.object({
  os_version: stringMap.optional().default({}),
  PV_drivers_detected: z.boolean().optional().default(false),
  other: stringMap.optional().default({}),
  networks: stringMap.optional().default({}),
});
export type GuestMetricsRecord = z.infer<typeof guestMetricsRecordSchema>;

/** `*.get_all_records` answers: ref → record. */
export function recordsOf<T extends z.ZodType>(schema: T) {
  return z.record(z.string(), schema);
}

/**
 * A task's `result` is an XML-RPC fragment even over JSON-RPC (xapi stores `Xmlrpc.to_string`):
 * `<value>OpaqueRef:…</value>`, sometimes with a `<string>` inside, or empty for void results.
 */
export function parseTaskResult(result: string): string {
  const trimmed = result.trim();
  if (trimmed === '') return '';
  const match = /^<value>(?:<string>)?([\s\S]*?)(?:<\/string>)?<\/value>$/.exec(trimmed);
  if (!match) return trimmed;
  return match[1]
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

/**
 * XAPI datetimes: `20230305T18:18:29Z` on real hosts, ISO with dashes in the SDK fixtures;
 * `19700101T00:00:00Z` means unset (null).
 */
export function parseXapiDate(value: string): Date | null {
  const compact = /^(\d{4})(\d{2})(\d{2})T(\d{2}):(\d{2}):(\d{2})Z?$/.exec(value);
  const date = compact
    ? new Date(Date.UTC(+compact[1], +compact[2] - 1, +compact[3], +compact[4], +compact[5], +compact[6]))
    : new Date(value);
  if (Number.isNaN(date.getTime()) || date.getTime() === 0) return null;
  return date;
}
