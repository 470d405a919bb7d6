import type { Metadata } from 'next';
import { Suspense } from 'react';
import { LoadingState } from '@/app/_components/query-state';
import { JobDetail } from '../_components/job-detail';

export const metadata: Metadata = { title: 'Backup job' };

export default async function JobPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <Suspense fallback={<LoadingState label="Loading the backup job…" />}>
      <JobDetail id={decodeURIComponent(id)} />
    </Suspense>
  );
}
