'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorState, LoadingState } from '@/app/_components/query-state';
import { Badge, type BadgeTone } from '@/app/_components/ui/badge';
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
import { formatDateTime } from '@/app/_lib/format';
import { useTRPC } from '@/app/_lib/trpc';
import type { SyncOutcome } from '@/server/engine/statuses';

const OUTCOME: Record<SyncOutcome, { label: string; tone: BadgeTone }> = {
  succeeded: { label: 'Succeeded', tone: 'success' },
  'succeeded-with-warnings': { label: 'Succeeded with warnings', tone: 'warning' },
  failed: { label: 'Failed', tone: 'danger' },
};

/**
 * A connection's last syncs (a Hyper-V host's, or a XenServer pool's: full syncs and the batches
 * of changes its event watcher wrote), newest first, five at a time (older pages on demand).
 */
export function SyncLog({
  connector,
  connectionId,
  name,
}: {
  connector: 'hyperv' | 'xapi';
  connectionId: string;
  name: string;
}) {
  const trpc = useTRPC();
  const [cursors, setCursors] = useState<string[]>([]);
  const input = { connectionId, limit: 5, cursor: cursors.at(-1) };
  const syncs = useQuery({
    ...(connector === 'hyperv'
      ? trpc.hypervConnections.syncs.queryOptions(input)
      : trpc.xapiPools.syncs.queryOptions(input)),
    placeholderData: keepPreviousData,
  });
  if (syncs.isPending) return <LoadingState label="Loading the last syncs…" />;
  if (syncs.isError) return <ErrorState error={syncs.error} title="Could not load the last syncs" />;
  if (syncs.data.items.length === 0 && cursors.length === 0) return null;
  return (
    <div className="mt-3">
      <Table>
        <TableCaption className="text-left">Last syncs of {name}</TableCaption>
        <TableHeader>
          <TableRow>
            <TableHead>Started (UTC)</TableHead>
            <TableHead>Outcome</TableHead>
            <TableHead>VMs added / changed / gone</TableHead>
            <TableHead>Details</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {syncs.data.items.map((run) => (
            <TableRow key={run.id}>
              <TableCell>{formatDateTime(run.startedAt)}</TableCell>
              <TableCell>
                <Badge tone={OUTCOME[run.outcome].tone}>{OUTCOME[run.outcome].label}</Badge>
              </TableCell>
              <TableCell className="tabular-nums">
                {run.outcome === 'failed' ? '—' : `${run.added} / ${run.changed} / ${run.gone}`}
              </TableCell>
              <TableCell className="text-sm">
                {run.error ??
                  (run.unknownFacts > 0
                    ? `${run.unknownFacts} ${run.unknownFacts === 1 ? 'fact' : 'facts'} unknown: ${run.warnings}`
                    : 'Every fact read')}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <div className="mt-2 flex gap-2">
        {cursors.length > 0 ? (
          <Button type="button" variant="secondary" onClick={() => setCursors(cursors.slice(0, -1))}>
            Newer syncs
          </Button>
        ) : null}
        {syncs.data.nextCursor ? (
          <Button
            type="button"
            variant="secondary"
            onClick={() => setCursors([...cursors, syncs.data.nextCursor as string])}
          >
            Older syncs
          </Button>
        ) : null}
      </div>
    </div>
  );
}
