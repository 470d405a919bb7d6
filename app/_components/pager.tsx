'use client';

import { ChevronLeft, ChevronRight } from 'lucide-react';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { nextPageParams, previousPageParams } from '@/app/_lib/list-url';
import { Button } from './ui/button';

/** Cursor paging bound to the URL: Next pushes the server's nextCursor, Previous pops it. */
export function Pager({
  nextCursor,
  total,
  shown,
  noun,
}: {
  nextCursor: string | null | undefined;
  total: number | undefined;
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
    <nav aria-label="Pages" className="flex items-center justify-between gap-4 pt-4 text-sm text-slate-600">
      <p aria-live="polite">
        Page {pageNumber}
        {total !== undefined ? ` · ${shown} shown of ${total} ${noun}` : null}
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
