import type { Metadata } from 'next';
import { Suspense } from 'react';
import { LoadingState } from '@/app/_components/query-state';
import { RestoreWizard } from '../_components/restore-wizard';

export const metadata: Metadata = { title: 'Restore' };

export default function NewRestorePage() {
  return (
    <Suspense fallback={<LoadingState label="Loading the restore wizard…" />}>
      <RestoreWizard />
    </Suspense>
  );
}
