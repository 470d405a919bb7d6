/** Pieces shared by the SQLite inventory views. */
import { and, asc, eq, isNull, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { OsFamily } from '../../../server/engine/inventory';
import { type BackupMethod, type Readiness, SEVERITIES, type Severity } from '../../../server/engine/types';
import type { Db } from '../../client';
import { powerStateRank } from '../../power-state-order';
import { findings, vmAssessments, vms } from '../../schema';
import type { StoredFinding } from '../ports/inventory-views';

export function where(conditions: (SQL | undefined)[]): SQL | undefined {
  const present = conditions.filter((condition): condition is SQL => condition !== undefined);
  return present.length === 0 ? undefined : and(...present);
}

export { emptyReadinessCounts } from '../readiness-counts';

/** The VM is on its host: only then has it a readiness (db/stores/readiness-counts.ts says why). */
export const hasReadiness: SQL = isNull(vms.goneSince);

/**
 * A finding not of a VM gone from its host (a host's own findings have no VM and count): a gone VM's
 * findings are its last word, shown on its own page, not counted or listed as the estate's or its
 * host's, as it has no readiness there. For reads that left-join vms on the finding's VM.
 */
export const isFindingOfPresentVm: SQL = hasReadiness;

/**
 * The VM's readiness as every view shows and counts it: its stored one, null while it is gone.
 * For reads that join vms and vm_assessments (with one table drizzle would leave it unqualified).
 */
export const shownReadiness = sql<Readiness | null>`case when ${hasReadiness} then ${vmAssessments.readiness} end`;

/**
 * The VM's OS as the views show and filter it: null while its guest could not be read
 * (`guest_facts_unknown`), as the readers store a default there (Hyper-V 'windows', a XenServer
 * guest without metrics 'linux') that nobody read.
 */
export const shownOsFamily = sql<OsFamily | null>`case when ${vms.guestFactsUnknown} is null then ${vms.osFamily} end`;

/** The power-state sort's key: a state not read ranks after every state read (../power-state-order.ts). */
export const shownPowerStateRank = powerStateRank(vms.powerState, vms.powerStateUnknown);

/**
 * The method the views say a backup would use: the stored recommendation while the VM is on its
 * host, none while it is gone (a backup refuses it, and its readiness, read off that method, is none).
 */
export const shownRecommendedMethod = sql<BackupMethod | null>`case when ${hasReadiness} then ${vmAssessments.recommendedMethod} end`;

/**
 * The VM's blocker and warning counts as the VM list and its export show them: the stored ones
 * while the VM is on its host, none while it is gone (as its readiness, and as the list's severity
 * filter leaves it out: isFindingOfPresentVm). Its own page keeps its findings, as its last word.
 */
export const shownBlockerCount = sql<
  number | null
>`case when ${hasReadiness} then ${vmAssessments.blockerCount} end`;
export const shownWarningCount = sql<
  number | null
>`case when ${hasReadiness} then ${vmAssessments.warningCount} end`;

/** The VM list's readiness filter: the readiness shown, written so the indexes still serve it. */
export function readinessIs(readiness: SQLWrapper | Readiness): SQL {
  return and(hasReadiness, eq(vmAssessments.readiness, readiness)) as SQL;
}

export function emptySeverityCounts(): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<Severity, number>;
}

// Correlated subqueries in these files are written with explicit table names and aliases: drizzle
// leaves column names unqualified when the outer query has a single table, which would silently
// bind them to the inner table instead (host and array counts came out as 0).

export const findingColumns = {
  id: findings.id,
  vmId: findings.vmId,
  vmName: vms.name,
  hostId: findings.hostId,
  ruleId: findings.ruleId,
  severity: findings.severity,
  message: findings.message,
  remedy: findings.remedy,
  methods: findings.methodsJson,
  objects: findings.objectsJson,
};

export function selectFindings(db: Db, condition: SQL | undefined, limit?: number): StoredFinding[] {
  const query = db
    .select(findingColumns)
    .from(findings)
    .leftJoin(vms, eq(vms.id, findings.vmId))
    .where(condition)
    .orderBy(asc(findings.severityRank), asc(findings.ruleId), asc(vms.name), asc(findings.id));
  return (limit === undefined ? query.all() : query.limit(limit).all()) as StoredFinding[];
}
