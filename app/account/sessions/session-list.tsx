'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { toast } from 'sonner';
import { PageHeader } from '@/app/_components/page-header';
import { ErrorState, LoadingState } from '@/app/_components/query-state';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from '@/app/_components/ui/table';
import { signOut } from '@/app/_lib/auth-client';
import { formatDateTime } from '@/app/_lib/restore-format';
import { useTRPC } from '@/app/_lib/trpc';

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
        <Table>
          <TableCaption>My sessions</TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead>Browser</TableHead>
              <TableHead>Address</TableHead>
              <TableHead>Signed in</TableHead>
              <TableHead>Last active</TableHead>
              <TableHead>Expires</TableHead>
              <TableHead>
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {sessions.data.map((session) => (
              <TableRow key={session.id}>
                <TableCell className="max-w-md truncate" title={session.userAgent ?? undefined}>
                  {session.userAgent ?? 'unknown'}{' '}
                  {session.current ? <Badge tone="info">this browser</Badge> : null}
                </TableCell>
                <TableCell>{session.ipAddress ?? 'unknown'}</TableCell>
                <TableCell>{formatDateTime(session.createdAt)}</TableCell>
                <TableCell>{formatDateTime(session.updatedAt)}</TableCell>
                <TableCell>{formatDateTime(session.expiresAt)}</TableCell>
                <TableCell className="text-right">
                  {session.current ? (
                    <Button variant="secondary" size="sm" onClick={() => void signOut()}>
                      Sign out
                    </Button>
                  ) : (
                    <Button
                      variant="secondary"
                      size="sm"
                      disabled={revoke.isPending}
                      onClick={() => revoke.mutate({ sessionId: session.id })}
                    >
                      End session
                    </Button>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      ) : null}
    </>
  );
}
