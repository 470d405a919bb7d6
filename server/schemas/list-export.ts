/**
 * The lists the console exports as CSV (GET /api/export/<list>): their names are the contract the
 * browser's links and the export route share; what each exports is in server/services/list-export.ts.
 */
export const EXPORTABLE_LISTS = [
  'vms',
  'hosts',
  'volumes',
  'arrays',
  'restore-points',
  'operations',
  'jobs',
] as const;

export type ExportableList = (typeof EXPORTABLE_LISTS)[number];

export function isExportableList(name: string): name is ExportableList {
  return (EXPORTABLE_LISTS as readonly string[]).includes(name);
}
