'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useFormContext } from 'react-hook-form';
import { toast } from 'sonner';
import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { EstateChangedAlert, isEstateChangedError } from '@/app/_components/estate-changed-alert';
import { MutationErrorAlert } from '@/app/_components/mutation-error-alert';
import { ErrorState, LoadingState } from '@/app/_components/query-state';
import { RuleTitle, ruleTitleText } from '@/app/_components/rule-title';
import { Alert, AlertTitle } from '@/app/_components/ui/alert';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { Checkbox, StepHeading, WizardActions } from '@/app/_components/wizard';
import {
  CAPTURE_STATE_LABELS,
  consistencyLabel,
  METHOD_LABELS,
  pluralize,
  SEVERITY_TONES,
} from '@/app/_lib/format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { announceApprovalRequested } from '@/app/approvals/_components/approval-sent';
import { describePlan } from '@/server/engine/operation-rules';
import { excludedDiskNamesOf } from '@/server/engine/plan-types';
import { EditChanges } from './edit-changes';
import { isJobSavedSinceError, JobSavedSinceAlert } from './job-saved-since-alert';
import { PlanStaleHostsAlert } from './plan-stale-hosts-alert';
import { RetentionLossAlert } from './retention-loss-alert';
import { useBackupWizardMode } from './wizard-mode';
import { type BackupWizardValues, jobOf, requestOf, vmIdsBehindPlan } from './wizard-model';

type KeyedFinding = RouterOutputs['backups']['review']['findings'][number];

type ReviewedVm = RouterOutputs['backups']['review']['plan']['vms'][number];

const reviewColumns: DataTableColumn<ReviewedVm>[] = [
  {
    id: 'vm',
    header: 'VM',
    meta: { isRowHeader: true },
    cell: ({ row: { original: vm } }) => (
      <>
        {vm.vmName} {vm.isCoCaptured ? <Badge tone="info">captured with the others</Badge> : null}
      </>
    ),
  },
  { id: 'method', header: 'Method', cell: ({ row }) => METHOD_LABELS[row.original.method] },
  {
    id: 'consistency',
    header: 'Expected consistency',
    cell: ({ row: { original: vm } }) => consistencyLabel(vm.expectedConsistency, vm.captureState),
  },
  {
    id: 'captureState',
    header: 'VM during backup',
    cell: ({ row }) => CAPTURE_STATE_LABELS[row.original.captureState],
  },
  {
    id: 'excludedDisks',
    header: 'Disks left out',
    cell: ({ row: { original: vm } }) =>
      vm.excludedDiskIds.length ? excludedDiskNamesOf(vm).join(', ') : 'none',
  },
];

const SEVERITY_HEADINGS = { blocker: 'Blockers', warning: 'Warnings', info: 'Information' } as const;

export function ReviewStep({ onBack, onFinished }: { onBack: () => void; onFinished: () => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const mode = useBackupWizardMode();
  const { getValues } = useFormContext<BackupWizardValues>();
  const values = getValues();
  const request = requestOf(values);
  const review = useQuery({ ...trpc.backups.review.queryOptions(request), staleTime: 0 });
  const isJob = values.runMode !== 'now';
  // A job whose schedule leaves longer between runs than its RPO allows is warned here too.
  const scheduleCheck = useQuery({
    ...trpc.jobs.previewSchedule.queryOptions({
      cron: values.job.schedule.cron,
      timeZone: values.job.schedule.timeZone,
      count: 1,
      rpoHours: values.job.rpoHours,
    }),
    enabled: values.runMode === 'scheduled',
    retry: false,
  });
  const [acknowledged, setAcknowledged] = useState<Set<string>>(new Set());
  const [isEstateChanged, setIsEstateChanged] = useState(false);
  // Refused because the estate changed since the review: show the new review, acknowledged afresh.
  const onRefused = (error: unknown) => {
    if (!isEstateChangedError(error)) return;
    setIsEstateChanged(true);
    setAcknowledged(new Set());
    void review.refetch();
  };

  const start = useMutation(
    trpc.backups.start.mutationOptions({
      onSuccess: (started) => {
        onFinished();
        toast.success('Backup started', { description: describePlan(started.plan) });
        router.push(`/operations/${started.operationId}`);
      },
      onError: onRefused,
    }),
  );
  const createJob = useMutation(
    trpc.backups.createJob.mutationOptions({
      onSuccess: (job) => {
        onFinished();
        toast.success(`Backup job "${job.name}" created`, {
          description: job.schedule?.description ?? undefined,
        });
        router.push(`/jobs/${job.id}`);
      },
      onError: onRefused,
    }),
  );
  const updateJob = useMutation(
    trpc.backups.updateJob.mutationOptions({
      onSuccess: (saved) => {
        onFinished();
        void queryClient.invalidateQueries({ queryKey: trpc.jobs.pathKey() });
        if ('approvalRequest' in saved) {
          // Its retention deletes points at the next run: nothing is saved until a second admin approves.
          announceApprovalRequested(saved.approvalRequest);
          if (mode.kind === 'edit') router.push(`/jobs/${encodeURIComponent(mode.job.id)}`);
          return;
        }
        toast.success(`Backup job "${saved.name}" saved`, {
          description: saved.schedule?.description ?? undefined,
        });
        router.push(`/jobs/${encodeURIComponent(saved.id)}`);
      },
      onError: onRefused,
    }),
  );
  const mutation = mode.kind === 'edit' ? updateJob : values.runMode === 'now' ? start : createJob;
  // Saving again would be refused the same way: the job must be reopened as it is now.
  const isSavedSince = mode.kind === 'edit' && isJobSavedSinceError(updateJob.error);

  if (review.isPending) return <LoadingState label="Checking every prerequisite…" />;
  if (review.isError) return <ErrorState error={review.error} title="Could not plan this backup" />;

  const { plan, findings, warningKeys, counts, fingerprint } = review.data;
  const hasBlockers = counts.blocker > 0;
  const unacknowledged = warningKeys.filter((key) => !acknowledged.has(key));
  const canCreate = !hasBlockers && unacknowledged.length === 0 && !mutation.isPending && !isSavedSince;
  const create = () => {
    const acknowledgedWarnings = [...acknowledged].filter((key) => warningKeys.includes(key));
    if (mode.kind === 'edit') {
      const job = jobOf(values, mode.job.isEnabled);
      // The version the operator opened: a save by anyone since refuses this one (nothing overwritten).
      const loadedUpdatedAt = mode.job.updatedAt;
      updateJob.mutate({ id: mode.job.id, job, loadedUpdatedAt, acknowledgedWarnings, fingerprint });
    } else if (values.runMode === 'now') start.mutate({ request, acknowledgedWarnings, fingerprint });
    else createJob.mutate({ job: jobOf(values), acknowledgedWarnings, fingerprint });
  };
  const createLabel =
    mode.kind === 'edit'
      ? 'Save changes'
      : values.runMode === 'now'
        ? 'Start backup now'
        : 'Create backup job';

  return (
    <section aria-labelledby="step-review">
      <StepHeading stepKey="review">
        <span id="step-review">Review</span>
      </StepHeading>
      {isEstateChanged ? <EstateChangedAlert what="review" /> : null}
      <p className="mb-4 text-sm text-fg-muted">
        {values.runMode === 'now'
          ? 'One backup, started as soon as you confirm.'
          : values.runMode === 'manual'
            ? `Job "${values.job.name}" with no schedule: it runs only when started by hand ("Run now"), RPO ${values.job.rpoHours} h.`
            : `Job "${values.job.name}" on "${values.job.schedule.cron}" (${values.job.schedule.timeZone}), RPO ${values.job.rpoHours} h.`}{' '}
        {pluralize(plan.vms.length, 'VM')} captured; {pluralize(plan.steps.length, 'step')} planned.
      </p>
      {mode.kind === 'edit' ? (
        <>
          <EditChanges
            id={mode.job.id}
            job={jobOf(values, mode.job.isEnabled)}
            loadedUpdatedAt={mode.job.updatedAt}
          />
          <RetentionLossAlert
            id={mode.job.id}
            job={jobOf(values, mode.job.isEnabled)}
            loadedUpdatedAt={mode.job.updatedAt}
          />
        </>
      ) : null}
      {isJob && scheduleCheck.data?.rpoWarning ? (
        <Alert tone="warning" className="mb-4" aria-labelledby="schedule-rpo-title">
          <AlertTitle id="schedule-rpo-title">Schedule and RPO disagree</AlertTitle>
          <p>{scheduleCheck.data.rpoWarning}.</p>
        </Alert>
      ) : null}
      <PlanStaleHostsAlert vmIds={vmIdsBehindPlan(request.scope, plan.vms)} />

      <div className="mb-6">
        <DataTable
          columns={reviewColumns}
          rows={plan.vms}
          getRowId={(vm) => vm.vmId}
          caption="VMs in this backup"
        />
      </div>

      {hasBlockers ? (
        <Alert tone="danger" className="mb-4">
          <AlertTitle>This backup cannot be created: {pluralize(counts.blocker, 'blocker')}</AlertTitle>
          <p>
            Fix each blocker below (its remedy says how), or go back and choose other VMs or another method.
          </p>
          <ul className="mt-1 list-disc pl-5">
            {plan.blockedReasons.map((reason) => (
              <li key={reason}>{reason}</li>
            ))}
          </ul>
        </Alert>
      ) : null}

      {(['blocker', 'warning', 'info'] as const).map((severity) => {
        const group = findings.filter((finding) => finding.severity === severity);
        if (group.length === 0) return null;
        return (
          <section key={severity} aria-labelledby={`findings-${severity}`} className="mb-4">
            <h3 id={`findings-${severity}`} className="mb-2 text-base font-semibold">
              {SEVERITY_HEADINGS[severity]} ({group.length})
            </h3>
            <ul className="flex flex-col gap-2">
              {group.map((finding) => (
                <FindingItem
                  key={`${finding.severity}|${finding.key}`}
                  finding={finding}
                  isAcknowledged={acknowledged.has(finding.key)}
                  onAcknowledge={(isChecked) =>
                    setAcknowledged((current) => {
                      const next = new Set(current);
                      if (isChecked) next.add(finding.key);
                      else next.delete(finding.key);
                      return next;
                    })
                  }
                />
              ))}
            </ul>
          </section>
        );
      })}
      {findings.length === 0 ? (
        <Alert tone="success" className="mb-4">
          Every prerequisite check passes.
        </Alert>
      ) : null}

      {mode.kind === 'edit' && isSavedSince && updateJob.error ? (
        <JobSavedSinceAlert error={updateJob.error} jobId={mode.job.id} />
      ) : mutation.isError && !isEstateChangedError(mutation.error) ? (
        <MutationErrorAlert error={mutation.error} showFieldPaths />
      ) : null}

      <WizardActions>
        <Button type="button" variant="secondary" onClick={onBack}>
          Back
        </Button>
        <Button type="button" onClick={create} disabled={!canCreate} aria-describedby="create-status">
          {mutation.isPending ? (mode.kind === 'edit' ? 'Saving…' : 'Creating…') : createLabel}
        </Button>
        <p id="create-status" className="text-sm text-fg-muted">
          {isSavedSince
            ? 'Not saved: someone else saved this job since you opened it.'
            : hasBlockers
              ? 'Disabled: a blocker must be fixed first.'
              : unacknowledged.length > 0
                ? `Acknowledge ${pluralize(unacknowledged.length, 'more warning')} to continue.`
                : 'Ready.'}
        </p>
      </WizardActions>
    </section>
  );
}

function FindingItem({
  finding,
  isAcknowledged,
  onAcknowledge,
}: {
  finding: KeyedFinding;
  isAcknowledged: boolean;
  onAcknowledge: (isChecked: boolean) => void;
}) {
  const body = (
    <span className="flex flex-col gap-1">
      <span className="flex items-center gap-2">
        <Badge tone={SEVERITY_TONES[finding.severity]}>{finding.severity}</Badge>
        <RuleTitle ruleId={finding.ruleId} className="text-sm" />
      </span>
      <span className="text-sm text-fg">{finding.message}</span>
      <span className="text-sm text-fg-muted">
        <span className="font-medium">Remedy:</span> {finding.remedy}
      </span>
    </span>
  );
  return (
    <li className="rounded-md border border-line bg-surface p-3">
      {finding.severity === 'warning' ? (
        <label className="flex cursor-pointer items-start gap-3">
          <Checkbox
            checked={isAcknowledged}
            onChange={(event) => onAcknowledge(event.target.checked)}
            aria-label={`Acknowledge ${ruleTitleText(finding.ruleId)}: ${finding.message}`}
          />
          {body}
        </label>
      ) : (
        body
      )}
    </li>
  );
}
