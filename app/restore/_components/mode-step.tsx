'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { type Resolver, useForm, useWatch } from 'react-hook-form';
import { ErrorState, LoadingState } from '@/app/_components/query-state';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import { RadioGroup, RadioGroupItem } from '@/app/_components/ui/radio-group';
import { FieldErrorText, StepHeading, WizardActions } from '@/app/_components/wizard';
import { METHOD_LABELS } from '@/app/_lib/format';
import { formatDateTime, RESTORE_MODE_LABELS, RESTORE_MODE_ORDER } from '@/app/_lib/restore-format';
import { useTRPC } from '@/app/_lib/trpc';
import type { RestoreMode } from '@/server/engine/plan-types';
import { newVmNameInput, type RestoreRequest } from '@/server/schemas/operations';
import { NewVmPlacementFields, type NewVmPlacementValue } from './new-vm-placement';
import { DESTRUCTIVE_MODES, type ModeStepInput, modeStepInput } from './wizard-model';

export function ModeStep({
  pointId,
  selected,
  newVmName,
  placement,
  onBack,
  onNext,
}: {
  pointId: string;
  selected: RestoreMode | '';
  newVmName: string;
  placement: Pick<NewVmPlacementValue, 'targetHostVolumeId' | 'powerOnAfterRestore'>;
  onBack: () => void;
  onNext: (
    mode: RestoreMode,
    newVmName: string,
    placement: Pick<NewVmPlacementValue, 'targetHostVolumeId' | 'powerOnAfterRestore'>,
  ) => void;
}) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.restorePoints.get.queryOptions({ id: pointId }));
  const schema = useMemo(() => modeStepInput(pointId), [pointId]);
  const form = useForm<ModeStepInput, unknown, RestoreRequest>({
    // The schema's input is the form's fields before the blank name is dropped (preprocess).
    resolver: zodResolver(schema as never) as unknown as Resolver<ModeStepInput, unknown, RestoreRequest>,
    defaultValues: { mode: selected, newVmName, targetHostId: '', ...placement },
  });
  const mode = useWatch({ control: form.control, name: 'mode' }) as RestoreMode | '';
  const name = useWatch({ control: form.control, name: 'newVmName' });
  const [targetHostId, targetHostVolumeId, powerOnAfterRestore] = useWatch({
    control: form.control,
    name: ['targetHostId', 'targetHostVolumeId', 'powerOnAfterRestore'],
  });
  const { errors } = form.formState;

  if (detail.isPending) return <LoadingState label="Reading the restore point…" />;
  if (detail.isError) return <ErrorState error={detail.error} title="Could not read the restore point" />;
  const { point, restoreModes } = detail.data;
  const options = RESTORE_MODE_ORDER.map((key) => restoreModes.find((option) => option.mode === key)).filter(
    (option) => option !== undefined,
  );
  const vmName = point.vmName;

  const next = form.handleSubmit((request) => {
    // Another host's volumes were offered: the new VM needs one of them, not the default place.
    if (
      request.mode === 'as-new' &&
      targetHostId !== '' &&
      targetHostId !== point.hostId &&
      !targetHostVolumeId
    ) {
      form.setError('targetHostVolumeId', { message: 'Choose a volume on the target host' });
      return;
    }
    onNext(request.mode, request.newVmName ?? '', {
      targetHostVolumeId: request.targetHostVolumeId ?? '',
      powerOnAfterRestore: request.powerOnAfterRestore ?? false,
    });
  });

  return (
    <section aria-labelledby="step-mode">
      <StepHeading stepKey="mode">
        <span id="step-mode">How to restore {vmName}?</span>
      </StepHeading>
      <p className="mb-3 text-sm text-fg-muted">
        Point of {formatDateTime(point.createdAt)} ({METHOD_LABELS[point.method]}). Safe modes come first; a
        mode this point cannot do is disabled with the reason.
      </p>
      <RadioGroup
        aria-label="Restore mode"
        value={mode}
        onValueChange={(value) => {
          form.setValue('mode', value);
          form.clearErrors();
        }}
      >
        {options.map((option) => (
          <label
            key={option.mode}
            htmlFor={`mode-${option.mode}`}
            className="flex gap-3 rounded-md border border-line bg-surface p-3 has-[[data-disabled]]:opacity-60 has-[[data-state=checked]]:border-brand-500"
          >
            <RadioGroupItem
              id={`mode-${option.mode}`}
              value={option.mode}
              disabled={!option.isAvailable}
              aria-describedby={`mode-${option.mode}-hint`}
            />
            <span className="flex flex-col">
              <span className="text-sm font-medium">
                {RESTORE_MODE_LABELS[option.mode]}{' '}
                {DESTRUCTIVE_MODES.has(option.mode) ? <Badge tone="danger">destructive</Badge> : null}
              </span>
              <span id={`mode-${option.mode}-hint`} className="text-xs text-fg-muted">
                {option.isAvailable ? option.description : `Not available: ${option.reason}`}
              </span>
            </span>
          </label>
        ))}
      </RadioGroup>
      <FieldErrorText id="mode-error" message={errors.mode?.message} />
      {mode === 'as-new' || mode === 'staged' ? (
        <div className="mt-4 flex flex-col gap-1">
          <Label htmlFor="new-vm-name">New VM name</Label>
          <Input
            id="new-vm-name"
            {...form.register('newVmName')}
            className="w-80"
            placeholder={`${vmName}-restored`}
            aria-invalid={errors.newVmName ? true : undefined}
            aria-describedby="new-vm-name-hint new-vm-name-error"
          />
          <span id="new-vm-name-hint" className="text-xs text-fg-subtle">
            {mode === 'staged'
              ? `Leave empty to copy it back over ${vmName} itself: that overwrites ${vmName} as an in-place restore does (the restore operator role, a second admin's approval while four-eyes is on for in-place restores, and its name typed to confirm).`
              : 'The restored VM is created next to the original; nothing existing is touched.'}
          </span>
          <FieldErrorText
            id="new-vm-name-error"
            message={
              errors.newVmName?.message ??
              (name.trim() !== '' && !newVmNameInput.safeParse(name).success
                ? newVmNameInput.safeParse(name).error?.issues[0]?.message
                : undefined)
            }
          />
        </div>
      ) : null}
      {mode === 'as-new' ? (
        <>
          <NewVmPlacementFields
            sourceHostId={point.hostId}
            vmName={vmName}
            value={{ targetHostId, targetHostVolumeId, powerOnAfterRestore }}
            onChange={(value) => {
              form.setValue('targetHostId', value.targetHostId);
              form.setValue('targetHostVolumeId', value.targetHostVolumeId);
              form.setValue('powerOnAfterRestore', value.powerOnAfterRestore);
              form.clearErrors('targetHostVolumeId');
            }}
          />
          <FieldErrorText id="target-volume-error" message={errors.targetHostVolumeId?.message} />
        </>
      ) : null}
      <WizardActions>
        <Button type="button" variant="secondary" onClick={onBack}>
          Back
        </Button>
        <Button type="button" onClick={next}>
          Next: impact
        </Button>
      </WizardActions>
    </section>
  );
}
