'use client';

import { useQuery } from '@tanstack/react-query';
import { EstateChangedAlert } from '@/app/_components/estate-changed-alert';
import { ErrorState, LoadingState } from '@/app/_components/query-state';
import { Alert, AlertTitle } from '@/app/_components/ui/alert';
import { Button } from '@/app/_components/ui/button';
import { StepHeading, WizardActions } from '@/app/_components/wizard';
import { RESTORE_MODE_HINTS, RESTORE_MODE_LABELS } from '@/app/_lib/restore-format';
import { useTRPC } from '@/app/_lib/trpc';
import type { RestoreMode } from '@/server/engine/plan-types';
import { RestoreBlastRadius } from './blast-radius';
import { usePreview } from './use-restore-preview';
import { type RestoreState, saferAlternativeOf } from './wizard-model';

export function ImpactStep({
  state,
  onBack,
  onSwitch,
  onNext,
}: {
  state: RestoreState;
  onBack: () => void;
  onSwitch: (mode: RestoreMode, newVmName: string) => void;
  /** Called with the fingerprint of the plan shown: the plan the run must be. */
  onNext: (fingerprint: string) => void;
}) {
  const trpc = useTRPC();
  const preview = usePreview(state);
  const detail = useQuery(trpc.restorePoints.get.queryOptions({ id: state.pointId }));
  if (preview.isPending || detail.isPending) return <LoadingState label="Working out the blast radius…" />;
  if (preview.isError) return <ErrorState error={preview.error} title="Could not plan this restore" />;
  if (detail.isError) return <ErrorState error={detail.error} title="Could not read the restore point" />;
  const plan = preview.data;
  const mode = state.mode as RestoreMode;
  const available = new Set(detail.data.restoreModes.filter((o) => o.isAvailable).map((o) => o.mode));
  const safer = saferAlternativeOf(mode, available);
  const vmName = detail.data.point.vmName;
  // The confirmation and the stopped VMs' acknowledgements are asked on the next step; here only
  // the other blockers matter.
  const otherBlockers = plan.blockedReasons.filter(
    (reason) =>
      !(plan.confirmationText && reason.includes(`"${plan.confirmationText}"`)) &&
      !reason.startsWith('Acknowledge that the revert stops'),
  );

  return (
    <section aria-labelledby="step-impact">
      {state.isEstateChanged ? <EstateChangedAlert what="impact" /> : null}
      <StepHeading stepKey="impact">
        <span id="step-impact">Impact of {RESTORE_MODE_LABELS[mode].toLowerCase()}</span>
      </StepHeading>
      {safer ? (
        <Alert tone="info" className="mb-4" aria-labelledby="safer-title">
          <AlertTitle id="safer-title">Safer alternative: {RESTORE_MODE_LABELS[safer]}</AlertTitle>
          <p className="mb-2">
            {RESTORE_MODE_HINTS[safer]} {vmName} comes back as a new VM,{' '}
            {state.newVmName || `${vmName}-restored`}, next to the original.
          </p>
          <Button
            type="button"
            onClick={() =>
              // Both alternatives bring the VM back next to the original: nothing live is overwritten.
              onSwitch(safer, state.newVmName || `${vmName}-restored`)
            }
          >
            Use {safer === 'staged' ? 'staged restore' : 'restore as a new VM'} instead
          </Button>
        </Alert>
      ) : null}

      <RestoreBlastRadius plan={plan} vmName={vmName} />
      {otherBlockers.length > 0 ? (
        <Alert tone="danger" className="mb-4">
          <AlertTitle>This restore cannot run</AlertTitle>
          <ul className="list-disc pl-5">
            {otherBlockers.map((reason) => (
              <li key={reason}>{reason}</li>
            ))}
          </ul>
        </Alert>
      ) : null}
      <WizardActions>
        <Button type="button" variant="secondary" onClick={onBack}>
          Back
        </Button>
        <Button type="button" onClick={() => onNext(plan.fingerprint)} disabled={otherBlockers.length > 0}>
          Next: confirm
        </Button>
      </WizardActions>
    </section>
  );
}
