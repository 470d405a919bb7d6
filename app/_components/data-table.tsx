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
import { cn } from '@/app/_lib/cn';
import { Pager, type PageTotal } from './pager';
import { ariaSortOf, SortHeaderButton } from './sort-header';
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from './ui/table';

/** The TanStack Table features every list uses: sorting and paging, both done by the server. */
export const dataTableFeatures = tableFeatures({ rowSortingFeature, rowPaginationFeature });

/**
 * How a column looks: `className` for its header and cells (widths, numbers), `cellClassName` for
 * its cells only (a name in medium weight); a row header names its row (`<th scope="row">`).
 */
export interface DataTableColumnMeta {
  className?: string;
  cellClassName?: string;
  isRowHeader?: boolean;
}

/** A column of a DataTable: TanStack's column definition, with how its cells look. */
export type DataTableColumn<Row extends RowData> = ColumnDef<typeof dataTableFeatures, Row> & {
  meta?: DataTableColumnMeta;
};

/** What a row says about itself: its accessible name, its class, whether it is the current one. */
export interface DataTableRowLook {
  label?: string;
  className?: string;
  isCurrent?: boolean;
}

/** A row header keeps the weight of a cell, not the small capitals of a column header. */
const ROW_HEADER_CLASS = 'text-sm font-medium normal-case tracking-normal text-fg';

function metaOf(column: { columnDef: unknown }): DataTableColumnMeta | undefined {
  return (column.columnDef as { meta?: DataTableColumnMeta }).meta;
}

export interface DataTableSort {
  /** The column the server sorted by. */
  columnId: string;
  direction: 'asc' | 'desc';
}

/** Rows the operator ticked for a bulk action; the table adds a checkbox column for them. */
export interface DataTableSelection<Row> {
  selectedIds: ReadonlySet<string>;
  onChange: (selectedIds: Set<string>) => void;
  /** Names the row in its checkbox's label ("Select web-01"). */
  nameOf: (row: Row) => string;
  /**
   * The rows shown are the previous query's while new ones load (a filter or page change): their
   * checkboxes are disabled, so "select every row" never ticks rows the new filter drops.
   */
  isStale?: boolean;
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
 * cursor pager under the rows. Without them it is the small table of a detail page or a wizard
 * (every row at once, in the order given).
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
  selection,
  rowLook,
  className,
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
  selection?: DataTableSelection<Row>;
  rowLook?: (row: Row) => DataTableRowLook;
  /** The table's own class (a narrower table inside a card). */
  className?: string;
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
      <Table aria-busy={isBusy} aria-label={label} className={className}>
        {caption ? <TableCaption>{caption}</TableCaption> : null}
        <TableHeader>
          {table.getHeaderGroups().map((headerGroup) => (
            <TableRow key={headerGroup.id}>
              {selection ? (
                <TableHead className="w-8">
                  <PageSelectionBox rows={rows} getRowId={getRowId} selection={selection} />
                </TableHead>
              ) : null}
              {headerGroup.headers.map((header) => {
                const columnId = header.column.id;
                const isSortable = sortableColumnIds.includes(columnId);
                const direction = isSortable ? header.column.getIsSorted() : false;
                const meta = metaOf(header.column);
                return (
                  <TableHead
                    key={header.id}
                    scope="col"
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
          {table.getRowModel().rows.map((row) => {
            const look = rowLook?.(row.original);
            return (
              <TableRow
                key={row.id}
                aria-label={look?.label}
                aria-current={look?.isCurrent ? 'true' : undefined}
                className={look?.className}
                data-state={selection?.selectedIds.has(row.id) ? 'selected' : undefined}
              >
                {selection ? (
                  <TableCell className="w-8">
                    <input
                      type="checkbox"
                      className="size-4 accent-brand-600"
                      aria-label={`Select ${selection.nameOf(row.original)}`}
                      checked={selection.selectedIds.has(row.id)}
                      disabled={selection.isStale}
                      onChange={(event) => {
                        const next = new Set(selection.selectedIds);
                        if (event.target.checked) next.add(row.id);
                        else next.delete(row.id);
                        selection.onChange(next);
                      }}
                    />
                  </TableCell>
                ) : null}
                {row.getAllCells().map((cell) => {
                  const meta = metaOf(cell.column);
                  return meta?.isRowHeader ? (
                    <TableHead
                      key={cell.id}
                      scope="row"
                      className={cn(ROW_HEADER_CLASS, meta.className, meta.cellClassName)}
                    >
                      <table.FlexRender cell={cell} />
                    </TableHead>
                  ) : (
                    <TableCell key={cell.id} className={cn(meta?.className, meta?.cellClassName)}>
                      <table.FlexRender cell={cell} />
                    </TableCell>
                  );
                })}
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
      {page ? (
        <Pager nextCursor={page.nextCursor} total={page.total} shown={rows.length} noun={page.noun} />
      ) : null}
    </>
  );
}

/** Ticks or clears every row of the page shown (rows ticked on other pages stay as they are). */
function PageSelectionBox<Row extends RowData>({
  rows,
  getRowId,
  selection,
}: {
  rows: Row[];
  getRowId: (row: Row) => string;
  selection: DataTableSelection<Row>;
}) {
  const ids = rows.map(getRowId);
  const ticked = ids.filter((id) => selection.selectedIds.has(id)).length;
  return (
    <input
      type="checkbox"
      className="size-4 accent-brand-600"
      aria-label="Select every row on this page"
      checked={ticked > 0 && ticked === ids.length}
      disabled={selection.isStale}
      title={selection.isStale ? 'Loading the rows of the new filter…' : undefined}
      ref={(box) => {
        if (box) box.indeterminate = ticked > 0 && ticked < ids.length;
      }}
      onChange={(event) => {
        const next = new Set(selection.selectedIds);
        for (const id of ids) {
          if (event.target.checked) next.add(id);
          else next.delete(id);
        }
        selection.onChange(next);
      }}
    />
  );
}
