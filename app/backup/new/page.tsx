import type { Metadata } from 'next';
import { Suspense } from 'react';
import { LoadingState } from '@/app/_components/query-state';
import { BackupWizard } from '../_components/backup-wizard';

export const metadata: Metadata = { title: 'New backup' };

export default function NewBackupPage() {
  return (
    <Suspense fallback={<LoadingState label="Loading the backup wizard…" />}>
      <BackupWizard />
    </Suspense>
  );
}
