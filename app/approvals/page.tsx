import type { Metadata } from 'next';
import { ApprovalList } from './_components/approval-list';

export const metadata: Metadata = { title: 'Approvals' };

export default function ApprovalsPage() {
  return <ApprovalList />;
}
