'use client';

import { useQuery } from '@tanstack/react-query';
import { useFormContext, useWatch } from 'react-hook-form';
import { ErrorState, LoadingState } from '@/app/_components/query-state';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/app/_components/ui/card';
import { Select } from '@/app/_components/ui/select';
import { StepHeading, WizardActions } from '@/app/_components/wizard';
import { CAPTURE_STATE_LABELS, consistencyLabel, METHOD_LABELS } from '@/app/_lib/format';
import { useTRPC } from '@/app/_lib/trpc';
import { MethodComparison } from '@/app/vms/_components/method-comparison';
import { excludedDiskNamesOf } from '@/server/engine/plan-types';
import type { BackupMethod } from '@/server/engine/types';
import { type BackupWizardValues, requestOf } from './wizard-model';

export function MethodStep({ onBack }: { onBack: () => void }) {
  const { control, getValues } = useFormContext<BackupWizardValues>();
  const scope = useWatch({ control, name: 'request.scope' });
  return (
    <section aria-labelledby="step-method">
      <StepHeading stepKey="method">
        <span id="step-method">Method</span>
      </StepHeading>
      {scope.kind === 'vms' ? (
        <>
          <p className="mb-4 text-sm text-fg-muted">
            Each VM starts on the planner&apos;s recommendation; the table compares every method for it, and
            why the others are not available.
          </p>
          <div className="flex flex-col gap-6">
            {scope.vmIds.map((vmId) => (
              <VmMethodChoice key={vmId} vmId={vmId} />
            ))}
          </div>
        </>
      ) : (
        <VolumeScopeMethods values={getValues()} />
      )}
      <WizardActions>
        <Button type="button" variant="secondary" onClick={onBack}>
          Back
        </Button>
        <Button type="submit">Next: consistency &amp; scripts</Button>
      </WizardActions>
    </section>
  );
}

function VmMethodChoice({ vmId }: { vmId: string }) {
  const trpc = useTRPC();
  const { control, setValue, getValues } = useFormContext<BackupWizardValues>();
  // The whole map, indexed here: a field path would split a VM id holding `.`, `[` or `]`.
  const chosen: BackupMethod | undefined = useWatch({ control, name: 'request.methodByVm' })?.[vmId];
  const labels = useWatch({ control, name: 'labels' });
  const plan = useQuery(trpc.vms.plan.queryOptions({ id: vmId }));
  const name = labels[vmId] ?? vmId;
  const selectId = `method-${vmId}`;

  const choose = (value: string) => {
    const { [vmId]: _previous, ...rest } = getValues('request.methodByVm') ?? {};
    setValue('request.methodByVm', value === '' ? rest : { ...rest, [vmId]: value as BackupMethod }, {
      shouldDirty: true,
    });
  };

  return (
    <Card>
      <CardHeader>
        <CardTitle>{name}</CardTitle>
        <CardDescription>
          <label htmlFor={selectId} className="mr-2 font-medium text-fg-soft">
            Method for {name}
          </label>
          <Select
            id={selectId}
            value={chosen ?? ''}
            onChange={(event) => choose(event.target.value)}
            className="inline-block w-80"
            disabled={!plan.data}
          >
            <option value="">
              Recommended
              {plan.data?.recommended ? ` (${METHOD_LABELS[plan.data.recommended]})` : ''}
            </option>
            {plan.data?.options.map((option) => (
              <option key={option.method} value={option.method} disabled={!option.isAvailable}>
                {METHOD_LABELS[option.method]}
                {option.isAvailable ? '' : ` — not available: ${option.unavailableReasons[0] ?? ''}`}
              </option>
            ))}
          </Select>
        </CardDescription>
      </CardHeader>
      <CardContent>
        {plan.isPending ? (
          <LoadingState label={`Comparing methods for ${name}…`} />
        ) : plan.isError ? (
          <ErrorState error={plan.error} title={`Could not plan ${name}`} />
        ) : (
          <MethodComparison plan={plan.data} />
        )}
      </CardContent>
    </Card>
  );
}

/** A volume scope has one method (WSB or array snapshot); show what it captures, from the engine. */
function VolumeScopeMethods({ values }: { values: BackupWizardValues }) {
  const trpc = useTRPC();
  const review = useQuery(trpc.backups.review.queryOptions(requestOf(values)));
  if (review.isPending) return <LoadingState label="Planning the volume backup…" />;
  if (review.isError) return <ErrorState error={review.error} title="Could not plan this volume" />;
  const { plan } = review.data;
  return (
    <div className="flex flex-col gap-3">
      <p className="text-sm text-fg-muted">
        A volume is captured by one method; every VM on it gets its own restore point from the same snapshot.
      </p>
      {plan.vms.length === 0 ? (
        <ErrorState
          title="Nothing on this volume can be backed up"
          error={new Error(plan.blockedReasons.join('; ') || 'No VM lives on this volume')}
        />
      ) : (
        <ul className="grid grid-cols-2 gap-2" aria-label="VMs captured">
          {plan.vms.map((vm) => (
            <li key={vm.vmId} className="rounded-md border border-line bg-surface p-3 text-sm">
              <p className="font-medium text-fg">{vm.vmName}</p>
              <p className="text-fg-muted">
                {METHOD_LABELS[vm.method]} · {consistencyLabel(vm.expectedConsistency, vm.captureState)} ·{' '}
                {CAPTURE_STATE_LABELS[vm.captureState]}
              </p>
              {vm.excludedDiskIds.length > 0 ? (
                <Badge tone="warning">Leaves out {excludedDiskNamesOf(vm).join(', ')}</Badge>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
