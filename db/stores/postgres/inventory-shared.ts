/** Pieces shared by the SQLite inventory views. */
import { and, asc, eq, type SQL } from 'drizzle-orm';
import { READINESS, type Readiness, SEVERITIES, type Severity } from '../../../server/engine/types';
import type { PgDb } from '../../pg/client';
import { findings, vms } from '../../pg/schema';
import type { StoredFinding } from '../ports/inventory-views';

export function where(conditions: (SQL | undefined)[]): SQL | undefined {
  const present = conditions.filter((condition): condition is SQL => condition !== undefined);
  return present.length === 0 ? undefined : and(...present);
}

export function emptyReadinessCounts(): Record<Readiness, number> {
  return Object.fromEntries(READINESS.map((readiness) => [readiness, 0])) as Record<Readiness, number>;
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

export async function selectFindings(
  db: PgDb,
  condition: SQL | undefined,
  limit?: number,
): Promise<StoredFinding[]> {
  const query = db
    .select(findingColumns)
    .from(findings)
    .leftJoin(vms, eq(vms.id, findings.vmId))
    .where(condition)
    .orderBy(asc(findings.severityRank), asc(findings.ruleId), asc(vms.name), asc(findings.id));
  return (await (limit === undefined ? query : query.limit(limit))) as StoredFinding[];
}

/** The first row of a result, or undefined (drizzle's pg builder resolves to arrays). */
export function firstRow<T>(rows: T[]): T | undefined {
  return rows[0];
}
