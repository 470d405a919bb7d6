'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useMemo } from 'react';
import { Can } from '@/app/_components/account/can';
import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { PartialPointBadge } from '@/app/_components/partial-point-badge';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { Badge, type BadgeTone } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/app/_components/ui/card';
import { CAPTURE_STATE_LABELS, consistencyLabel, formatBytes, METHOD_LABELS } from '@/app/_lib/format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { useDiskNames } from '@/app/_lib/use-disk-names';
import { formatTime } from '@/app/operations/_components/operation-format';
import { usePointOperations } from '@/app/restore-points/_components/use-point-operations';

type Point = RouterOutputs['restorePoints']['list']['items'][number];
type Verdict = NonNullable<Point['lastVerdict']>;

const SHOWN_POINTS = 20;

const VERDICT_TONES: Record<Verdict, BadgeTone> = { intact: 'success', corrupt: 'danger', missing: 'danger' };

/** The VM's newest restore points with what each holds, and a verify action (an operation) that re-hashes it. */
export function VmRestorePoints({
  vmId,
  vmName,
  restoreHref,
}: {
  vmId: string;
  vmName: string;
  /** The restore wizard for this VM, when the console has one. */
  restoreHref?: string;
}) {
  const trpc = useTRPC();
  const points = useQuery(trpc.restorePoints.list.queryOptions({ vmId, limit: SHOWN_POINTS }));
  const diskName = useDiskNames(vmId);
  const columns = useMemo(() => pointColumnsOf(diskName), [diskName]);
  return (
    <Card aria-labelledby="vm-restore-points-title">
      <CardHeader>
        <div className="flex flex-wrap items-center justify-between gap-2">
          <CardTitle id="vm-restore-points-title">Restore points</CardTitle>
          <div className="flex gap-2">
            <Button asChild variant="ghost" size="sm">
              <Link href={`/restore-points?${new URLSearchParams({ vmId }).toString()}`}>
                All restore points of {vmName}
              </Link>
            </Button>
            {restoreHref ? (
              <Can capability="restore">
                <Button asChild variant="secondary" size="sm">
                  <Link href={restoreHref}>Restore {vmName}…</Link>
                </Button>
              </Can>
            ) : null}
          </div>
        </div>
        <CardDescription>
          Newest first: the consistency each point achieved and why, and the disks it holds.
        </CardDescription>
      </CardHeader>
      <CardContent>
        {points.isPending ? (
          <LoadingState label="Loading restore points…" />
        ) : points.isError ? (
          <ErrorState error={points.error} title="Could not load restore points" />
        ) : points.data.items.length === 0 ? (
          <EmptyState>{vmName} has no restore point yet.</EmptyState>
        ) : (
          <DataTable
            columns={columns}
            rows={points.data.items}
            getRowId={(point) => point.id}
            caption={`Restore points of ${vmName}`}
          />
        )}
      </CardContent>
    </Card>
  );
}

/** A point's verdict and the button that verifies it again (an operation; the row says while it runs). */
function VerifyCell({ point }: { point: Point }) {
  const points = usePointOperations();
  const isVerifying = points.isVerifying(point.id);
  const verdict = point.lastVerdict;
  return (
    <div className="flex flex-col items-start gap-1">
      <span aria-live="polite">
        {verdict ? (
          <Badge tone={VERDICT_TONES[verdict]}>{verdict}</Badge>
        ) : (
          <span className="text-xs text-fg-subtle">not verified</span>
        )}
      </span>
      <Button
        size="sm"
        variant="secondary"
        disabled={isVerifying}
        aria-label={`Verify the restore point of ${formatTime(point.createdAt)}`}
        onClick={() => points.verify(point.id)}
      >
        {isVerifying ? 'Verifying…' : 'Verify'}
      </Button>
    </div>
  );
}

/** The table's columns, the disks named by `diskName` (the VM's disks as the inventory names them). */
const pointColumnsOf = (diskName: (diskId: string) => string): DataTableColumn<Point>[] => [
  {
    id: 'taken',
    header: 'Taken',
    meta: { className: 'whitespace-nowrap' },
    cell: ({ row: { original: point } }) => (
      <>
        {formatTime(point.createdAt)}
        {point.operationId ? (
          <div>
            <Link
              href={`/operations/${encodeURIComponent(point.operationId)}`}
              className="text-xs text-accent underline underline-offset-2 hover:decoration-2"
            >
              operation
            </Link>
          </div>
        ) : null}
      </>
    ),
  },
  { id: 'method', header: 'Method', cell: ({ row }) => METHOD_LABELS[row.original.method] },
  {
    id: 'consistency',
    header: 'Consistency',
    cell: ({ row: { original: point } }) => (
      <>
        <Badge tone={point.consistency === 'crash' ? 'warning' : 'success'}>
          {consistencyLabel(point.consistency, point.captureState)}
        </Badge>
        <PartialPointBadge point={point} />
        {point.consistencyReason ? (
          <p className="mt-1 max-w-xs text-xs text-fg-muted">{point.consistencyReason}</p>
        ) : null}
      </>
    ),
  },
  { id: 'state', header: 'State', cell: ({ row }) => CAPTURE_STATE_LABELS[row.original.captureState] },
  {
    id: 'size',
    header: 'Size',
    meta: { className: 'tabular-nums' },
    cell: ({ row }) => formatBytes(row.original.sizeBytes),
  },
  {
    id: 'disks',
    header: 'Disks',
    meta: { className: 'text-xs' },
    cell: ({ row: { original: point } }) => (
      <>
        <div>
          holds {point.heldDiskIds.length > 0 ? point.heldDiskIds.map(diskName).join(', ') : 'no disk'}
        </div>
        {point.missingDiskIds.length > 0 ? (
          <div className="text-warning">not held: {point.missingDiskIds.map(diskName).join(', ')}</div>
        ) : null}
      </>
    ),
  },
  {
    id: 'source',
    header: 'Source · expiry',
    meta: { className: 'text-xs' },
    cell: ({ row: { original: point } }) => (
      <>
        <div>
          {point.jobId ? (
            <Link
              href={`/jobs/${encodeURIComponent(point.jobId)}`}
              className="text-accent underline underline-offset-2 hover:decoration-2"
            >
              backup job
            </Link>
          ) : (
            'started by hand'
          )}
        </div>
        <div className="text-fg-subtle">
          {point.expiresAt ? `expires ${formatTime(point.expiresAt)}` : 'kept until deleted'}
        </div>
      </>
    ),
  },
  { id: 'verification', header: 'Verification', cell: ({ row }) => <VerifyCell point={row.original} /> },
];
