/**
 * Inputs of the inventory list and detail queries, shared by tRPC procedures and UI forms.
 * Lists page with an opaque keyset cursor (`nextCursor` of the previous page). A page never counts
 * its matches: each list has a `…CountQueryInput` (its filters without sort, cursor and limit) for
 * the separate count procedure, which the console asks once per filter, not once per page.
 */
import { z } from 'zod';
import {
  APPLICATIONS,
  ARRAY_VENDORS,
  HYPERVISOR_KINDS,
  OS_FAMILIES,
  POWER_STATES,
} from '../engine/inventory';
import { PROTECTION_STATUSES } from '../engine/protection';
import { READINESS, RULE_IDS, SEVERITIES } from '../engine/types';

export const SORT_DIRECTIONS = ['asc', 'desc'] as const;
export type SortDirection = (typeof SORT_DIRECTIONS)[number];

const optionalId = z.string().trim().min(1).max(200).optional();
const search = z.string().trim().max(200).optional();
const cursor = z.string().min(1).max(1000).optional();
const limit = z.int().min(1).max(100).default(25);
const direction = z.enum(SORT_DIRECTIONS).default('asc');
/** What a count input leaves out of its list's input: the order and the page. */
const PAGE_KEYS = { sort: true, direction: true, cursor: true, limit: true } as const;

export const VM_SORTS = ['name', 'host', 'readiness', 'findings', 'powerState'] as const;
export type VmSort = (typeof VM_SORTS)[number];

/**
 * The power-state filter's values: a state that was read as such, or `not-read` — VMs whose state
 * the last read could not tell (`powerStateUnknown`), which a state filter never lists under the
 * state they are planned as.
 */
export const POWER_STATE_NOT_READ = 'not-read';
export const VM_POWER_FILTERS = [...POWER_STATES, POWER_STATE_NOT_READ] as const;
export type VmPowerFilter = (typeof VM_POWER_FILTERS)[number];

export const VM_PRESENCES = ['present', 'gone'] as const;
export type VmPresence = (typeof VM_PRESENCES)[number];

export const vmListQueryInput = z.object({
  hostId: optionalId,
  hostVolumeId: optionalId,
  arrayVolumeId: optionalId,
  osFamily: z.enum(OS_FAMILIES).optional(),
  /** VMs whose power state was read as this one, or (`not-read`) was not read. */
  powerState: z
    .enum(VM_POWER_FILTERS, { error: `Choose a power state: ${VM_POWER_FILTERS.join(', ')}` })
    .optional(),
  ruleId: z.enum(RULE_IDS).optional(),
  severity: z.enum(SEVERITIES).optional(),
  readiness: z.enum(READINESS).optional(),
  /** VMs with this protection status now (as on the protection page). */
  protection: z.enum(PROTECTION_STATUSES, { error: 'Choose a known protection status' }).optional(),
  /** VMs running this application (SQL Server, Exchange, ...). */
  application: z.enum(APPLICATIONS).optional(),
  /** VMs carrying this tag, exactly. */
  tag: z.string().trim().min(1).max(100).optional(),
  /** Gone: VMs a sync of their host no longer saw; present: the others. */
  presence: z.enum(VM_PRESENCES, { error: 'Choose present or gone' }).optional(),
  /** Case-insensitive substring of the VM name. */
  search,
  sort: z.enum(VM_SORTS).default('name'),
  direction,
  cursor,
  limit,
});
export type VmListQueryInput = z.input<typeof vmListQueryInput>;
export type VmListQuery = z.output<typeof vmListQueryInput>;

/** The vm list's filters alone: what its count procedure takes. */
export const vmCountQueryInput = vmListQueryInput.omit(PAGE_KEYS);
export type VmCountQueryInput = z.input<typeof vmCountQueryInput>;
export type VmCountQuery = z.output<typeof vmCountQueryInput>;

export const HOST_SORTS = ['name', 'kind', 'vmCount'] as const;
export type HostSort = (typeof HOST_SORTS)[number];

export const hostListQueryInput = z.object({
  kind: z.enum(HYPERVISOR_KINDS).optional(),
  /** Case-insensitive substring of the host name or pool. */
  search,
  sort: z.enum(HOST_SORTS).default('name'),
  direction,
  cursor,
  limit,
});
export type HostListQueryInput = z.input<typeof hostListQueryInput>;
export type HostListQuery = z.output<typeof hostListQueryInput>;

/** The host list's filters alone: what its count procedure takes. */
export const hostCountQueryInput = hostListQueryInput.omit(PAGE_KEYS);
export type HostCountQueryInput = z.input<typeof hostCountQueryInput>;
export type HostCountQuery = z.output<typeof hostCountQueryInput>;

/** As many VMs as one backup's scope may hold (schemas/operations.ts backupScopeInput). */
export const STALE_FACTS_MAX_VMS = 10_000;

/**
 * Whose facts may be out of date: the whole estate (no input, or no `vmIds`), or only what the
 * plan of these VMs rests on (the backup review). An empty list is refused rather than answered
 * "nothing out of date": asking about no VM is a caller's mistake, and would hide the warning.
 */
export const staleHostFactsInput = z
  .object({
    vmIds: z
      .array(z.string().trim().min(1).max(200))
      .min(1, 'Name at least one VM, or none for the whole estate')
      .max(STALE_FACTS_MAX_VMS, `Ask about at most ${STALE_FACTS_MAX_VMS.toLocaleString('en')} VMs at once`)
      .optional(),
  })
  .optional();
export type StaleHostFactsInput = z.input<typeof staleHostFactsInput>;

export const HOST_VOLUME_SORTS = ['name', 'host', 'freeBytes', 'vmCount'] as const;
export type HostVolumeSort = (typeof HOST_VOLUME_SORTS)[number];

export const hostVolumeListQueryInput = z.object({
  hostId: optionalId,
  arrayVolumeId: optionalId,
  /** Only volumes with VSS on (true) or off (false). */
  vssEnabled: z.boolean().optional(),
  /** Case-insensitive substring of the volume name. */
  search,
  sort: z.enum(HOST_VOLUME_SORTS).default('name'),
  direction,
  cursor,
  limit,
});
export type HostVolumeListQueryInput = z.input<typeof hostVolumeListQueryInput>;
export type HostVolumeListQuery = z.output<typeof hostVolumeListQueryInput>;

/** The host volume list's filters alone: what its count procedure takes. */
export const hostVolumeCountQueryInput = hostVolumeListQueryInput.omit(PAGE_KEYS);
export type HostVolumeCountQueryInput = z.input<typeof hostVolumeCountQueryInput>;
export type HostVolumeCountQuery = z.output<typeof hostVolumeCountQueryInput>;

export const ARRAY_SORTS = ['name', 'vendor'] as const;
export type ArraySort = (typeof ARRAY_SORTS)[number];

export const arrayListQueryInput = z.object({
  vendor: z.enum(ARRAY_VENDORS).optional(),
  search,
  sort: z.enum(ARRAY_SORTS).default('name'),
  direction,
  cursor,
  limit,
});
export type ArrayListQueryInput = z.input<typeof arrayListQueryInput>;
export type ArrayListQuery = z.output<typeof arrayListQueryInput>;

/** The array list's filters alone: what its count procedure takes. */
export const arrayCountQueryInput = arrayListQueryInput.omit(PAGE_KEYS);
export type ArrayCountQueryInput = z.input<typeof arrayCountQueryInput>;
export type ArrayCountQuery = z.output<typeof arrayCountQueryInput>;

export const findingsQueryInput = z.object({
  vmId: optionalId,
  hostId: optionalId,
});
export type FindingsQueryInput = z.input<typeof findingsQueryInput>;

export const idInput = z.object({ id: z.string().trim().min(1).max(200) });
export type IdInput = z.input<typeof idInput>;

/** VM ids a page holds without their names (a wizard opened by a link): at most a list page's worth, and some. */
export const vmNamesInput = z.object({
  ids: z
    .array(z.string().trim().min(1).max(200))
    .min(1, 'Name at least one VM')
    .max(500, 'Ask for at most 500 VMs at once'),
});
