'use client';

import { ChevronLeft, ChevronRight } from 'lucide-react';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { nextPageParams, previousPageParams } from '@/app/_lib/list-url';
import { Button } from './ui/button';

/**
 * How many rows match a list's filters: the count, or why it is not shown. Lists count apart from
 * their pages (one count per filter, cached while the operator pages), so the total may arrive
 * after the rows.
 */
export type PageTotal = number | 'counting' | 'unavailable';

/** The total of a count query's state, for the pager. */
export function pageTotalOf(count: { data?: { total: number }; isError: boolean }): PageTotal {
  if (count.data) return count.data.total;
  return count.isError ? 'unavailable' : 'counting';
}

function describeTotal(total: PageTotal, shown: number, noun: string): string {
  if (total === 'counting') return ` · ${shown} shown · counting ${noun}…`;
  if (total === 'unavailable') return ` · ${shown} shown · the total could not be counted`;
  return ` · ${shown} shown of ${total.toLocaleString('en')} ${noun}`;
}

/** Cursor paging bound to the URL: Next pushes the server's nextCursor, Previous pops it. */
export function Pager({
  nextCursor,
  total,
  shown,
  noun,
}: {
  nextCursor: string | null | undefined;
  /** Undefined for lists that show no total. */
  total: PageTotal | undefined;
  shown: number;
  noun: string;
}) {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const pageNumber = searchParams.getAll('back').length + 1;
  const hasPrevious = pageNumber > 1;
  const go = (query: string) => router.push(query ? `${pathname}?${query}` : pathname);
  return (
    <nav aria-label="Pages" className="flex items-center justify-between gap-4 pt-4 text-sm text-fg-muted">
      <p aria-live="polite">
        Page {pageNumber}
        {total !== undefined ? describeTotal(total, shown, noun) : null}
      </p>
      <div className="flex gap-2">
        <Button
          variant="secondary"
          size="sm"
          disabled={!hasPrevious}
          onClick={() => go(previousPageParams(new URLSearchParams(searchParams)))}
        >
          <ChevronLeft aria-hidden="true" className="size-4" />
          Previous
        </Button>
        <Button
          variant="secondary"
          size="sm"
          disabled={!nextCursor}
          onClick={() => nextCursor && go(nextPageParams(new URLSearchParams(searchParams), nextCursor))}
        >
          Next
          <ChevronRight aria-hidden="true" className="size-4" />
        </Button>
      </div>
    </nav>
  );
}
