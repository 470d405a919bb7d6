/** Findings lists and the dashboard on SQLite. */
import { and, asc, count, eq, sql } from 'drizzle-orm';
import { SEVERITIES } from '../../../server/engine/types';
import type { Db } from '../../client';
import { findings, hosts, hostVolumes, storageArrays, vmAssessments, vms } from '../../schema';
import type { Dashboard, FindingsFilter, FindingsList, StoredFinding } from '../ports/inventory-views';
import { tallyReadiness } from '../readiness-counts';
import {
  emptySeverityCounts,
  findingColumns,
  isFindingOfPresentVm,
  selectFindings,
  shownReadiness,
  where,
} from './inventory-shared';

/**
 * The first findings of the whole estate, most serious first. Read severity by severity through the
 * (severity, vm_id) index, so a large estate is never sorted as a whole for one capped page.
 */
function firstFindingsOfEstate(db: Db, cap: number): StoredFinding[] {
  const result: StoredFinding[] = [];
  for (const severity of SEVERITIES) {
    const wanted = cap + 1 - result.length;
    if (wanted <= 0) break;
    const rows = db
      .select(findingColumns)
      .from(findings)
      .leftJoin(vms, eq(vms.id, findings.vmId))
      .where(and(eq(findings.severity, severity), isFindingOfPresentVm))
      .orderBy(asc(findings.severity), asc(findings.vmId))
      .limit(wanted)
      .all() as StoredFinding[];
    result.push(...rows);
  }
  return result;
}

/** Findings of a VM, of a host, or (no filter) of the estate: at most `cap`, counts over all. */
export function listFindings(db: Db, query: FindingsFilter, cap: number): FindingsList {
  const condition = where([
    query.vmId ? eq(findings.vmId, query.vmId) : undefined,
    query.hostId ? eq(findings.hostId, query.hostId) : undefined,
    // A VM's own page lists its findings even once it is gone; the estate and its hosts do not.
    query.vmId ? undefined : isFindingOfPresentVm,
  ]);
  const list =
    query.vmId || query.hostId ? selectFindings(db, condition, cap + 1) : firstFindingsOfEstate(db, cap);
  const byRule = db
    .select({ ruleId: findings.ruleId, severity: findings.severity, count: count() })
    .from(findings)
    .leftJoin(vms, eq(vms.id, findings.vmId))
    .where(condition)
    .groupBy(findings.ruleId, findings.severity)
    .orderBy(sql`count(*) desc`, asc(findings.ruleId))
    .all();
  const bySeverity = emptySeverityCounts();
  for (const row of byRule) bySeverity[row.severity] += row.count;
  return {
    findings: list.slice(0, cap),
    isTruncated: list.length > cap,
    counts: { total: byRule.reduce((sum, row) => sum + row.count, 0), bySeverity, byRule },
  };
}

export function getDashboard(db: Db, topFindingsLimit: number): Dashboard {
  const countOf = (table: typeof hosts | typeof vms | typeof hostVolumes | typeof storageArrays) =>
    db.select({ n: count() }).from(table).get()?.n ?? 0;
  const { readinessCounts, goneVmCount } = tallyReadiness(
    db
      .select({ readiness: shownReadiness, n: count() })
      .from(vmAssessments)
      .innerJoin(vms, eq(vms.id, vmAssessments.vmId))
      .groupBy(shownReadiness)
      .all(),
  );
  const topFindings = db
    .select({
      ruleId: findings.ruleId,
      severity: findings.severity,
      count: count(),
      vmCount: sql<number>`count(distinct ${findings.vmId})`,
    })
    .from(findings)
    .leftJoin(vms, eq(vms.id, findings.vmId))
    .where(isFindingOfPresentVm)
    .groupBy(findings.ruleId, findings.severity)
    .orderBy(sql`count(*) desc`, asc(findings.severityRank), asc(findings.ruleId))
    .limit(topFindingsLimit)
    .all();
  return {
    totals: {
      hosts: countOf(hosts),
      vms: countOf(vms),
      volumes: countOf(hostVolumes),
      arrays: countOf(storageArrays),
    },
    readiness: readinessCounts,
    goneVms: goneVmCount,
    topFindings,
  };
}
