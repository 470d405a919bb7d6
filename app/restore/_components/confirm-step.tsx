'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useMemo } from 'react';
import { useForm, useWatch } from 'react-hook-form';
import { toast } from 'sonner';
import { isEstateChangedError } from '@/app/_components/estate-changed-alert';
import { MutationErrorAlert } from '@/app/_components/mutation-error-alert';
import { ErrorState, LoadingState } from '@/app/_components/query-state';
import { Button } from '@/app/_components/ui/button';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import { FieldErrorText, StepHeading, WizardActions } from '@/app/_components/wizard';
import { useTRPC } from '@/app/_lib/trpc';
import { ApprovalSentPanel } from '@/app/approvals/_components/approval-sent';
import { approvalKindOfRestore } from '@/server/engine/approvals';
import { describePlan } from '@/server/engine/operation-rules';
import type { RestoreMode, RestorePlan } from '@/server/engine/plan-types';
import { isConfirmationValid } from '@/server/engine/restore-plan';
import { ConfirmRecap, runLabelOf, StoppedVmAcknowledgements } from './confirm-recap';
import { usePreview } from './use-restore-preview';
import { type ConfirmStepInput, confirmStepInput, type RestoreState } from './wizard-model';

export function ConfirmStep({
  state,
  onBack,
  onEstateChanged,
}: {
  state: RestoreState;
  onBack: () => void;
  /** The run was refused because the estate changed since the impact was reviewed. */
  onEstateChanged: () => void;
}) {
  const preview = usePreview(state);
  if (preview.isPending) return <LoadingState label="Preparing the restore…" />;
  if (preview.isError) return <ErrorState error={preview.error} title="Could not plan this restore" />;
  return <ConfirmForm state={state} plan={preview.data} onBack={onBack} onEstateChanged={onEstateChanged} />;
}

/**
 * The confirm step as a react-hook-form form validated by zodResolver, like the other wizard steps:
 * the typed name and each stopped VM's acknowledgement are checked with the rule the server applies.
 */
function ConfirmForm({
  state,
  plan,
  onBack,
  onEstateChanged,
}: {
  state: RestoreState;
  plan: RestorePlan;
  onBack: () => void;
  onEstateChanged: () => void;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const mode = state.mode as RestoreMode;
  const schema = useMemo(() => confirmStepInput(plan), [plan]);
  const form = useForm<ConfirmStepInput>({
    resolver: zodResolver(schema),
    mode: 'onChange',
    defaultValues: { confirmation: '', acknowledgedStoppedVmIds: [] },
  });
  const typed = useWatch({ control: form.control, name: 'confirmation' });
  const acknowledged = useWatch({ control: form.control, name: 'acknowledgedStoppedVmIds' });
  // A mode that overwrites what exists waits for a second admin unless four-eyes is off for it.
  const policies = useQuery(trpc.approvals.policies.queryOptions());
  const approvalKind = approvalKindOfRestore({ mode, newVmName: state.newVmName });
  const needsApproval =
    approvalKind !== null &&
    (policies.data?.find((policy) => policy.kind === approvalKind)?.required ?? true);
  const start = useMutation(
    trpc.restores.start.mutationOptions({
      onSuccess: (started) => {
        // Four-eyes: the restore waits for a second admin; the panel below says so, with a link.
        if ('approvalRequest' in started) return;
        toast.success('Restore started', { description: describePlan(started.plan) });
        router.push(`/operations/${started.operationId}`);
      },
      onError: async (error) => {
        if (!isEstateChangedError(error)) return;
        // Back to the impact, planned afresh from the estate as it is now.
        await queryClient.invalidateQueries({ queryKey: trpc.restores.preview.queryKey() });
        onEstateChanged();
      },
    }),
  );
  if (start.data && 'approvalRequest' in start.data) {
    return <ApprovalSentPanel request={start.data.approvalRequest} />;
  }
  const needsConfirmation = plan.confirmationText !== null;
  const isConfirmed = isConfirmationValid(plan, typed);
  const isAcknowledged = plan.stoppedVms.every((vm) => acknowledged.includes(vm.vmId));
  const isDestructive = needsConfirmation || plan.stoppedVms.length > 0;
  const run = form.handleSubmit((values) =>
    start.mutate({
      request: {
        restorePointId: state.pointId,
        mode,
        newVmName: state.newVmName || undefined,
        targetHostVolumeId: state.targetHostVolumeId || undefined,
        powerOnAfterRestore: mode === 'as-new' ? state.powerOnAfterRestore : undefined,
        confirmation: needsConfirmation ? values.confirmation : undefined,
        acknowledgedStoppedVmIds: plan.stoppedVms.length > 0 ? values.acknowledgedStoppedVmIds : undefined,
      },
      // The plan the operator reviewed on the impact step, not a newer one fetched here.
      fingerprint: state.reviewed,
    }),
  );

  return (
    <form aria-labelledby="step-confirm" onSubmit={run} noValidate>
      <StepHeading stepKey="confirm">
        <span id="step-confirm">Confirm and run</span>
      </StepHeading>
      <ConfirmRecap plan={plan} mode={mode} newVmName={state.newVmName} />
      <StoppedVmAcknowledgements
        stoppedVms={plan.stoppedVms}
        acknowledged={acknowledged}
        onChange={(ids) => form.setValue('acknowledgedStoppedVmIds', ids, { shouldValidate: true })}
      />
      {needsConfirmation ? (
        <div className="mb-4 flex flex-col gap-1">
          <Label htmlFor="restore-confirmation">
            Type {mode === 'volume-revert' ? 'the host and volume name' : 'the VM name'}{' '}
            <span className="font-mono font-semibold">{plan.confirmationText}</span> to confirm
          </Label>
          {/* Why an id is asked: another VM of the host has this name (what tells them apart there). */}
          {plan.confirmationNote ? (
            <p id="restore-confirmation-note" className="max-w-prose text-sm text-fg-soft">
              {plan.confirmationNote}
            </p>
          ) : null}
          <Input
            id="restore-confirmation"
            {...form.register('confirmation')}
            autoComplete="off"
            className="w-80"
            aria-invalid={typed !== '' && !isConfirmed ? true : undefined}
            aria-describedby={
              plan.confirmationNote
                ? 'restore-confirmation-note restore-confirmation-hint'
                : 'restore-confirmation-hint'
            }
          />
          <span id="restore-confirmation-hint" className="text-xs text-fg-muted" aria-live="polite">
            {isConfirmed ? 'Confirmed.' : 'Run stays disabled until the name matches exactly.'}
          </span>
        </div>
      ) : null}
      <FieldErrorText
        id="acknowledgement-error"
        message={
          form.formState.isSubmitted ? form.formState.errors.acknowledgedStoppedVmIds?.message : undefined
        }
      />
      {start.isError && !isEstateChangedError(start.error) ? (
        <MutationErrorAlert error={start.error} />
      ) : null}
      <WizardActions>
        <Button type="button" variant="secondary" onClick={onBack}>
          Back
        </Button>
        <Button
          type="submit"
          variant={isDestructive ? 'danger' : 'primary'}
          disabled={(needsConfirmation && !isConfirmed) || !isAcknowledged || start.isPending}
        >
          {start.isPending ? 'Sending…' : runLabelOf(plan, mode, state.newVmName, needsApproval)}
        </Button>
      </WizardActions>
      {needsApproval ? (
        <p className="mt-2 text-sm text-fg-muted">
          Nothing runs yet: a second admin reviews this impact and approves or rejects it (four-eyes).
        </p>
      ) : null}
    </form>
  );
}
