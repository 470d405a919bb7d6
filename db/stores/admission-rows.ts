/**
 * What admission reads of each active operation, shared by both store implementations: its state
 * and the plan's lock keys, hosts and arrays, which each database extracts from the stored plan
 * (never the whole plan: with 10,000 queued, every claim would parse 10,000 plans).
 */
import type { OperationStatus } from '../../server/engine/statuses';

export interface AdmissionRow {
  id: string;
  status: OperationStatus;
  createdAt: Date;
  waitingReason: string | null;
  lockKeys: string[];
  hostIds: string[];
  arrayIds: string[];
}

/** The plan's lists as the database returned them: JSON text (SQLite), parsed (PostgreSQL) or absent. */
type ExtractedList = string | string[] | null;

export function admissionRowOf(
  row: Omit<AdmissionRow, 'lockKeys' | 'hostIds' | 'arrayIds'> & {
    lockKeys: ExtractedList;
    hostIds: ExtractedList;
    arrayIds: ExtractedList;
  },
): AdmissionRow {
  const list = (value: ExtractedList): string[] =>
    value === null ? [] : typeof value === 'string' ? (JSON.parse(value) as string[]) : value;
  return { ...row, lockKeys: list(row.lockKeys), hostIds: list(row.hostIds), arrayIds: list(row.arrayIds) };
}

/** The engine's view of an operation for decideAdmission. */
export function admissionCandidateOf(op: AdmissionRow) {
  return {
    operationId: op.id,
    createdAt: op.createdAt,
    lockKeys: op.lockKeys,
    hostIds: op.hostIds,
    arrayIds: op.arrayIds,
  };
}
