import type { Metadata } from 'next';
import { Suspense } from 'react';
import { LoadingState } from '@/app/_components/query-state';
import { VmList } from './_components/vm-list';

export const metadata: Metadata = { title: 'VMs' };

export default function VmsPage() {
  return (
    <Suspense fallback={<LoadingState label="Loading VMs…" />}>
      <VmList />
    </Suspense>
  );
}
