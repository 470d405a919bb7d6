import type { Metadata } from 'next';
import { Suspense } from 'react';
import { LoadingState } from '@/app/_components/query-state';
import { ArrayList } from './_components/array-list';

export const metadata: Metadata = { title: 'Arrays' };

export default function ArraysPage() {
  return (
    <Suspense fallback={<LoadingState label="Loading arrays…" />}>
      <ArrayList />
    </Suspense>
  );
}
