import type { Metadata } from 'next';
import { Suspense } from 'react';
import { LoadingState } from '@/app/_components/query-state';
import { RestorePointBrowser } from './_components/restore-point-browser';

export const metadata: Metadata = { title: 'Restore points' };

export default function RestorePointsPage() {
  return (
    <Suspense fallback={<LoadingState label="Loading restore points…" />}>
      <RestorePointBrowser />
    </Suspense>
  );
}
