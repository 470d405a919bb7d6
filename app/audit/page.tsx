import type { Metadata } from 'next';
import { Suspense } from 'react';
import { LoadingState } from '@/app/_components/query-state';
import { AuditList } from './_components/audit-list';

export const metadata: Metadata = { title: 'Audit trail' };

export default function AuditPage() {
  return (
    <Suspense fallback={<LoadingState label="Loading the audit trail…" />}>
      <AuditList />
    </Suspense>
  );
}
