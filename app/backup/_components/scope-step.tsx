'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { X } from 'lucide-react';
import { useState } from 'react';
import { useFormContext, useWatch } from 'react-hook-form';
import { FilterSelect } from '@/app/_components/filter-select';
import { HostPicker } from '@/app/_components/host-picker';
import { PowerStateText } from '@/app/_components/power-state';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import { RadioGroup, RadioGroupItem } from '@/app/_components/ui/radio-group';
import { Select } from '@/app/_components/ui/select';
import {
  Checkbox,
  errorMessageAt,
  FieldErrorText,
  StepHeading,
  WizardActions,
} from '@/app/_components/wizard';
import { formatBytes, pluralize, READINESS_LABELS, READINESS_TONES } from '@/app/_lib/format';
import { useTRPC } from '@/app/_lib/trpc';
import { NOT_READ } from '@/app/_lib/volume-format';
import { APPLICATIONS } from '@/server/engine/inventory';
import { VENDOR_LABELS } from '@/server/engine/words';
import { type BackupWizardValues, requestOf, type ScopeFormValues } from './wizard-model';

const SCOPE_KINDS: { kind: ScopeFormValues['kind']; label: string; hint: string }[] = [
  { kind: 'vms', label: 'VMs', hint: 'Pick VMs by name, host or application; each gets its own method.' },
  {
    kind: 'host-volume',
    label: 'A host volume',
    hint: 'Windows Server Backup style: the whole volume, every VM on it, one point per VM.',
  },
  {
    kind: 'array-volume',
    label: 'An array volume (LUN)',
    hint: 'One array snapshot of the LUN: every VM on it is captured (and would roll back) together.',
  },
];

export function ScopeStep() {
  const { setValue, control, formState } = useFormContext<BackupWizardValues>();
  const kind = useWatch({ control, name: 'request.scope.kind' });
  const scopeError =
    errorMessageAt(formState.errors, 'request.scope.vmIds') ??
    errorMessageAt(formState.errors, 'request.scope.hostVolumeId') ??
    errorMessageAt(formState.errors, 'request.scope.arrayVolumeId') ??
    errorMessageAt(formState.errors, 'request.scope');

  return (
    <section aria-labelledby="step-scope">
      <StepHeading stepKey="scope">
        <span id="step-scope">What to back up</span>
      </StepHeading>
      <p className="mb-4 text-sm text-fg-muted">
        The scope decides what is captured together and what a restore can bring back.
      </p>
      <fieldset className="mb-6">
        <legend className="mb-2 text-sm font-medium text-fg-soft">Scope</legend>
        <RadioGroup
          value={kind}
          onValueChange={(value) =>
            setValue('request.scope.kind', value as ScopeFormValues['kind'], { shouldDirty: true })
          }
          className="grid-cols-3"
        >
          {SCOPE_KINDS.map((option) => (
            <label
              key={option.kind}
              htmlFor={`scope-${option.kind}`}
              className="flex cursor-pointer gap-3 rounded-md border border-line bg-surface p-3 has-[[data-state=checked]]:border-brand-500"
            >
              <RadioGroupItem id={`scope-${option.kind}`} value={option.kind} />
              <span>
                <span className="block text-sm font-medium text-fg">{option.label}</span>
                <span className="block text-xs text-fg-muted">{option.hint}</span>
              </span>
            </label>
          ))}
        </RadioGroup>
      </fieldset>

      {kind === 'vms' ? <VmPicker /> : null}
      {kind === 'host-volume' ? <HostVolumePicker /> : null}
      {kind === 'array-volume' ? <ArrayVolumePicker /> : null}
      <div role={scopeError ? 'alert' : undefined}>
        <FieldErrorText id="scope-error" message={scopeError} />
      </div>

      <WizardActions>
        <Button type="submit">Next: method</Button>
      </WizardActions>
    </section>
  );
}

/**
 * Said while choosing, not only in the review: the methods the planner picks for these VMs also
 * capture (and a volume revert would roll back) the VMs sharing their volume or LUN.
 */
function CoCaptureNotice({ vmIds }: { vmIds: string[] }) {
  const trpc = useTRPC();
  const { getValues } = useFormContext<BackupWizardValues>();
  const request = requestOf(getValues());
  const review = useQuery({
    ...trpc.backups.review.queryOptions({ ...request, scope: { kind: 'vms', vmIds } }),
    enabled: vmIds.length > 0,
    placeholderData: keepPreviousData,
    retry: false,
  });
  const coCaptured = review.data?.plan.vms.filter((vm) => vm.isCoCaptured) ?? [];
  if (vmIds.length === 0 || coCaptured.length === 0) return null;
  return (
    <p role="status" className="rounded-md border border-info-line bg-info-soft px-3 py-2 text-sm text-info">
      {pluralize(vmIds.length, 'selected VM')} will capture{' '}
      {pluralize(vmIds.length + coCaptured.length, 'VM')}: their methods also capture{' '}
      {joinNames(coCaptured.map((vm) => vm.vmName))}, which share their volume or LUN (a volume revert would
      roll them back too).
    </p>
  );
}

function joinNames(names: string[]): string {
  return names.length <= 1
    ? names.join('')
    : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function VmPicker() {
  const trpc = useTRPC();
  const { setValue, getValues, control } = useFormContext<BackupWizardValues>();
  const vmIds = useWatch({ control, name: 'request.scope.vmIds' });
  const labels = useWatch({ control, name: 'labels' });
  const [searchText, setSearchText] = useState('');
  const [search, setSearch] = useState('');
  const [hostId, setHostId] = useState('');
  const [application, setApplication] = useState('');
  const vms = useQuery({
    ...trpc.vms.list.queryOptions({
      search: search || undefined,
      hostId: hostId || undefined,
      application: (application || undefined) as (typeof APPLICATIONS)[number] | undefined,
      // A VM its host's last sync no longer saw cannot be backed up: it is not offered.
      presence: 'present',
      limit: 100,
    }),
    placeholderData: keepPreviousData,
  });
  const shown = vms.data?.items ?? [];

  const toggle = (vm: { id: string; name: string }, isChecked: boolean) => {
    const current = getValues('request.scope.vmIds');
    const nextIds = isChecked ? [...current, vm.id] : current.filter((id) => id !== vm.id);
    setValue('request.scope.vmIds', nextIds, { shouldDirty: true, shouldValidate: false });
    setValue('labels', { ...getValues('labels'), [vm.id]: vm.name });
    if (!isChecked) {
      // A VM taken out of the scope takes its method and scripts with it (the schema would reject them).
      const { [vm.id]: _method, ...methods } = getValues('request.methodByVm') ?? {};
      const { [vm.id]: _scripts, ...scripts } = getValues('request.scripts') ?? {};
      setValue('request.methodByVm', methods);
      setValue('request.scripts', scripts);
    }
  };

  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-end gap-3">
        <div className="flex flex-col gap-1">
          <Label htmlFor="vm-search">Search VMs by name</Label>
          <div className="flex gap-2">
            <Input
              id="vm-search"
              value={searchText}
              onChange={(event) => setSearchText(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === 'Enter') {
                  event.preventDefault();
                  setSearch(searchText.trim());
                }
              }}
              className="w-56"
            />
            <Button type="button" variant="secondary" onClick={() => setSearch(searchText.trim())}>
              Search
            </Button>
          </div>
        </div>
        <HostPicker label="Host" value={hostId} onChange={setHostId} anyLabel="Any host" className="w-48" />
        <FilterSelect
          id="vm-application"
          label="Application"
          value={application}
          onChange={setApplication}
          anyLabel="Any application"
          options={APPLICATIONS.map((app) => ({ value: app, label: app }))}
          selectClassName="w-44"
        />
      </div>

      <section aria-label="Selected VMs" className="flex flex-wrap items-center gap-2">
        <span className="text-sm text-fg-soft">
          {vmIds.length === 0 ? 'No VM selected yet.' : `${vmIds.length} selected:`}
        </span>
        {vmIds.map((id) => (
          <span
            key={id}
            className="inline-flex items-center gap-1 rounded-full border border-accent-line bg-accent-soft px-2 py-0.5 text-sm text-accent-strong"
          >
            {labels[id] ?? id}
            <button
              type="button"
              aria-label={`Remove ${labels[id] ?? id}`}
              onClick={() => toggle({ id, name: labels[id] ?? id }, false)}
              className="rounded-full p-0.5 hover:bg-accent-soft-hover focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-brand-500"
            >
              <X aria-hidden="true" className="size-3" />
            </button>
          </span>
        ))}
      </section>
      <CoCaptureNotice vmIds={vmIds} />

      {vms.isPending ? (
        <LoadingState label="Loading VMs…" />
      ) : vms.isError ? (
        <ErrorState error={vms.error} title="Could not load VMs" />
      ) : shown.length === 0 ? (
        <EmptyState>No VM matches these filters.</EmptyState>
      ) : (
        <fieldset>
          <legend className="sr-only">VMs matching the filters</legend>
          <ul className="grid max-h-96 grid-cols-2 gap-2 overflow-y-auto rounded-md border border-line bg-surface p-2">
            {shown.map((vm) => (
              <li key={vm.id}>
                <label className="flex cursor-pointer items-start gap-2 rounded px-2 py-1.5 hover:bg-surface-muted">
                  <Checkbox
                    checked={vmIds.includes(vm.id)}
                    onChange={(event) => toggle(vm, event.target.checked)}
                    aria-label={`Select ${vm.name}`}
                  />
                  <span className="flex flex-col">
                    <span className="text-sm font-medium text-fg">{vm.name}</span>
                    <span className="flex flex-wrap gap-1 text-xs text-fg-muted">
                      {vm.hostName} · <PowerStateText vm={vm} />
                      {vm.applications.length > 0 ? ` · ${vm.applications.join(', ')}` : ''}
                      {vm.readiness ? (
                        <Badge tone={READINESS_TONES[vm.readiness]}>{READINESS_LABELS[vm.readiness]}</Badge>
                      ) : null}
                    </span>
                  </span>
                </label>
              </li>
            ))}
          </ul>
          <p className="mt-1 text-xs text-fg-subtle">
            VMs gone from their host (a sync no longer saw them) are not listed: they cannot be backed up.
            Their restore points stay under Restore points.
          </p>
          {vms.data?.nextCursor ? (
            <p className="mt-1 text-xs text-fg-subtle">
              Showing the first {vms.data.items.length} matches; more VMs match, narrow the search to see
              them.
            </p>
          ) : null}
        </fieldset>
      )}
    </div>
  );
}

function HostVolumePicker() {
  const trpc = useTRPC();
  const { setValue, getValues, control } = useFormContext<BackupWizardValues>();
  const selected = useWatch({ control, name: 'request.scope.hostVolumeId' });
  const [search, setSearch] = useState('');
  const volumes = useQuery({
    ...trpc.volumes.list.queryOptions({ search: search.trim() || undefined, limit: 100 }),
    placeholderData: keepPreviousData,
  });
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-col gap-1">
        <Label htmlFor="volume-search">Search host volumes</Label>
        <Input
          id="volume-search"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
          className="w-64"
        />
      </div>
      {volumes.isPending ? (
        <LoadingState label="Loading volumes…" />
      ) : volumes.isError ? (
        <ErrorState error={volumes.error} title="Could not load host volumes" />
      ) : volumes.data.items.length === 0 ? (
        <EmptyState>No host volume matches.</EmptyState>
      ) : (
        <RadioGroup
          aria-label="Host volume"
          value={selected}
          onValueChange={(id) => {
            const volume = volumes.data.items.find((item) => item.id === id);
            setValue('request.scope.hostVolumeId', id, { shouldDirty: true });
            if (volume)
              setValue('labels', { ...getValues('labels'), [id]: `${volume.name} on ${volume.hostName}` });
          }}
          className="max-h-96 grid-cols-2 overflow-y-auto rounded-md border border-line bg-surface p-2"
        >
          {volumes.data.items.map((volume) => (
            <label
              key={volume.id}
              htmlFor={`hv-${volume.id}`}
              className="flex cursor-pointer gap-2 px-2 py-1"
            >
              <RadioGroupItem id={`hv-${volume.id}`} value={volume.id} />
              <span className="text-sm">
                <span className="font-medium text-fg">
                  {volume.name} on {volume.hostName}
                </span>
                <span className="block text-xs text-fg-muted">
                  {volume.vmCount} VMs ·{' '}
                  {volume.freeBytes === null
                    ? `free space ${NOT_READ}`
                    : `${formatBytes(volume.freeBytes)} free`}{' '}
                  · {volume.kind === 'sr' ? 'storage repository' : `VSS ${volume.vssEnabled ? 'on' : 'off'}`}
                </span>
              </span>
            </label>
          ))}
        </RadioGroup>
      )}
    </div>
  );
}

function ArrayVolumePicker() {
  const trpc = useTRPC();
  const { setValue, getValues, control } = useFormContext<BackupWizardValues>();
  const selected = useWatch({ control, name: 'request.scope.arrayVolumeId' });
  const [arrayId, setArrayId] = useState('');
  const arrays = useQuery(trpc.arrays.list.queryOptions({ limit: 100 }));
  const array = useQuery({ ...trpc.arrays.get.queryOptions({ id: arrayId }), enabled: arrayId !== '' });
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-col gap-1">
        <Label htmlFor="array-select">Storage array</Label>
        <Select
          id="array-select"
          value={arrayId}
          onChange={(event) => setArrayId(event.target.value)}
          className="w-64"
        >
          <option value="">Choose an array</option>
          {arrays.data?.items.map((item) => (
            <option key={item.id} value={item.id}>
              {item.name} ({VENDOR_LABELS[item.vendor]})
            </option>
          ))}
        </Select>
      </div>
      {arrays.isError ? <ErrorState error={arrays.error} title="Could not load arrays" /> : null}
      {arrayId === '' ? null : array.isPending ? (
        <LoadingState label="Loading LUNs…" />
      ) : array.isError ? (
        <ErrorState error={array.error} title="Could not load the array" />
      ) : (
        <RadioGroup
          aria-label="Array volume"
          value={selected}
          onValueChange={(id) => {
            const volume = array.data.volumes.find((item) => item.id === id);
            setValue('request.scope.arrayVolumeId', id, { shouldDirty: true });
            if (volume) setValue('labels', { ...getValues('labels'), [id]: volume.name });
          }}
          className="rounded-md border border-line bg-surface p-2"
        >
          {array.data.volumes.map((volume) => (
            <label
              key={volume.id}
              htmlFor={`av-${volume.id}`}
              className="flex cursor-pointer gap-2 px-2 py-1"
            >
              <RadioGroupItem id={`av-${volume.id}`} value={volume.id} />
              <span className="text-sm">
                <span className="font-medium text-fg">{volume.name}</span>
                <span className="block text-xs text-fg-muted">
                  {volume.vms.length} VMs
                  {volume.vms.length > 0 ? `: ${volume.vms.map((vm) => vm.name).join(', ')}` : ''}
                  {volume.consistencyGroup ? ` · consistency group ${volume.consistencyGroup.name}` : ''}
                </span>
              </span>
            </label>
          ))}
        </RadioGroup>
      )}
    </div>
  );
}
