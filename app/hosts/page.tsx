import type { Metadata } from 'next';
import { Suspense } from 'react';
import { LoadingState } from '@/app/_components/query-state';
import { HostList } from './_components/host-list';

export const metadata: Metadata = { title: 'Hosts' };

export default function HostsPage() {
  return (
    <Suspense fallback={<LoadingState label="Loading hosts…" />}>
      <HostList />
    </Suspense>
  );
}
