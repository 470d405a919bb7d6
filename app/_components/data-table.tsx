'use client';

import {
  type ColumnDef,
  type RowData,
  rowPaginationFeature,
  rowSortingFeature,
  type SortingState,
  tableFeatures,
  useTable,
} from '@tanstack/react-table';
import type { ReactNode } from 'react';
import { Pager, type PageTotal } from './pager';
import { ariaSortOf, SortHeaderButton } from './sort-header';
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from './ui/table';

/** The TanStack Table features every list uses: sorting and paging, both done by the server. */
export const dataTableFeatures = tableFeatures({ rowSortingFeature, rowPaginationFeature });

/** A column of a DataTable: TanStack's column definition, with the cell's class (widths, numbers). */
export type DataTableColumn<Row extends RowData> = ColumnDef<typeof dataTableFeatures, Row> & {
  meta?: { className?: string };
};

export interface DataTableSort {
  /** The column the server sorted by. */
  columnId: string;
  direction: 'asc' | 'desc';
}

export interface DataTablePage {
  nextCursor: string | null;
  /** Every match over all pages, when the list counts them (asked apart from the page). */
  total?: PageTotal;
  noun: string;
}

/**
 * The one table of every list: TanStack Table renders the columns, the server sorts and pages.
 * A column is sortable when its id is in `sortableColumnIds`; its header toggles the order through
 * `onSort` (the list writes it to the URL), and `aria-sort` says the current one. `page` adds the
 * cursor pager under the rows.
 */
export function DataTable<Row extends RowData>({
  columns,
  rows,
  getRowId,
  caption,
  sort,
  sortableColumnIds = [],
  onSort,
  isBusy,
  page,
  label,
}: {
  columns: DataTableColumn<Row>[];
  rows: Row[];
  getRowId: (row: Row) => string;
  caption?: ReactNode;
  sort?: DataTableSort;
  sortableColumnIds?: readonly string[];
  onSort?: (columnId: string, direction: 'asc' | 'desc') => void;
  /** True while a newer page is being fetched (the rows shown are the previous ones). */
  isBusy?: boolean;
  page?: DataTablePage;
  /** The table's accessible name, when the caption is not enough. */
  label?: string;
}) {
  const sorting: SortingState = sort ? [{ id: sort.columnId, desc: sort.direction === 'desc' }] : [];
  const table = useTable({
    features: dataTableFeatures,
    columns,
    data: rows,
    getRowId,
    state: { sorting, pagination: { pageIndex: 0, pageSize: Math.max(rows.length, 1) } },
    manualSorting: true,
    manualPagination: true,
    rowCount: typeof page?.total === 'number' ? page.total : rows.length,
  });
  const toggle = (columnId: string) => {
    const isCurrent = sort?.columnId === columnId;
    onSort?.(columnId, isCurrent && sort?.direction === 'asc' ? 'desc' : 'asc');
  };

  return (
    <>
      <Table aria-busy={isBusy} aria-label={label}>
        {caption ? <TableCaption>{caption}</TableCaption> : null}
        <TableHeader>
          {table.getHeaderGroups().map((headerGroup) => (
            <TableRow key={headerGroup.id}>
              {headerGroup.headers.map((header) => {
                const columnId = header.column.id;
                const isSortable = sortableColumnIds.includes(columnId);
                const direction = isSortable ? header.column.getIsSorted() : false;
                const meta = header.column.columnDef.meta as { className?: string } | undefined;
                return (
                  <TableHead
                    key={header.id}
                    className={meta?.className}
                    aria-sort={isSortable ? ariaSortOf(direction) : undefined}
                  >
                    {isSortable ? (
                      <SortHeaderButton
                        label={<table.FlexRender header={header} />}
                        direction={direction}
                        onToggle={() => toggle(columnId)}
                      />
                    ) : (
                      <table.FlexRender header={header} />
                    )}
                  </TableHead>
                );
              })}
            </TableRow>
          ))}
        </TableHeader>
        <TableBody>
          {table.getRowModel().rows.map((row) => (
            <TableRow key={row.id}>
              {row.getAllCells().map((cell) => (
                <TableCell
                  key={cell.id}
                  className={(cell.column.columnDef.meta as { className?: string } | undefined)?.className}
                >
                  <table.FlexRender cell={cell} />
                </TableCell>
              ))}
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {page ? (
        <Pager nextCursor={page.nextCursor} total={page.total} shown={rows.length} noun={page.noun} />
      ) : null}
    </>
  );
}
