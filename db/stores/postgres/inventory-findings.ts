/** Findings lists and the dashboard on PostgreSQL. */
import { and, asc, count, eq, sql } from 'drizzle-orm';
import { SEVERITIES } from '../../../server/engine/types';
import type { PgDb } from '../../pg/client';
import { findings, hosts, hostVolumes, storageArrays, vmAssessments, vms } from '../../pg/schema';
import type { Dashboard, FindingsFilter, FindingsList, StoredFinding } from '../ports/inventory-views';
import { tallyReadiness } from '../readiness-counts';
import {
  emptySeverityCounts,
  findingColumns,
  firstRow,
  isFindingOfPresentVm,
  selectFindings,
  shownReadiness,
  where,
} from './inventory-shared';

/**
 * The first findings of the whole estate, most serious first. Read severity by severity through the
 * (severity, vm_id) index, so a large estate is never sorted as a whole for one capped page.
 */
async function firstFindingsOfEstate(db: PgDb, cap: number): Promise<StoredFinding[]> {
  const result: StoredFinding[] = [];
  for (const severity of SEVERITIES) {
    const wanted = cap + 1 - result.length;
    if (wanted <= 0) break;
    const rows = (await db
      .select(findingColumns)
      .from(findings)
      .leftJoin(vms, eq(vms.id, findings.vmId))
      .where(and(eq(findings.severity, severity), isFindingOfPresentVm))
      .orderBy(asc(findings.severity), asc(findings.vmId))
      .limit(wanted)) as StoredFinding[];
    result.push(...rows);
  }
  return result;
}

/** Findings of a VM, of a host, or (no filter) of the estate: at most `cap`, counts over all. */
export async function listFindings(db: PgDb, query: FindingsFilter, cap: number): Promise<FindingsList> {
  const condition = where([
    query.vmId ? eq(findings.vmId, query.vmId) : undefined,
    query.hostId ? eq(findings.hostId, query.hostId) : undefined,
    // A VM's own page lists its findings even once it is gone; the estate and its hosts do not.
    query.vmId ? undefined : isFindingOfPresentVm,
  ]);
  const list =
    query.vmId || query.hostId
      ? await selectFindings(db, condition, cap + 1)
      : await firstFindingsOfEstate(db, cap);
  const byRule = await db
    .select({ ruleId: findings.ruleId, severity: findings.severity, count: count() })
    .from(findings)
    .leftJoin(vms, eq(vms.id, findings.vmId))
    .where(condition)
    .groupBy(findings.ruleId, findings.severity)
    .orderBy(sql`count(*) desc`, asc(findings.ruleId));
  const bySeverity = emptySeverityCounts();
  for (const row of byRule) bySeverity[row.severity] += row.count;
  return {
    findings: list.slice(0, cap),
    isTruncated: list.length > cap,
    counts: { total: byRule.reduce((sum, row) => sum + row.count, 0), bySeverity, byRule },
  };
}

export async function getDashboard(db: PgDb, topFindingsLimit: number): Promise<Dashboard> {
  const countOf = async (table: typeof hosts | typeof vms | typeof hostVolumes | typeof storageArrays) =>
    (await db.select({ n: count() }).from(table).then(firstRow))?.n ?? 0;
  const { readinessCounts, goneVmCount } = tallyReadiness(
    await db
      .select({ readiness: shownReadiness, n: count() })
      .from(vmAssessments)
      .innerJoin(vms, eq(vms.id, vmAssessments.vmId))
      .groupBy(shownReadiness),
  );
  const topFindings = await db
    .select({
      ruleId: findings.ruleId,
      severity: findings.severity,
      count: count(),
      vmCount: sql<number>`count(distinct ${findings.vmId})::int`,
    })
    .from(findings)
    .leftJoin(vms, eq(vms.id, findings.vmId))
    .where(isFindingOfPresentVm)
    // The rank follows from the severity; PostgreSQL wants every ordered column grouped.
    .groupBy(findings.ruleId, findings.severity, findings.severityRank)
    .orderBy(sql`count(*) desc`, asc(findings.severityRank), asc(findings.ruleId))
    .limit(topFindingsLimit);
  return {
    totals: {
      hosts: await countOf(hosts),
      vms: await countOf(vms),
      volumes: await countOf(hostVolumes),
      arrays: await countOf(storageArrays),
    },
    readiness: readinessCounts,
    goneVms: goneVmCount,
    topFindings,
  };
}
