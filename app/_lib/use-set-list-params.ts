'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useRef } from 'react';
import { withParams } from './list-url';

/**
 * Navigates to this page with some URL params set (or cleared with '' / undefined); like
 * `withParams`, any change restarts paging. The list pages keep their filters and sort this way.
 *
 * Each change is merged into the URL the last change asked for, not into the one on screen: a
 * navigation commits only once the page's data has loaded, and an operator who picks a second
 * filter before then would otherwise lose the first (the page still shows the old URL).
 */
export function useSetListParams(): (changes: Record<string, string | undefined>) => void {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const asked = useRef(searchParams.toString());
  // A navigation that committed (or back/forward) is the new starting point.
  useEffect(() => {
    asked.current = searchParams.toString();
  }, [searchParams]);
  return (changes) => {
    const query = withParams(new URLSearchParams(asked.current), changes);
    asked.current = query;
    router.push(query ? `${pathname}?${query}` : pathname);
  };
}
