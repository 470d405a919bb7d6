'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { withParams } from './list-url';

/**
 * Navigates to this page with some URL params set (or cleared with '' / undefined); like
 * `withParams`, any change restarts paging. The list pages keep their filters and sort this way.
 */
export function useSetListParams(): (changes: Record<string, string | undefined>) => void {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  return (changes) => {
    const query = withParams(new URLSearchParams(searchParams), changes);
    router.push(query ? `${pathname}?${query}` : pathname);
  };
}
