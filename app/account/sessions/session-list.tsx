'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { toast } from 'sonner';
import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { PageHeader } from '@/app/_components/page-header';
import { ErrorState, LoadingState } from '@/app/_components/query-state';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { signOut } from '@/app/_lib/auth-client';
import { formatDateTime } from '@/app/_lib/restore-format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';

type Session = RouterOutputs['account']['sessions'][number];

/** A session's columns; the last ends it (this browser's: signs out). */
function sessionColumns({
  isEnding,
  onEnd,
}: {
  isEnding: boolean;
  onEnd: (sessionId: string) => void;
}): DataTableColumn<Session>[] {
  return [
    {
      id: 'browser',
      header: 'Browser',
      meta: { cellClassName: 'max-w-md truncate' },
      cell: ({ row: { original: session } }) => (
        <span title={session.userAgent ?? undefined}>
          {session.userAgent ?? 'unknown'} {session.current ? <Badge tone="info">this browser</Badge> : null}
        </span>
      ),
    },
    { id: 'address', header: 'Address', cell: ({ row }) => row.original.ipAddress ?? 'unknown' },
    { id: 'signedIn', header: 'Signed in', cell: ({ row }) => formatDateTime(row.original.createdAt) },
    { id: 'lastActive', header: 'Last active', cell: ({ row }) => formatDateTime(row.original.updatedAt) },
    { id: 'expires', header: 'Expires', cell: ({ row }) => formatDateTime(row.original.expiresAt) },
    {
      id: 'actions',
      header: () => <span className="sr-only">Actions</span>,
      meta: { cellClassName: 'text-right' },
      cell: ({ row: { original: session } }) =>
        session.current ? (
          <Button variant="secondary" size="sm" onClick={() => void signOut()}>
            Sign out
          </Button>
        ) : (
          <Button variant="secondary" size="sm" disabled={isEnding} onClick={() => onEnd(session.id)}>
            End session
          </Button>
        ),
    },
  ];
}

/** Where I am signed in, each with a way to end it (a lost laptop, a shared machine). */
export function SessionList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const sessions = useQuery(trpc.account.sessions.queryOptions());
  const revoke = useMutation(
    trpc.account.revokeSession.mutationOptions({
      onSuccess: () => {
        toast.success('Session ended');
        return queryClient.invalidateQueries(trpc.account.sessions.queryFilter());
      },
    }),
  );
  return (
    <>
      <PageHeader
        title="My sessions"
        description="Every browser signed in to your account. End any you do not recognise; a session also ends 12 hours after sign-in."
      />
      {sessions.isPending ? <LoadingState /> : null}
      {sessions.error ? <ErrorState error={sessions.error} /> : null}
      {sessions.data ? (
        <DataTable
          columns={sessionColumns({
            isEnding: revoke.isPending,
            onEnd: (sessionId) => revoke.mutate({ sessionId }),
          })}
          rows={sessions.data}
          getRowId={(session) => session.id}
          caption="My sessions"
        />
      ) : null}
    </>
  );
}
