import type { Metadata } from 'next';
import { Suspense } from 'react';
import { LoadingState } from '@/app/_components/query-state';
import { JobEditor } from '../../_components/job-editor';

export const metadata: Metadata = { title: 'Edit backup job' };

export default async function EditJobPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <Suspense fallback={<LoadingState label="Loading the backup wizard…" />}>
      <JobEditor id={decodeURIComponent(id)} />
    </Suspense>
  );
}
