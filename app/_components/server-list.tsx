'use client';

import type { UseQueryResult } from '@tanstack/react-query';
import type { FormEvent, ReactNode } from 'react';
import { useSetListParams } from '@/app/_lib/use-set-list-params';
import { Pager } from './pager';
import { EmptyState, ErrorState, LoadingState } from './query-state';
import { ariaSortOf, SortHeaderButton } from './sort-header';
import { Button } from './ui/button';
import { Card, CardContent } from './ui/card';
import { Input } from './ui/input';
import { Label } from './ui/label';
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from './ui/table';

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
  total: number;
}

/**
 * A server-filtered, server-sorted, cursor-paged list whose state lives in the URL
 * (search, sort, direction, cursor). Used by the hosts, volumes and arrays pages.
 */
export function ServerList<Row extends { id: string }>({
  noun,
  caption,
  query,
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
  columns: ServerListColumn<Row>[];
  sort: string;
  direction: 'asc' | 'desc';
  search: string | undefined;
  searchLabel: string;
  filters?: ReactNode;
}) {
  const setParams = useSetListParams();
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
              <Table aria-busy={query.isFetching}>
                <TableCaption>{caption}</TableCaption>
                <TableHeader>
                  <TableRow>
                    {columns.map((column) => {
                      const columnDirection = column.sortKey === sort ? direction : false;
                      return (
                        <TableHead
                          key={column.header}
                          className={column.className}
                          aria-sort={column.sortKey ? ariaSortOf(columnDirection) : undefined}
                        >
                          {column.sortKey ? (
                            <SortHeaderButton
                              label={column.header}
                              direction={columnDirection}
                              onToggle={() =>
                                setParams({
                                  sort: column.sortKey,
                                  direction: column.sortKey === sort && direction === 'asc' ? 'desc' : 'asc',
                                })
                              }
                            />
                          ) : (
                            column.header
                          )}
                        </TableHead>
                      );
                    })}
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {query.data.items.map((row) => (
                    <TableRow key={row.id}>
                      {columns.map((column) => (
                        <TableCell key={column.header} className={column.className}>
                          {column.cell(row)}
                        </TableCell>
                      ))}
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
              <Pager
                nextCursor={query.data.nextCursor}
                total={query.data.total}
                shown={query.data.items.length}
                noun={noun}
              />
            </>
          )}
        </CardContent>
      </Card>
    </>
  );
}
