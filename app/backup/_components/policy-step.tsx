'use client';

import { useQuery } from '@tanstack/react-query';
import { useFormContext, useWatch } from 'react-hook-form';
import { ErrorState, LoadingState } from '@/app/_components/query-state';
import { Button } from '@/app/_components/ui/button';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import { RadioGroup, RadioGroupItem } from '@/app/_components/ui/radio-group';
import {
  Checkbox,
  errorMessageAt,
  FieldErrorText,
  StepHeading,
  WizardActions,
} from '@/app/_components/wizard';
import { useTRPC } from '@/app/_lib/trpc';
import { useMe } from '@/app/_lib/use-me';
import { type BackupWizardValues, requestOf } from './wizard-model';

const CONSISTENCY_OPTIONS = [
  {
    value: 'fallback',
    label: 'Fall back to crash-consistent',
    hint: 'If a VM cannot be quiesced, take a crash-consistent point anyway; the point records why.',
  },
  {
    value: 'require',
    label: 'Require the planned consistency',
    hint: 'If a VM cannot be quiesced, fail that VM instead of keeping a weaker point.',
  },
] as const;

const PASSTHROUGH_OPTIONS = [
  {
    value: 'skip',
    label: 'Skip pass-through disks, with a warning',
    hint: 'Back up the rest of the VM; protect the pass-through disk with a guest-agent job.',
  },
  {
    value: 'fail',
    label: 'Fail the VM',
    hint: 'Do not back up a VM whose pass-through disk would be left out.',
  },
] as const;

function PolicyRadios<V extends string>({
  legend,
  name,
  options,
}: {
  legend: string;
  name: 'request.consistencyPolicy' | 'request.passthroughPolicy';
  options: readonly { value: V; label: string; hint: string }[];
}) {
  const { control, setValue } = useFormContext<BackupWizardValues>();
  const value = useWatch({ control, name }) as string;
  return (
    <fieldset className="rounded-md border border-line bg-surface p-4">
      <legend className="px-1 text-sm font-semibold text-fg">{legend}</legend>
      <RadioGroup
        value={value}
        onValueChange={(next) => setValue(name, next as never, { shouldDirty: true })}
        aria-label={legend}
      >
        {options.map((option) => (
          <label key={option.value} htmlFor={`${name}-${option.value}`} className="flex cursor-pointer gap-3">
            <RadioGroupItem id={`${name}-${option.value}`} value={option.value} />
            <span>
              <span className="block text-sm font-medium text-fg">{option.label}</span>
              <span className="block text-xs text-fg-muted">{option.hint}</span>
            </span>
          </label>
        ))}
      </RadioGroup>
    </fieldset>
  );
}

export function PolicyStep({ onBack }: { onBack: () => void }) {
  const trpc = useTRPC();
  const { control, getValues, setValue } = useFormContext<BackupWizardValues>();
  const scope = useWatch({ control, name: 'request.scope' });
  const keepsCheckpoint = useWatch({ control, name: 'request.keepMemoryCheckpoint' }) ?? false;
  const keepsArraySnapshot = useWatch({ control, name: 'request.keepArraySnapshot' }) ?? false;
  const labels = useWatch({ control, name: 'labels' });
  // The server refuses scripts a role may not write; until the role is known, nothing is offered.
  const mayWriteScripts = useMe()?.capabilities.writeGuestScripts ?? false;
  // For a volume the VMs come from the plan; scripts can run in any of them.
  const review = useQuery({
    ...trpc.backups.review.queryOptions(requestOf(getValues())),
    enabled: scope.kind !== 'vms',
  });
  const vms =
    scope.kind === 'vms'
      ? scope.vmIds.map((id) => ({ id, name: labels[id] ?? id }))
      : (review.data?.plan.vms.map((vm) => ({ id: vm.vmId, name: vm.vmName })) ?? []);

  return (
    <section aria-labelledby="step-policy">
      <StepHeading stepKey="policy">
        <span id="step-policy">Consistency &amp; scripts</span>
      </StepHeading>
      <p className="mb-4 text-sm text-fg-muted">
        Explicit policies instead of silent downgrades: decide now what happens when a VM cannot be quiesced
        or has a disk the method cannot hold.
      </p>
      <div className="grid grid-cols-2 gap-4">
        <PolicyRadios
          legend="When a VM cannot be quiesced"
          name="request.consistencyPolicy"
          options={CONSISTENCY_OPTIONS}
        />
        <PolicyRadios
          legend="Pass-through disks"
          name="request.passthroughPolicy"
          options={PASSTHROUGH_OPTIONS}
        />
      </div>

      <label className="mt-4 flex items-start gap-2 text-sm text-fg">
        <Checkbox
          checked={keepsCheckpoint}
          onChange={(event) =>
            setValue('request.keepMemoryCheckpoint', event.target.checked, { shouldDirty: true })
          }
        />
        <span>
          <span className="font-medium">Keep a memory checkpoint on the pool</span>
          <span className="block text-fg-muted">
            XenServer VMs only: after the backup, a checkpoint with the VM&apos;s memory (the VM pauses
            briefly) stays on its pool; reverting to it brings the VM back running as it was. The job&apos;s
            retention prunes older ones.
          </span>
        </span>
      </label>

      <label className="mt-4 flex items-start gap-2 text-sm text-fg">
        <Checkbox
          checked={keepsArraySnapshot}
          onChange={(event) =>
            setValue('request.keepArraySnapshot', event.target.checked, { shouldDirty: true })
          }
        />
        <span>
          <span className="font-medium">Keep the array snapshot on the array</span>
          <span className="block text-fg-muted">
            Array snapshot backups only: the VMs are copied into the repository and the snapshot also stays on
            the array, so their points offer a volume revert and a staged restore. It uses the array&apos;s
            snapshot reserve until the job&apos;s retention deletes it with the last point of its capture; a
            run that fails or is cancelled still deletes it.
          </span>
        </span>
      </label>

      <h3 className="mt-6 mb-1 text-base font-semibold text-fg">Pre-freeze and post-thaw scripts</h3>
      <p className="mb-3 text-sm text-fg-muted">
        Run inside the guest around the snapshot (exit code 0 = success; killed at the timeout). Array
        snapshots of online applications need them to be application-consistent.
      </p>
      {scope.kind !== 'vms' && review.isPending ? (
        <LoadingState label="Finding the VMs on the volume…" />
      ) : null}
      {review.isError ? <ErrorState error={review.error} title="Could not plan this volume" /> : null}
      {mayWriteScripts ? null : (
        <p className="mb-3 text-sm text-fg-muted">
          Only an admin sets or changes guest scripts: they run commands inside the guest as its vault
          account. Scripts an admin set are kept as they are.
        </p>
      )}
      <fieldset disabled={!mayWriteScripts} className="flex flex-col gap-3">
        {vms.map((vm) => (
          <fieldset key={vm.id} className="rounded-md border border-line bg-surface p-4">
            <legend className="px-1 text-sm font-semibold text-fg">{vm.name}</legend>
            <div className="grid grid-cols-2 gap-4">
              <ScriptEditor vmId={vm.id} vmName={vm.name} which="preFreeze" label="Pre-freeze script" />
              <ScriptEditor vmId={vm.id} vmName={vm.name} which="postThaw" label="Post-thaw script" />
            </div>
          </fieldset>
        ))}
      </fieldset>

      <WizardActions>
        <Button type="button" variant="secondary" onClick={onBack}>
          Back
        </Button>
        <Button type="submit">Next: schedule &amp; retention</Button>
      </WizardActions>
    </section>
  );
}

function ScriptEditor({
  vmId,
  vmName,
  which,
  label,
}: {
  vmId: string;
  vmName: string;
  which: 'preFreeze' | 'postThaw';
  label: string;
}) {
  const { control, setValue, getValues, formState } = useFormContext<BackupWizardValues>();
  // The whole map, read and written as one value: a field path (`request.scripts.<vm id>…`) would
  // split a VM id holding `.`, `[` or `]` into several keys.
  const script = useWatch({ control, name: 'request.scripts' })?.[vmId]?.[which];
  const errorOf = (field: string) =>
    errorMessageAt(formState.errors, `request.scripts.${vmId}.${which}.${field}`);
  const baseId = `script-${vmId}-${which}`;

  const write = (next: { command: string; timeoutSeconds: number } | null) => {
    const scripts = { ...(getValues('request.scripts') ?? {}) };
    const forVm = { ...(scripts[vmId] ?? {}) };
    if (next) forVm[which] = next;
    else delete forVm[which];
    if (Object.keys(forVm).length === 0) delete scripts[vmId];
    else scripts[vmId] = forVm;
    // Once the step was submitted, each change is checked again, as a registered field's would be.
    setValue('request.scripts', scripts, { shouldDirty: true, shouldValidate: formState.isSubmitted });
  };
  const toggle = (isOn: boolean) => write(isOn ? { command: '', timeoutSeconds: 60 } : null);

  return (
    <div className="flex flex-col gap-2">
      <label className="flex items-center gap-2 text-sm font-medium text-fg">
        <Checkbox checked={script !== undefined} onChange={(event) => toggle(event.target.checked)} />
        {label} on {vmName}
      </label>
      {script ? (
        <>
          <div className="flex flex-col gap-1">
            <Label htmlFor={`${baseId}-command`}>
              {label} command ({vmName})
            </Label>
            <Input
              id={`${baseId}-command`}
              aria-invalid={errorOf('command') ? true : undefined}
              aria-describedby={errorOf('command') ? `${baseId}-command-error` : undefined}
              value={script.command}
              onChange={(event) => write({ ...script, command: event.target.value })}
            />
            <FieldErrorText id={`${baseId}-command-error`} message={errorOf('command')} />
          </div>
          <div className="flex flex-col gap-1">
            <Label htmlFor={`${baseId}-timeout`}>
              {label} timeout in seconds ({vmName})
            </Label>
            <Input
              id={`${baseId}-timeout`}
              type="number"
              min={1}
              max={3600}
              className="w-32"
              aria-invalid={errorOf('timeoutSeconds') ? true : undefined}
              aria-describedby={errorOf('timeoutSeconds') ? `${baseId}-timeout-error` : undefined}
              value={Number.isNaN(script.timeoutSeconds) ? '' : script.timeoutSeconds}
              onChange={(event) => write({ ...script, timeoutSeconds: event.target.valueAsNumber })}
            />
            <FieldErrorText id={`${baseId}-timeout-error`} message={errorOf('timeoutSeconds')} />
          </div>
        </>
      ) : null}
    </div>
  );
}
