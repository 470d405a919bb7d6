'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { toast } from 'sonner';
import { isEstateChangedError } from '@/app/_components/estate-changed-alert';
import { MutationErrorAlert } from '@/app/_components/mutation-error-alert';
import { ErrorState, LoadingState } from '@/app/_components/query-state';
import { Button } from '@/app/_components/ui/button';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import { StepHeading, WizardActions } from '@/app/_components/wizard';
import { pluralize } from '@/app/_lib/format';
import { RESTORE_MODE_LABELS } from '@/app/_lib/restore-format';
import { useTRPC } from '@/app/_lib/trpc';
import { ApprovalSentPanel } from '@/app/approvals/_components/approval-sent';
import { approvalKindOfRestore } from '@/server/engine/approvals';
import type { RestoreMode } from '@/server/engine/plan-types';
import { isConfirmationValid } from '@/server/engine/restore-plan';
import { usePreview } from './use-restore-preview';
import type { RestoreState } from './wizard-model';

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
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [typed, setTyped] = useState('');
  const preview = usePreview(state);
  // A mode that overwrites what exists waits for a second admin unless four-eyes is off for it.
  const policies = useQuery(trpc.approvals.policies.queryOptions());
  const approvalKind = state.mode ? approvalKindOfRestore(state.mode as RestoreMode) : null;
  const needsApproval =
    approvalKind !== null &&
    (policies.data?.find((policy) => policy.kind === approvalKind)?.required ?? true);
  const start = useMutation(
    trpc.restores.start.mutationOptions({
      onSuccess: (started) => {
        // Four-eyes: the restore waits for a second admin; the panel below says so, with a link.
        if ('approvalRequest' in started) return;
        toast.success('Restore started', { description: `Operation ${started.operationId}` });
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
  if (preview.isPending) return <LoadingState label="Preparing the restore…" />;
  if (preview.isError) return <ErrorState error={preview.error} title="Could not plan this restore" />;
  const plan = preview.data;
  const mode = state.mode as RestoreMode;
  const needsConfirmation = plan.confirmationText !== null;
  const isConfirmed = isConfirmationValid(plan, typed);

  return (
    <section aria-labelledby="step-confirm">
      <StepHeading stepKey="confirm">
        <span id="step-confirm">Confirm and run</span>
      </StepHeading>
      <p className="mb-4 text-sm text-slate-700">
        {RESTORE_MODE_LABELS[mode]}
        {state.newVmName ? ` as "${state.newVmName}"` : ''}: {pluralize(plan.steps.length, 'step')}
        {plan.collateral.length > 0 ? `, rolling back ${pluralize(plan.collateral.length, 'other VM')}` : ''}.
      </p>
      {needsConfirmation ? (
        <div className="mb-4 flex flex-col gap-1">
          <Label htmlFor="restore-confirmation">
            Type {mode === 'volume-revert' ? 'the volume name' : 'the VM name'}{' '}
            <span className="font-mono font-semibold">{plan.confirmationText}</span> to confirm
          </Label>
          <Input
            id="restore-confirmation"
            value={typed}
            onChange={(event) => setTyped(event.target.value)}
            autoComplete="off"
            className="w-80"
            aria-describedby="restore-confirmation-hint"
          />
          <span id="restore-confirmation-hint" className="text-xs text-slate-600" aria-live="polite">
            {isConfirmed ? 'Confirmed.' : 'Run stays disabled until the name matches exactly.'}
          </span>
        </div>
      ) : null}
      {start.isError && !isEstateChangedError(start.error) ? (
        <MutationErrorAlert error={start.error} />
      ) : null}
      <WizardActions>
        <Button type="button" variant="secondary" onClick={onBack}>
          Back
        </Button>
        <Button
          type="button"
          disabled={(needsConfirmation && !isConfirmed) || start.isPending}
          onClick={() =>
            start.mutate({
              request: {
                restorePointId: state.pointId,
                mode,
                newVmName: state.newVmName || undefined,
                confirmation: needsConfirmation ? typed : undefined,
              },
              // The plan the operator reviewed on the impact step, not a newer one fetched here.
              fingerprint: state.reviewed,
            })
          }
        >
          {start.isPending ? 'Sending…' : needsApproval ? 'Send for approval' : 'Run restore'}
        </Button>
      </WizardActions>
      {needsApproval ? (
        <p className="mt-2 text-sm text-slate-600">
          Nothing runs yet: a second admin reviews this impact and approves or rejects it (four-eyes).
        </p>
      ) : null}
    </section>
  );
}
