'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { Can } from '@/app/_components/account/can';
import { PartialPointBadge } from '@/app/_components/partial-point-badge';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { Badge, type BadgeTone } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/app/_components/ui/card';
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from '@/app/_components/ui/table';
import { CAPTURE_STATE_LABELS, consistencyLabel, formatBytes, METHOD_LABELS } from '@/app/_lib/format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
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
          <Table>
            <TableCaption>Restore points of {vmName}</TableCaption>
            <TableHeader>
              <TableRow>
                <TableHead>Taken</TableHead>
                <TableHead>Method</TableHead>
                <TableHead>Consistency</TableHead>
                <TableHead>State</TableHead>
                <TableHead>Size</TableHead>
                <TableHead>Disks</TableHead>
                <TableHead>Source · expiry</TableHead>
                <TableHead>Verification</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {points.data.items.map((point) => (
                <PointRow key={point.id} point={point} />
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
}

function PointRow({ point }: { point: Point }) {
  const points = usePointOperations();
  const isVerifying = points.isVerifying(point.id);
  const verdict = point.lastVerdict;
  return (
    <TableRow>
      <TableCell className="whitespace-nowrap">
        {formatTime(point.createdAt)}
        {point.operationId ? (
          <div>
            <Link
              href={`/operations/${encodeURIComponent(point.operationId)}`}
              className="text-xs text-brand-700 hover:underline"
            >
              operation
            </Link>
          </div>
        ) : null}
      </TableCell>
      <TableCell>{METHOD_LABELS[point.method]}</TableCell>
      <TableCell>
        <Badge tone={point.consistency === 'crash' ? 'warning' : 'success'}>
          {consistencyLabel(point.consistency, point.captureState)}
        </Badge>
        <PartialPointBadge point={point} />
        {point.consistencyReason ? (
          <p className="mt-1 max-w-xs text-xs text-slate-600">{point.consistencyReason}</p>
        ) : null}
      </TableCell>
      <TableCell>{CAPTURE_STATE_LABELS[point.captureState]}</TableCell>
      <TableCell className="tabular-nums">{formatBytes(point.sizeBytes)}</TableCell>
      <TableCell className="text-xs">
        <div>holds {point.heldDiskIds.length > 0 ? point.heldDiskIds.join(', ') : 'no disk'}</div>
        {point.missingDiskIds.length > 0 ? (
          <div className="text-amber-900">not held: {point.missingDiskIds.join(', ')}</div>
        ) : null}
      </TableCell>
      <TableCell className="text-xs">
        <div>
          {point.jobId ? (
            <Link
              href={`/jobs/${encodeURIComponent(point.jobId)}`}
              className="text-brand-700 hover:underline"
            >
              backup job
            </Link>
          ) : (
            'started by hand'
          )}
        </div>
        <div className="text-slate-500">
          {point.expiresAt ? `expires ${formatTime(point.expiresAt)}` : 'kept until deleted'}
        </div>
      </TableCell>
      <TableCell>
        <div className="flex flex-col items-start gap-1">
          <span aria-live="polite">
            {verdict ? (
              <Badge tone={VERDICT_TONES[verdict]}>{verdict}</Badge>
            ) : (
              <span className="text-xs text-slate-500">not verified</span>
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
      </TableCell>
    </TableRow>
  );
}
