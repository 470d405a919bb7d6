/**
 * Every list of the console as CSV, with the filters and order the operator has on screen: the
 * rows are read a page at a time through the same list queries the pages use (filtered and
 * sorted in SQL), so an export of 20,000 VMs never sits in memory. Values are the words the
 * console shows; sizes are GiB; times are ISO 8601 in UTC (a spreadsheet converts them).
 */
import { z } from 'zod';
import type { Stores } from '../../db/stores/ports';
import type { Page } from '../../db/stores/ports/page';
import type { ServiceContext } from '../context';
import { READINESS_LABELS } from '../engine/types';
import {
  consistencyLabel,
  HOST_VOLUME_KIND_LABELS,
  HYPERVISOR_LABELS,
  METHOD_LABELS,
  OPERATION_KIND_LABELS,
  OPERATION_STATUS_LABELS,
  PROTECTION_STATUS_LABELS,
  powerStateLabel,
  VENDOR_LABELS,
} from '../engine/words';
import {
  arrayListQueryInput,
  hostListQueryInput,
  hostVolumeListQueryInput,
  vmListQueryInput,
} from '../schemas/inventory-queries';
import { EXPORTABLE_LISTS, type ExportableList, isExportableList } from '../schemas/list-export';
import { operationListQueryInput } from '../schemas/operation-queries';
import { restorePointBrowseQueryInput } from '../schemas/restore-points';
import { listBackupJobs } from './backup-job-service';
import { csvLine } from './csv';
import { listArrays } from './inventory/arrays';
import { listHostVolumes } from './inventory/host-volumes';
import { listHosts } from './inventory/hosts';
import { listVms } from './inventory/vms';
import { listOperations } from './operations-service';
import { browseRestorePoints } from './restore-point-browser-service';

const GIB = 1024 ** 3;
/** How many rows each page read brings: big enough to be quick, small enough to stream. */
const EXPORT_PAGE_SIZE = 100;

type ExportStores = Stores;

interface Column<Row> {
  header: string;
  value: (row: Row) => string | number | boolean | Date | null;
}

interface ListExport<Row> {
  /** The list's filters and order (no cursor, no limit): what the page sends as the query. */
  query: z.ZodType;
  /** The name of the file the browser saves. */
  fileName: string;
  page(stores: ExportStores, ctx: ServiceContext, query: object, cursor: string | null): Promise<Page<Row>>;
  columns: Column<Row>[];
}

function defineExport<Row>(definition: ListExport<Row>): ListExport<unknown> {
  return definition as ListExport<unknown>;
}

const gib = (bytes: number | null) => (bytes === null ? null : Number((bytes / GIB).toFixed(2)));
const withCursor = (query: object, cursor: string | null) => ({
  ...query,
  cursor: cursor ?? undefined,
  limit: EXPORT_PAGE_SIZE,
});

const yesNo = (value: boolean) => (value ? 'yes' : 'no');

const LIST_EXPORTS = {
  vms: defineExport({
    query: vmListQueryInput,
    fileName: 'vms',
    page: (stores, ctx, query, cursor) => listVms(stores, ctx, withCursor(query, cursor)),
    columns: [
      { header: 'VM', value: (vm) => vm.name },
      { header: 'Host', value: (vm) => vm.hostName },
      { header: 'OS', value: (vm) => vm.osFamily ?? 'not read' },
      // As the list shows it: a state that was not read is said to be, never the planned one alone.
      { header: 'Power state', value: (vm) => powerStateLabel(vm) },
      // A listed VM has no readiness only while it is gone from its host.
      { header: 'Readiness', value: (vm) => (vm.readiness ? READINESS_LABELS[vm.readiness] : 'none: gone') },
      {
        header: 'Recommended method',
        value: (vm) => (vm.recommendedMethod ? METHOD_LABELS[vm.recommendedMethod] : 'none'),
      },
      // Empty while the VM is gone from its host, as the list's severity filter leaves it out.
      { header: 'Blockers', value: (vm) => vm.blockerCount },
      { header: 'Warnings', value: (vm) => vm.warningCount },
      {
        header: 'Protection',
        value: (vm) => (vm.protection ? PROTECTION_STATUS_LABELS[vm.protection.status] : 'not read'),
      },
      { header: 'Last good point (UTC)', value: (vm) => vm.protection?.lastPoint?.createdAt ?? null },
      { header: 'RPO (hours)', value: (vm) => vm.protection?.rpoHours ?? null },
      { header: 'Gone from its host since (UTC)', value: (vm) => vm.goneSince },
    ],
  }),
  hosts: defineExport({
    query: hostListQueryInput,
    fileName: 'hosts',
    page: (stores, _ctx, query, cursor) => listHosts(stores, withCursor(query, cursor)),
    columns: [
      { header: 'Host', value: (host) => host.name },
      { header: 'Hypervisor', value: (host) => HYPERVISOR_LABELS[host.kind] },
      { header: 'Version', value: (host) => host.version },
      { header: 'Pool', value: (host) => host.pool },
      { header: 'VMs', value: (host) => host.vmCount },
      { header: 'Volumes', value: (host) => host.volumeCount },
    ],
  }),
  volumes: defineExport({
    query: hostVolumeListQueryInput,
    fileName: 'volumes',
    page: (stores, _ctx, query, cursor) => listHostVolumes(stores, withCursor(query, cursor)),
    columns: [
      { header: 'Volume', value: (volume) => volume.name },
      { header: 'Host', value: (volume) => volume.hostName },
      { header: 'Kind', value: (volume) => HOST_VOLUME_KIND_LABELS[volume.kind] },
      { header: 'Size (GiB)', value: (volume) => gib(volume.sizeBytes) },
      { header: 'Free (GiB)', value: (volume) => gib(volume.freeBytes) },
      // VSS and shadow storage are a Windows volume's; a XenServer SR leaves them empty.
      { header: 'VSS', value: (volume) => (volume.kind === 'sr' ? null : yesNo(volume.vssEnabled)) },
      {
        header: 'Shadow storage on',
        value: (volume) => (volume.kind === 'sr' ? null : volume.shadowStorageVolumeName),
      },
      // An SR's facts as its pool reports them; empty for a Windows volume or where not read.
      { header: 'SR type', value: (volume) => volume.storageType ?? null },
      { header: 'SR shared', value: (volume) => (volume.isShared == null ? null : yesNo(volume.isShared)) },
      {
        header: 'SR can snapshot',
        value: (volume) => (volume.canSnapshot == null ? null : yesNo(volume.canSnapshot)),
      },
      { header: 'Array', value: (volume) => volume.arrayName },
      { header: 'Array volume', value: (volume) => volume.arrayVolumeName },
      { header: 'VMs', value: (volume) => volume.vmCount },
    ],
  }),
  arrays: defineExport({
    query: arrayListQueryInput,
    fileName: 'arrays',
    page: (stores, _ctx, query, cursor) => listArrays(stores, withCursor(query, cursor)),
    columns: [
      { header: 'Array', value: (array) => array.name },
      { header: 'Vendor', value: (array) => VENDOR_LABELS[array.vendor] },
      { header: 'Snapshots', value: (array) => yesNo(array.supportsSnapshots) },
      { header: 'Volumes', value: (array) => array.volumeCount },
      { header: 'Consistency groups', value: (array) => array.consistencyGroupCount },
      { header: 'VMs', value: (array) => array.vmCount },
    ],
  }),
  'restore-points': defineExport({
    query: restorePointBrowseQueryInput,
    fileName: 'restore-points',
    page: (stores, _ctx, query, cursor) => browseRestorePoints(stores, withCursor(query, cursor)),
    columns: [
      { header: 'VM', value: (point) => point.vmName },
      { header: 'Host', value: (point) => point.hostName },
      { header: 'Taken (UTC)', value: (point) => point.createdAt },
      { header: 'Method', value: (point) => METHOD_LABELS[point.method] },
      { header: 'Consistency', value: (point) => consistencyLabel(point.consistency, point.captureState) },
      { header: 'Why this consistency', value: (point) => point.consistencyReason },
      {
        header: 'Complete',
        value: (point) =>
          point.isPartial ? `partial: ${point.missingDiskIds.length} disk(s) missing` : 'yes',
      },
      { header: 'Size (GiB)', value: (point) => gib(point.sizeBytes) },
      { header: 'Expires (UTC)', value: (point) => point.expiresAt },
      { header: 'Last verified (UTC)', value: (point) => point.lastVerifiedAt },
      { header: 'Verification', value: (point) => point.lastVerdict },
    ],
  }),
  operations: defineExport({
    query: operationListQueryInput,
    fileName: 'operations',
    page: (stores, _ctx, query, cursor) => listOperations(stores, withCursor(query, cursor)),
    columns: [
      { header: 'Operation', value: (operation) => operation.title },
      { header: 'Kind', value: (operation) => OPERATION_KIND_LABELS[operation.kind] },
      { header: 'Status', value: (operation) => OPERATION_STATUS_LABELS[operation.status] },
      { header: 'Requested (UTC)', value: (operation) => operation.createdAt },
      { header: 'Started (UTC)', value: (operation) => operation.startedAt },
      { header: 'Finished (UTC)', value: (operation) => operation.finishedAt },
      { header: 'Steps done', value: (operation) => `${operation.stepsDone} of ${operation.stepsTotal}` },
      { header: 'Error', value: (operation) => operation.error },
      { header: 'Warnings', value: (operation) => operation.warnings.join('; ') },
    ],
  }),
  jobs: defineExport({
    // Jobs are few and listed whole: one page.
    query: z.object({}),
    fileName: 'backup-jobs',
    page: async (stores, ctx) => ({ items: await listBackupJobs(stores, ctx), nextCursor: null }),
    columns: [
      { header: 'Job', value: (job) => job.name },
      { header: 'Schedule', value: (job) => job.schedule?.description ?? 'manual only' },
      { header: 'Time zone', value: (job) => job.timeZone },
      { header: 'RPO (hours)', value: (job) => job.rpoHours },
      { header: 'Enabled', value: (job) => yesNo(job.isEnabled) },
      { header: 'Next run (UTC)', value: (job) => job.nextRunAt },
      {
        header: 'Last run',
        value: (job) => (job.lastOperation ? OPERATION_STATUS_LABELS[job.lastOperation.status] : 'never'),
      },
      { header: 'Last run at (UTC)', value: (job) => job.lastOperation?.createdAt ?? null },
    ],
  }),
} satisfies Record<ExportableList, unknown>;

export { EXPORTABLE_LISTS, type ExportableList, isExportableList };

/** The schema of a list's query (its filters and order), to validate what the page sent. */
export function exportQuerySchema(list: ExportableList): z.ZodType {
  return LIST_EXPORTS[list].query;
}

export function exportFileName(list: ExportableList, now: Date): string {
  return `migawka-${LIST_EXPORTS[list].fileName}-${now.toISOString().slice(0, 10)}.csv`;
}

function cellOf(value: string | number | boolean | Date | null): string {
  if (value === null) return '';
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/** The list's rows matching `query` as CSV lines (header first), in the list's order. */
export async function* listCsv(
  stores: ExportStores,
  ctx: ServiceContext,
  list: ExportableList,
  query: object,
): AsyncGenerator<string> {
  const { columns, page } = LIST_EXPORTS[list];
  yield csvLine(columns.map((column) => column.header));
  let cursor: string | null = null;
  do {
    const next: Page<unknown> = await page(stores, ctx, query, cursor);
    for (const row of next.items) yield csvLine(columns.map((column) => cellOf(column.value(row))));
    cursor = next.nextCursor;
  } while (cursor);
}
