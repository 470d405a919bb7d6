import type { Metadata } from 'next';
import { ApprovalDetail } from '../_components/approval-detail';

export const metadata: Metadata = { title: 'Approval request' };

export default async function ApprovalPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <ApprovalDetail id={decodeURIComponent(id)} />;
}
