'use client';

import { DataTable, type DataTableColumn } from './data-table';

/** The inventory's sections as an operator reads them. */
export const INVENTORY_SECTION_LABELS = {
  hosts: 'Hosts',
  hostVolumes: 'Host volumes / SRs',
  vms: 'VMs',
  virtualDisks: 'Virtual disks',
  guestVolumes: 'Guest volumes',
  arrays: 'Storage arrays',
  arrayVolumes: 'Array volumes / LUNs',
  consistencyGroups: 'Consistency groups',
} as const;

export type InventorySection = keyof typeof INVENTORY_SECTION_LABELS;
type SectionCounts = Partial<Record<InventorySection, number>>;

/** One column of counts per section (what the console holds, what the file holds, what was stored). */
export interface SectionCountColumn {
  header: string;
  counts: SectionCounts;
}

/**
 * Objects per inventory section side by side: the import's result and a replace's preview (on the
 * import page and on its approval) read the same, each section a row named by its label.
 */
export function SectionCountsTable({ caption, columns }: { caption: string; columns: SectionCountColumn[] }) {
  const tableColumns: DataTableColumn<{ section: InventorySection }>[] = [
    {
      id: 'section',
      header: 'Objects',
      meta: { isRowHeader: true, cellClassName: 'font-normal' },
      cell: ({ row }) => INVENTORY_SECTION_LABELS[row.original.section],
    },
    ...columns.map(
      (column, index): DataTableColumn<{ section: InventorySection }> => ({
        id: `counts-${index}`,
        header: column.header,
        meta: { className: 'text-right tabular-nums' },
        cell: ({ row }) => column.counts[row.original.section] ?? 0,
      }),
    ),
  ];
  return (
    <DataTable
      columns={tableColumns}
      rows={(Object.keys(INVENTORY_SECTION_LABELS) as InventorySection[]).map((section) => ({ section }))}
      getRowId={(row) => row.section}
      caption={caption}
    />
  );
}
