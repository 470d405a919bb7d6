'use client';

import type { UseQueryResult } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useMemo } from 'react';
import { useSetListParams } from '@/app/_lib/use-set-list-params';
import { DataTable, type DataTableColumn } from './data-table';
import { pageTotalOf } from './pager';
import { EmptyState, ErrorState, LoadingState } from './query-state';
import { Button } from './ui/button';
import { Card, CardContent } from './ui/card';
import { Input } from './ui/input';
import { Label } from './ui/label';

export interface ServerListColumn<Row> {
  header: string;
  /** The server's sort key for this column; absent = not sortable. */
  sortKey?: string;
  className?: string;
  cell: (row: Row) => ReactNode;
}

interface PageResult<Row> {
  items: Row[];
  nextCursor: string | null;
}

/**
 * A server-filtered, server-sorted, cursor-paged list whose state lives in the URL
 * (search, sort, direction, cursor), rendered by the shared DataTable. Used by the hosts, volumes
 * and arrays pages. The pager's total comes from the list's count query, which the page asks apart
 * (its key holds the filters only, so paging and sorting reuse the cached count).
 */
export function ServerList<Row extends { id: string }>({
  noun,
  caption,
  query,
  count,
  columns,
  sort,
  direction,
  search,
  searchLabel,
  filters,
}: {
  noun: string;
  caption: string;
  query: UseQueryResult<PageResult<Row>, { message: string }>;
  /** The list's count query (its filters only): asked once per filter, not once per page. */
  count: UseQueryResult<{ total: number }, { message: string }>;
  columns: ServerListColumn<Row>[];
  sort: string;
  direction: 'asc' | 'desc';
  search: string | undefined;
  searchLabel: string;
  filters?: ReactNode;
}) {
  const setParams = useSetListParams();
  // A column's id is its server sort key when it has one, so the table's sort state is the URL's.
  const tableColumns = useMemo(
    () =>
      columns.map(
        (column): DataTableColumn<Row> => ({
          id: column.sortKey ?? column.header,
          header: column.header,
          cell: ({ row }) => column.cell(row.original),
          meta: { className: column.className },
        }),
      ),
    [columns],
  );
  const sortableColumnIds = columns.flatMap((column) => (column.sortKey ? [column.sortKey] : []));
  const onSearch = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = new FormData(event.currentTarget).get('search');
    setParams({ search: typeof value === 'string' ? value.trim() : undefined });
  };

  return (
    <>
      <Card className="mb-4">
        <CardContent className="flex flex-wrap items-end gap-4">
          <search>
            <form onSubmit={onSearch} className="flex items-end gap-2" key={search ?? ''}>
              <div className="flex w-80 flex-col gap-1">
                <Label htmlFor="list-search">{searchLabel}</Label>
                <Input id="list-search" name="search" type="search" defaultValue={search ?? ''} />
              </div>
              <Button type="submit" variant="secondary">
                Search
              </Button>
            </form>
          </search>
          {filters}
        </CardContent>
      </Card>
      <Card>
        <CardContent>
          {query.isPending ? (
            <LoadingState label={`Loading ${noun}…`} />
          ) : query.isError ? (
            <ErrorState error={query.error} title={`Could not load the ${noun}`} />
          ) : query.data.items.length === 0 ? (
            <EmptyState>No {noun} match.</EmptyState>
          ) : (
            <>
              <DataTable
                columns={tableColumns}
                rows={query.data.items}
                getRowId={(row) => row.id}
                caption={caption}
                sort={{ columnId: sort, direction }}
                sortableColumnIds={sortableColumnIds}
                onSort={(columnId, nextDirection) => setParams({ sort: columnId, direction: nextDirection })}
                isBusy={query.isFetching}
                page={{ nextCursor: query.data.nextCursor, total: pageTotalOf(count), noun }}
              />
            </>
          )}
        </CardContent>
      </Card>
    </>
  );
}
