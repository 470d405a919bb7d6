import type { Metadata } from 'next';
import { Suspense } from 'react';
import { LoadingState } from '@/app/_components/query-state';
import { VolumeList } from './_components/volume-list';

export const metadata: Metadata = { title: 'Volumes' };

export default function VolumesPage() {
  return (
    <Suspense fallback={<LoadingState label="Loading volumes…" />}>
      <VolumeList />
    </Suspense>
  );
}
