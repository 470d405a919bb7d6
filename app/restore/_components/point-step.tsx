'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { useForm, useWatch } from 'react-hook-form';
import { PartialPointBadge } from '@/app/_components/partial-point-badge';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { RadioGroup, RadioGroupItem } from '@/app/_components/ui/radio-group';
import { FieldErrorText, StepHeading, WizardActions } from '@/app/_components/wizard';
import {
  CAPTURE_STATE_LABELS,
  consistencyLabel,
  formatBytes,
  METHOD_LABELS,
  pluralize,
} from '@/app/_lib/format';
import { CONSISTENCY_TONES, formatDateTime, VERDICT_TONES } from '@/app/_lib/restore-format';
import { useTRPC } from '@/app/_lib/trpc';
import { useDiskNames } from '@/app/_lib/use-disk-names';
import { type PointStepInput, pointStepInput } from './wizard-model';

export function PointStep({
  vmId,
  selected,
  onBack,
  onNext,
}: {
  vmId: string;
  selected: string;
  onBack: () => void;
  onNext: (pointId: string) => void;
}) {
  const trpc = useTRPC();
  const form = useForm<PointStepInput>({
    resolver: zodResolver(pointStepInput),
    defaultValues: { pointId: selected },
  });
  const pointId = useWatch({ control: form.control, name: 'pointId' });
  const [cursor, setCursor] = useState<string>();
  const points = useQuery({
    ...trpc.restorePoints.list.queryOptions({ vmId, limit: 25, cursor }),
    placeholderData: keepPreviousData,
  });
  const diskName = useDiskNames(vmId);
  return (
    <section aria-labelledby="step-point">
      <StepHeading stepKey="point">
        <span id="step-point">Which restore point?</span>
      </StepHeading>
      <p className="mb-3 text-sm text-fg-muted">
        Newest first. The badge is the consistency the point actually achieved.
      </p>
      {points.isPending ? (
        <LoadingState label="Loading restore points…" />
      ) : points.isError ? (
        <ErrorState error={points.error} title="Could not load restore points" />
      ) : points.data.items.length === 0 ? (
        <EmptyState>
          This VM has no restore point yet.{' '}
          <Link href={`/backup/new?vmId=${encodeURIComponent(vmId)}`} className="text-accent underline">
            Back it up first
          </Link>
          .
        </EmptyState>
      ) : (
        <RadioGroup
          aria-label="Restore point timeline"
          value={pointId}
          onValueChange={(value) => {
            form.setValue('pointId', value);
            form.clearErrors('pointId');
          }}
          className="relative gap-0 border-l-2 border-line pl-4"
        >
          {points.data.items.map((point) => (
            <label
              key={point.id}
              htmlFor={`point-${point.id}`}
              className="relative flex cursor-pointer gap-3 rounded-md p-3 hover:bg-surface-muted has-[[data-state=checked]]:bg-accent-soft"
            >
              <span
                aria-hidden="true"
                className="absolute -left-[23px] top-4 size-3 rounded-full bg-fg-subtle"
              />
              <RadioGroupItem
                id={`point-${point.id}`}
                value={point.id}
                aria-label={`Point of ${formatDateTime(point.createdAt)} (${consistencyLabel(point.consistency, point.captureState)}${point.isPartial ? ', partial' : ''}${point.locationKind === 'pool-snapshot' ? `, on pool: ${point.locationName}` : ''})`}
              />
              <span className="flex flex-col gap-1 text-sm">
                <span className="flex flex-wrap items-center gap-2">
                  <span className="font-medium">{formatDateTime(point.createdAt)}</span>
                  <Badge tone={CONSISTENCY_TONES[point.consistency]}>
                    {consistencyLabel(point.consistency, point.captureState)}
                  </Badge>
                  <PartialPointBadge point={point} />
                  {/* A snapshot kept on the VM's pool: its name there (it is reverted, not copied back). */}
                  {point.locationKind === 'pool-snapshot' ? (
                    <Badge tone="info">on pool: {point.locationName}</Badge>
                  ) : null}
                  {point.lastVerdict ? (
                    <Badge tone={VERDICT_TONES[point.lastVerdict]}>verified {point.lastVerdict}</Badge>
                  ) : null}
                </span>
                <span className="text-fg-muted">
                  {METHOD_LABELS[point.method]} · {CAPTURE_STATE_LABELS[point.captureState]} ·{' '}
                  {formatBytes(point.sizeBytes)} · holds {pluralize(point.heldDiskIds.length, 'disk')}
                  {point.missingDiskIds.length > 0
                    ? ` · missing ${point.missingDiskIds.map(diskName).join(', ')}`
                    : ''}
                </span>
                {point.consistencyReason ? (
                  <span className="text-xs text-fg-subtle">{point.consistencyReason}</span>
                ) : null}
              </span>
            </label>
          ))}
        </RadioGroup>
      )}
      {points.data?.nextCursor ? (
        <Button type="button" variant="link" onClick={() => setCursor(points.data.nextCursor ?? undefined)}>
          Older points
        </Button>
      ) : null}
      <FieldErrorText id="point-error" message={form.formState.errors.pointId?.message} />
      <WizardActions>
        <Button type="button" variant="secondary" onClick={onBack}>
          Back
        </Button>
        <Button type="button" onClick={form.handleSubmit((values) => onNext(values.pointId))}>
          Next: mode
        </Button>
      </WizardActions>
    </section>
  );
}
