import type { Metadata } from 'next';
import { Suspense } from 'react';
import { LoadingState } from '@/app/_components/query-state';
import { ProtectionOverview } from './_components/protection-overview';

export const metadata: Metadata = { title: 'Protection' };

export default function ProtectionPage() {
  return (
    <Suspense fallback={<LoadingState label="Loading protection…" />}>
      <ProtectionOverview />
    </Suspense>
  );
}
