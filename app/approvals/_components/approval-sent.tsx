'use client';

import Link from 'next/link';
import { toast } from 'sonner';
import { Alert, AlertTitle } from '@/app/_components/ui/alert';
import { formatDateTime } from '@/app/_lib/restore-format';

/** What a destructive action answers when it became a four-eyes request instead of running. */
export interface SentRequest {
  id: string;
  title: string;
  expiresAt: Date;
}

export function approvalHref(id: string): string {
  return `/approvals/${encodeURIComponent(id)}`;
}

function SentText({ request }: { request: SentRequest }) {
  return (
    <>
      {request.title}: nothing has run yet. A second admin must approve it by{' '}
      {formatDateTime(request.expiresAt)}, or it is rejected automatically.{' '}
      <Link href={approvalHref(request.id)} className="font-medium text-accent underline">
        View the request
      </Link>
    </>
  );
}

/** A toast for actions started from a list or a drawer (deleting a point or a job). */
export function announceApprovalRequested(request: SentRequest): void {
  toast.success('Request sent for approval', {
    description: <SentText request={request} />,
    duration: 20_000,
  });
}

/** The same, in place of a result (the restore wizard, the import page). */
export function ApprovalSentPanel({ request }: { request: SentRequest }) {
  return (
    <Alert tone="info" role="status" aria-labelledby="approval-sent-title" className="mb-4">
      <AlertTitle id="approval-sent-title">Request sent for approval</AlertTitle>
      <p>
        <SentText request={request} />
      </p>
    </Alert>
  );
}
