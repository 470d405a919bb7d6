/**
 * The VM list's filters on SQLite, each a condition written once with placeholders and the values it
 * takes from a query. The list and its count are prepared once per shape (which filters apply, and
 * for a page its sort, direction and whether it continues from a cursor) and run with the values:
 * building the page's query with Drizzle for every call cost almost as much as running it (0.46
 * against 0.30 ms for the first page of 50 on the bench's 20,000-VM estate, issue 13).
 *
 * IN (subquery) filters use the (filter, vm_id) indexes of disks and findings directly. `now`
 * decides the protection statuses (VM-UNPROTECTED and RPO-EXCEEDED are statuses, not stored
 * findings).
 */
import { and, eq, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import { type ProtectionStatus, protectionStatusOfRule } from '../../../server/engine/protection';
import { POWER_STATE_NOT_READ, type VmCountQuery } from '../../../server/schemas/inventory-queries';
import { vms } from '../../schema';
import { isFindingOfPresentVm, readinessIs, where } from './inventory-shared';
import { containsPattern, likeContains } from './keyset';
import { vmIdsWithProtectionStatus } from './protection';

interface VmFilter {
  /** Its part of the shape's name: one statement per set of applying filters. */
  name: string;
  condition: SQL;
  /** The placeholders' values when it applies; undefined when the query does not ask for it. */
  valuesOf(query: VmCountQuery, now: Date): Record<string, unknown> | undefined;
}

const at = (name: string) => sql.placeholder(name);
const nowMs = (now: Date) => now.getTime();

/** A finding rule that is a protection status is asked of the statuses; any other of the findings. */
function findingRuleOf(query: VmCountQuery): string | undefined {
  return protectionStatusOfRule(query.ruleId) ? undefined : query.ruleId;
}

/** A filter's values when the query asks for it: an empty search asks for nothing. */
function whenSet<T extends string>(value: T | undefined, values: (value: T) => Record<string, unknown>) {
  return value ? values(value) : undefined;
}

/**
 * VMs with a finding matching `conditions`, on their host: a gone VM's findings are its last word,
 * on its own page, and no longer the estate's (the dashboard's most common findings leave them out,
 * and its count of the VMs a finding affects is the count of this list its link opens).
 */
const FINDINGS_OF = (conditions: SQL) =>
  sql`(${isFindingOfPresentVm} and "vms"."id" in (select f.vm_id from findings f where ${conditions}))`;

/** In the order the conditions are joined (the statement's text follows it). */
const VM_FILTERS: VmFilter[] = [
  {
    name: 'protection',
    condition: sql`"vms"."id" in ${vmIdsWithProtectionStatus(at('protection'), at('now'))}`,
    valuesOf: (query, now) => whenSet(query.protection, (protection) => ({ protection, now: nowMs(now) })),
  },
  {
    name: 'ruleStatus',
    condition: sql`"vms"."id" in ${vmIdsWithProtectionStatus(at('ruleStatus'), at('now'))}`,
    valuesOf: (query, now) =>
      whenSet<ProtectionStatus>(protectionStatusOfRule(query.ruleId) ?? undefined, (ruleStatus) => ({
        ruleStatus,
        now: nowMs(now),
      })),
  },
  {
    name: 'host',
    condition: eq(vms.hostId, at('hostId')),
    valuesOf: (query) => whenSet(query.hostId, (hostId) => ({ hostId })),
  },
  {
    name: 'os',
    // An unread guest's stored OS is a reader's default: it matches no OS (shownOsFamily).
    condition: and(eq(vms.osFamily, at('osFamily')), isNull(vms.guestFactsUnknown)) as SQL,
    valuesOf: (query) => whenSet(query.osFamily, (osFamily) => ({ osFamily })),
  },
  // A VM whose state was not read is planned as running: it is listed under "not read", never
  // under the state it is planned as, which nobody read.
  {
    name: 'power',
    condition: and(eq(vms.powerState, at('powerState')), isNull(vms.powerStateUnknown)) as SQL,
    valuesOf: (query) =>
      query.powerState === POWER_STATE_NOT_READ
        ? undefined
        : whenSet(query.powerState, (powerState) => ({ powerState })),
  },
  {
    name: 'powerNotRead',
    condition: isNotNull(vms.powerStateUnknown),
    valuesOf: (query) => (query.powerState === POWER_STATE_NOT_READ ? {} : undefined),
  },
  {
    name: 'gone',
    condition: isNotNull(vms.goneSince),
    valuesOf: (query) => (query.presence === 'gone' ? {} : undefined),
  },
  {
    name: 'present',
    condition: isNull(vms.goneSince),
    valuesOf: (query) => (query.presence === 'present' ? {} : undefined),
  },
  {
    name: 'readiness',
    condition: readinessIs(at('readiness')),
    valuesOf: (query) => whenSet(query.readiness, (readiness) => ({ readiness })),
  },
  {
    name: 'search',
    condition: likeContains(vms.name, at('search')),
    valuesOf: (query) => whenSet(query.search, (search) => ({ search: containsPattern(search) })),
  },
  // applications and tags are JSON arrays of a few items; json_each keeps the filter in SQL.
  {
    name: 'application',
    condition: sql`exists (select 1 from json_each(${vms.applications}) a where a.value = ${at('application')})`,
    valuesOf: (query) => whenSet(query.application, (application) => ({ application })),
  },
  {
    name: 'tag',
    condition: sql`exists (select 1 from json_each(${vms.tags}) t where t.value = ${at('tag')})`,
    valuesOf: (query) => whenSet(query.tag, (tag) => ({ tag })),
  },
  {
    name: 'hostVolume',
    condition: sql`"vms"."id" in (select d.vm_id from virtual_disks d where d.host_volume_id = ${at('hostVolumeId')})`,
    valuesOf: (query) => whenSet(query.hostVolumeId, (hostVolumeId) => ({ hostVolumeId })),
  },
  {
    name: 'arrayVolume',
    condition: sql`"vms"."id" in (select d.vm_id from virtual_disks d where d.array_volume_id = ${at('arrayVolumeId')}
          union select d.vm_id from virtual_disks d where d.host_volume_id in
            (select hv.id from host_volumes hv where hv.array_volume_id = ${at('arrayVolumeId')}))`,
    valuesOf: (query) => whenSet(query.arrayVolumeId, (arrayVolumeId) => ({ arrayVolumeId })),
  },
  // One finding with both the rule and the severity, when both are asked: not two findings.
  {
    name: 'findingRule',
    condition: FINDINGS_OF(sql`f.rule_id = ${at('findingRule')}`),
    valuesOf: (query) =>
      query.severity ? undefined : whenSet(findingRuleOf(query), (findingRule) => ({ findingRule })),
  },
  {
    name: 'severity',
    condition: FINDINGS_OF(sql`f.severity = ${at('severity')}`),
    valuesOf: (query) =>
      findingRuleOf(query) ? undefined : whenSet(query.severity, (severity) => ({ severity })),
  },
  {
    name: 'findingRuleAndSeverity',
    condition: FINDINGS_OF(sql`f.rule_id = ${at('findingRule')} and f.severity = ${at('severity')}`),
    valuesOf: (query) => {
      const findingRule = findingRuleOf(query);
      return findingRule && query.severity ? { findingRule, severity: query.severity } : undefined;
    },
  },
];

export interface VmFilterShape {
  /** The applying filters' names, joined: the statement's name within its list. */
  name: string;
  /** The applying conditions joined with `and` (undefined when none applies), for building it. */
  condition: () => SQL | undefined;
  /** Every placeholder's value. */
  values: Record<string, unknown>;
}

/** The filters a query asks for, as a shape to prepare and the values to run it with. */
export function vmFilterShape(query: VmCountQuery, now: Date): VmFilterShape {
  const applying: VmFilter[] = [];
  let values: Record<string, unknown> = {};
  for (const filter of VM_FILTERS) {
    const filterValues = filter.valuesOf(query, now);
    if (filterValues === undefined) continue;
    applying.push(filter);
    values = { ...values, ...filterValues };
  }
  return {
    name: applying.map((filter) => filter.name).join('+'),
    condition: () => where(applying.map((filter) => filter.condition)),
    values,
  };
}
