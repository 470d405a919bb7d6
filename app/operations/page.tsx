import type { Metadata } from 'next';
import { Suspense } from 'react';
import { LoadingState } from '@/app/_components/query-state';
import { OperationList } from './_components/operation-list';

export const metadata: Metadata = { title: 'Operations' };

export default function OperationsPage() {
  return (
    <Suspense fallback={<LoadingState label="Loading operations…" />}>
      <OperationList />
    </Suspense>
  );
}
