'use client';

import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useState } from 'react';
import { toast } from 'sonner';
import { MutationErrorAlert } from '@/app/_components/mutation-error-alert';
import { PageHeader } from '@/app/_components/page-header';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { Alert, AlertTitle } from '@/app/_components/ui/alert';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import { RadioGroup, RadioGroupItem } from '@/app/_components/ui/radio-group';
import { FieldErrorText, StepHeading, WizardActions, WizardProgress } from '@/app/_components/wizard';
import {
  CAPTURE_STATE_LABELS,
  CONSISTENCY_LABELS,
  formatBytes,
  METHOD_LABELS,
  pluralize,
  SEVERITY_TONES,
} from '@/app/_lib/format';
import {
  CONSISTENCY_TONES,
  formatDateTime,
  RESTORE_MODE_HINTS,
  RESTORE_MODE_LABELS,
  RESTORE_MODE_ORDER,
  VERDICT_TONES,
} from '@/app/_lib/restore-format';
import { useTRPC } from '@/app/_lib/trpc';
import { RESTORE_MODES, type RestoreMode } from '@/server/engine/plan-types';
import { formatDuration, isConfirmationValid } from '@/server/engine/restore-plan';
import { newVmNameSchema, restoreRequestSchema } from '@/server/schemas/operations';

const RESTORE_STEPS = [
  { key: 'vm', label: 'VM' },
  { key: 'point', label: 'Restore point' },
  { key: 'mode', label: 'Mode' },
  { key: 'impact', label: 'Impact' },
  { key: 'confirm', label: 'Confirm & run' },
] as const;
type RestoreStepKey = (typeof RESTORE_STEPS)[number]['key'];

const DESTRUCTIVE_MODES: ReadonlySet<RestoreMode> = new Set(['in-place', 'snapshot-revert', 'volume-revert']);

/** The safer mode to offer first, when the chosen one destroys something and the point allows it. */
function saferAlternativeOf(mode: RestoreMode, available: Set<RestoreMode>): RestoreMode | null {
  if (mode === 'volume-revert' && available.has('staged')) return 'staged';
  if (DESTRUCTIVE_MODES.has(mode) && available.has('as-new')) return 'as-new';
  return null;
}

interface RestoreState {
  step: RestoreStepKey;
  vmId: string;
  pointId: string;
  mode: RestoreMode | '';
  newVmName: string;
}

function readState(params: URLSearchParams): RestoreState {
  const step = params.get('step');
  const mode = params.get('mode') ?? '';
  return {
    step: RESTORE_STEPS.some((s) => s.key === step) ? (step as RestoreStepKey) : 'vm',
    vmId: params.get('vmId') ?? '',
    pointId: params.get('pointId') ?? '',
    mode: (RESTORE_MODES as readonly string[]).includes(mode) ? (mode as RestoreMode) : '',
    newVmName: params.get('newVmName') ?? '',
  };
}

/**
 * Restore wizard. Everything it needs fits in the URL (VM, point, mode, new name), so back and
 * forward walk through the steps with the choices intact and a link reproduces the wizard.
 */
export function RestoreWizard() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const state = readState(params);
  const trpc = useTRPC();

  // Started from a restore point (?pointId= alone): fill in its VM and go to the mode.
  const startPoint = useQuery({
    ...trpc.restorePoints.get.queryOptions({ id: state.pointId }),
    enabled: state.pointId !== '',
  });
  useEffect(() => {
    if (state.pointId && !state.vmId && startPoint.data) {
      const next = new URLSearchParams(params);
      next.set('vmId', startPoint.data.point.vmId);
      next.set('step', 'mode');
      router.replace(`${pathname}?${next.toString()}`);
    }
  }, [state.pointId, state.vmId, startPoint.data, params, pathname, router]);

  const go = (changes: Partial<Record<keyof RestoreState, string>>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    router.push(`${pathname}?${next.toString()}`);
  };
  const stepIndex = RESTORE_STEPS.findIndex((s) => s.key === state.step);
  const required: Record<RestoreStepKey, boolean> = {
    vm: true,
    point: state.vmId !== '',
    mode: state.pointId !== '',
    impact: state.pointId !== '' && state.mode !== '',
    confirm: state.pointId !== '' && state.mode !== '',
  };
  const back = () => {
    const previous = RESTORE_STEPS[stepIndex - 1];
    if (previous) go({ step: previous.key });
  };

  return (
    <>
      <PageHeader
        title="Restore"
        description="Pick a point and a mode; the blast radius is shown before anything runs, with the safer alternative first."
      />
      <WizardProgress
        label="Restore wizard steps"
        steps={RESTORE_STEPS}
        current={state.step}
        hrefOf={(key) => {
          const next = new URLSearchParams(params);
          next.set('step', key);
          return `${pathname}?${next.toString()}`;
        }}
        reachable={(key) => RESTORE_STEPS.findIndex((s) => s.key === key) < stepIndex}
      />
      <div className="max-w-5xl">
        {!required[state.step] ? (
          <Alert tone="info">
            An earlier step is not finished.{' '}
            <Link href={pathname} className="font-medium underline">
              Start from the first step
            </Link>
            .
          </Alert>
        ) : state.step === 'vm' ? (
          <VmStep
            selected={state.vmId}
            onNext={(vmId) => go({ vmId, pointId: '', mode: '', step: 'point' })}
          />
        ) : state.step === 'point' ? (
          <PointStep
            vmId={state.vmId}
            selected={state.pointId}
            onBack={back}
            onNext={(pointId) => go({ pointId, mode: '', step: 'mode' })}
          />
        ) : state.step === 'mode' ? (
          <ModeStep
            pointId={state.pointId}
            selected={state.mode}
            newVmName={state.newVmName}
            onBack={back}
            onNext={(mode, newVmName) => go({ mode, newVmName, step: 'impact' })}
          />
        ) : state.step === 'impact' ? (
          <ImpactStep
            state={state}
            onBack={back}
            onSwitch={(mode, newVmName) => go({ mode, newVmName, step: 'impact' })}
            onNext={() => go({ step: 'confirm' })}
          />
        ) : (
          <ConfirmStep state={state} onBack={back} />
        )}
      </div>
    </>
  );
}

function VmStep({ selected, onNext }: { selected: string; onNext: (vmId: string) => void }) {
  const trpc = useTRPC();
  const [searchText, setSearchText] = useState('');
  const [search, setSearch] = useState('');
  const [vmId, setVmId] = useState(selected);
  const [error, setError] = useState<string>();
  const vms = useQuery({
    ...trpc.vms.list.queryOptions({ search: search || undefined, limit: 50 }),
    placeholderData: keepPreviousData,
  });
  return (
    <section aria-labelledby="step-vm">
      <StepHeading stepKey="vm">
        <span id="step-vm">Which VM?</span>
      </StepHeading>
      <div className="mb-3 flex items-end gap-2">
        <div className="flex flex-col gap-1">
          <Label htmlFor="restore-vm-search">Search VMs by name</Label>
          <Input
            id="restore-vm-search"
            value={searchText}
            onChange={(event) => setSearchText(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter') setSearch(searchText.trim());
            }}
            className="w-64"
          />
        </div>
        <Button type="button" variant="secondary" onClick={() => setSearch(searchText.trim())}>
          Search
        </Button>
      </div>
      {vms.isPending ? (
        <LoadingState label="Loading VMs…" />
      ) : vms.isError ? (
        <ErrorState error={vms.error} title="Could not load VMs" />
      ) : vms.data.items.length === 0 ? (
        <EmptyState>No VM matches.</EmptyState>
      ) : (
        <RadioGroup
          aria-label="VM to restore"
          value={vmId}
          onValueChange={(value) => {
            setVmId(value);
            setError(undefined);
          }}
          className="max-h-96 grid-cols-3 overflow-y-auto rounded-md border border-slate-200 bg-white p-2"
        >
          {vms.data.items.map((vm) => (
            <label
              key={vm.id}
              htmlFor={`restore-vm-${vm.id}`}
              className="flex cursor-pointer gap-2 px-2 py-1"
            >
              <RadioGroupItem id={`restore-vm-${vm.id}`} value={vm.id} />
              <span className="text-sm">
                <span className="font-medium">{vm.name}</span>
                <span className="block text-xs text-slate-600">
                  {vm.hostName} · {vm.powerState}
                </span>
              </span>
            </label>
          ))}
        </RadioGroup>
      )}
      <FieldErrorText id="restore-vm-error" message={error} />
      <WizardActions>
        <Button type="button" onClick={() => (vmId ? onNext(vmId) : setError('Choose a VM'))}>
          Next: restore point
        </Button>
      </WizardActions>
    </section>
  );
}

function PointStep({
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
  const [pointId, setPointId] = useState(selected);
  const [error, setError] = useState<string>();
  const [cursor, setCursor] = useState<string>();
  const points = useQuery({
    ...trpc.restorePoints.list.queryOptions({ vmId, limit: 25, cursor }),
    placeholderData: keepPreviousData,
  });
  return (
    <section aria-labelledby="step-point">
      <StepHeading stepKey="point">
        <span id="step-point">Which restore point?</span>
      </StepHeading>
      <p className="mb-3 text-sm text-slate-600">
        Newest first. The badge is the consistency the point actually achieved.
      </p>
      {points.isPending ? (
        <LoadingState label="Loading restore points…" />
      ) : points.isError ? (
        <ErrorState error={points.error} title="Could not load restore points" />
      ) : points.data.items.length === 0 ? (
        <EmptyState>
          This VM has no restore point yet.{' '}
          <Link href={`/backup/new?vmId=${encodeURIComponent(vmId)}`} className="text-brand-700 underline">
            Back it up first
          </Link>
          .
        </EmptyState>
      ) : (
        <RadioGroup
          aria-label="Restore point timeline"
          value={pointId}
          onValueChange={(value) => {
            setPointId(value);
            setError(undefined);
          }}
          className="relative gap-0 border-l-2 border-slate-200 pl-4"
        >
          {points.data.items.map((point) => (
            <label
              key={point.id}
              htmlFor={`point-${point.id}`}
              className="relative flex cursor-pointer gap-3 rounded-md p-3 hover:bg-slate-50 has-[[data-state=checked]]:bg-brand-50"
            >
              <span
                aria-hidden="true"
                className="absolute -left-[23px] top-4 size-3 rounded-full bg-slate-400"
              />
              <RadioGroupItem
                id={`point-${point.id}`}
                value={point.id}
                aria-label={`Point of ${formatDateTime(point.createdAt)} (${point.consistency})`}
              />
              <span className="flex flex-col gap-1 text-sm">
                <span className="flex flex-wrap items-center gap-2">
                  <span className="font-medium">{formatDateTime(point.createdAt)}</span>
                  <Badge tone={CONSISTENCY_TONES[point.consistency]}>
                    {CONSISTENCY_LABELS[point.consistency]}
                  </Badge>
                  {point.lastVerdict ? (
                    <Badge tone={VERDICT_TONES[point.lastVerdict]}>verified {point.lastVerdict}</Badge>
                  ) : null}
                </span>
                <span className="text-slate-600">
                  {METHOD_LABELS[point.method]} · {CAPTURE_STATE_LABELS[point.captureState]} ·{' '}
                  {formatBytes(point.sizeBytes)} · holds {pluralize(point.heldDiskIds.length, 'disk')}
                  {point.missingDiskIds.length > 0 ? ` · missing ${point.missingDiskIds.join(', ')}` : ''}
                </span>
                {point.consistencyReason ? (
                  <span className="text-xs text-slate-500">{point.consistencyReason}</span>
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
      <FieldErrorText id="point-error" message={error} />
      <WizardActions>
        <Button type="button" variant="secondary" onClick={onBack}>
          Back
        </Button>
        <Button
          type="button"
          onClick={() => (pointId ? onNext(pointId) : setError('Choose a restore point'))}
        >
          Next: mode
        </Button>
      </WizardActions>
    </section>
  );
}

function ModeStep({
  pointId,
  selected,
  newVmName,
  onBack,
  onNext,
}: {
  pointId: string;
  selected: RestoreMode | '';
  newVmName: string;
  onBack: () => void;
  onNext: (mode: RestoreMode, newVmName: string) => void;
}) {
  const trpc = useTRPC();
  const detail = useQuery(trpc.restorePoints.get.queryOptions({ id: pointId }));
  const [mode, setMode] = useState<RestoreMode | ''>(selected);
  const [name, setName] = useState(newVmName);
  const [errors, setErrors] = useState<{ mode?: string; newVmName?: string }>({});

  if (detail.isPending) return <LoadingState label="Reading the restore point…" />;
  if (detail.isError) return <ErrorState error={detail.error} title="Could not read the restore point" />;
  const { point, restoreModes } = detail.data;
  const options = RESTORE_MODE_ORDER.map((key) => restoreModes.find((option) => option.mode === key)).filter(
    (option) => option !== undefined,
  );
  const vmName = point.vmName;

  const next = () => {
    // The server's own schema: a mode, and a valid new VM name where one is given or required.
    const parsed = restoreRequestSchema.safeParse({
      restorePointId: pointId,
      mode: mode || undefined,
      newVmName: name.trim() === '' ? undefined : name,
    });
    if (!parsed.success) {
      const found: { mode?: string; newVmName?: string } = {};
      for (const issue of parsed.error.issues) {
        const key = issue.path[0];
        if (key === 'mode' || key === 'newVmName') found[key] ??= issue.message;
      }
      setErrors(found);
      return;
    }
    onNext(parsed.data.mode, parsed.data.newVmName ?? '');
  };

  return (
    <section aria-labelledby="step-mode">
      <StepHeading stepKey="mode">
        <span id="step-mode">How to restore {vmName}?</span>
      </StepHeading>
      <p className="mb-3 text-sm text-slate-600">
        Point of {formatDateTime(point.createdAt)} ({METHOD_LABELS[point.method]}). Safe modes come first; a
        mode this point cannot do is disabled with the reason.
      </p>
      <RadioGroup
        aria-label="Restore mode"
        value={mode}
        onValueChange={(value) => {
          setMode(value as RestoreMode);
          setErrors({});
        }}
      >
        {options.map((option) => (
          <label
            key={option.mode}
            htmlFor={`mode-${option.mode}`}
            className="flex gap-3 rounded-md border border-slate-200 bg-white p-3 has-[[data-disabled]]:opacity-60 has-[[data-state=checked]]:border-brand-500"
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
              <span id={`mode-${option.mode}-hint`} className="text-xs text-slate-600">
                {option.isAvailable ? RESTORE_MODE_HINTS[option.mode] : `Not available: ${option.reason}`}
              </span>
            </span>
          </label>
        ))}
      </RadioGroup>
      <FieldErrorText id="mode-error" message={errors.mode} />
      {mode === 'as-new' || mode === 'staged' ? (
        <div className="mt-4 flex flex-col gap-1">
          <Label htmlFor="new-vm-name">New VM name</Label>
          <Input
            id="new-vm-name"
            value={name}
            onChange={(event) => setName(event.target.value)}
            className="w-80"
            placeholder={`${vmName}-restored`}
            aria-invalid={errors.newVmName ? true : undefined}
            aria-describedby="new-vm-name-hint new-vm-name-error"
          />
          <span id="new-vm-name-hint" className="text-xs text-slate-500">
            {mode === 'staged'
              ? `Leave empty to replace ${vmName} itself with the copy (you will type its name to confirm).`
              : 'The restored VM is created next to the original; nothing existing is touched.'}
          </span>
          <FieldErrorText
            id="new-vm-name-error"
            message={
              errors.newVmName ??
              (name.trim() !== '' && !newVmNameSchema.safeParse(name).success
                ? newVmNameSchema.safeParse(name).error?.issues[0]?.message
                : undefined)
            }
          />
        </div>
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

function usePreview(state: RestoreState, confirmation?: string) {
  const trpc = useTRPC();
  return useQuery({
    ...trpc.restores.preview.queryOptions({
      restorePointId: state.pointId,
      mode: state.mode as RestoreMode,
      newVmName: state.newVmName || undefined,
      confirmation,
    }),
    staleTime: 0,
    placeholderData: keepPreviousData,
  });
}

function ImpactStep({
  state,
  onBack,
  onSwitch,
  onNext,
}: {
  state: RestoreState;
  onBack: () => void;
  onSwitch: (mode: RestoreMode, newVmName: string) => void;
  onNext: () => void;
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
  // The confirmation is asked on the next step; here only the other blockers matter.
  const otherBlockers = plan.blockedReasons.filter(
    (reason) => !(plan.confirmationText && reason.includes(`"${plan.confirmationText}"`)),
  );

  return (
    <section aria-labelledby="step-impact">
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

      <section aria-labelledby="collateral-heading" className="mb-4">
        <h3 id="collateral-heading" className="mb-2 text-base font-semibold">
          Other VMs affected
        </h3>
        {plan.collateral.length === 0 ? (
          <p className="text-sm text-slate-700">No other VM is affected.</p>
        ) : (
          <table className="w-full text-left text-sm">
            <caption className="sr-only">VMs rolled back with {vmName}</caption>
            <thead className="border-b border-slate-200 bg-slate-50 text-xs uppercase text-slate-600">
              <tr>
                <th scope="col" className="px-3 py-2">
                  VM rolled back too
                </th>
                <th scope="col" className="px-3 py-2">
                  Changes it would lose
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {plan.collateral.map((vm) => (
                <tr key={vm.vmId}>
                  <th scope="row" className="px-3 py-2 font-medium">
                    {vm.vmName}
                  </th>
                  <td className="px-3 py-2">{formatDuration(vm.dataLossMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <p className="mb-4 text-sm text-slate-700">
        {plan.discardedPointIds.length === 0
          ? 'No newer restore point is discarded.'
          : `${pluralize(plan.discardedPointIds.length, 'newer restore point')} would be discarded.`}
      </p>
      {plan.findings.length > 0 ? (
        <section aria-labelledby="restore-findings-heading" className="mb-4">
          <h3 id="restore-findings-heading" className="mb-2 text-base font-semibold">
            Findings
          </h3>
          <ul className="flex flex-col gap-2">
            {plan.findings.map((finding) => (
              <li
                key={`${finding.ruleId}-${finding.message}`}
                className="rounded-md border border-slate-200 bg-white p-3 text-sm"
              >
                <span className="flex items-center gap-2">
                  <Badge tone={SEVERITY_TONES[finding.severity]}>{finding.severity}</Badge>
                  <span className="font-mono text-xs">{finding.ruleId}</span>
                </span>
                <span className="block">{finding.message}</span>
                <span className="block text-slate-600">Remedy: {finding.remedy}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
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
        <Button type="button" onClick={onNext} disabled={otherBlockers.length > 0}>
          Next: confirm
        </Button>
      </WizardActions>
    </section>
  );
}

function ConfirmStep({ state, onBack }: { state: RestoreState; onBack: () => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [typed, setTyped] = useState('');
  const preview = usePreview(state);
  const start = useMutation(
    trpc.restores.start.mutationOptions({
      onSuccess: (started) => {
        toast.success('Restore started', { description: `Operation ${started.operationId}` });
        router.push(`/operations/${started.operationId}`);
      },
    }),
  );
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
      {start.isError ? <MutationErrorAlert error={start.error} /> : null}
      <WizardActions>
        <Button type="button" variant="secondary" onClick={onBack}>
          Back
        </Button>
        <Button
          type="button"
          disabled={(needsConfirmation && !isConfirmed) || start.isPending}
          onClick={() =>
            start.mutate({
              restorePointId: state.pointId,
              mode,
              newVmName: state.newVmName || undefined,
              confirmation: needsConfirmation ? typed : undefined,
            })
          }
        >
          {start.isPending ? 'Starting…' : 'Run restore'}
        </Button>
      </WizardActions>
    </section>
  );
}
