'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useForm, useWatch } from 'react-hook-form';
import { PowerStateText } from '@/app/_components/power-state';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { Button } from '@/app/_components/ui/button';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import { RadioGroup, RadioGroupItem } from '@/app/_components/ui/radio-group';
import { FieldErrorText, StepHeading, WizardActions } from '@/app/_components/wizard';
import { useTRPC } from '@/app/_lib/trpc';
import { type VmStepInput, vmStepInput } from './wizard-model';

export function VmStep({ selected, onNext }: { selected: string; onNext: (vmId: string) => void }) {
  const trpc = useTRPC();
  const [searchText, setSearchText] = useState('');
  const [search, setSearch] = useState('');
  const form = useForm<VmStepInput>({
    resolver: zodResolver(vmStepInput),
    defaultValues: { vmId: selected },
  });
  const vmId = useWatch({ control: form.control, name: 'vmId' });
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
            form.setValue('vmId', value);
            form.clearErrors('vmId');
          }}
          className="max-h-96 grid-cols-3 overflow-y-auto rounded-md border border-line bg-surface p-2"
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
                <span className="block text-xs text-fg-muted">
                  {vm.hostName} · <PowerStateText vm={vm} />
                </span>
              </span>
            </label>
          ))}
        </RadioGroup>
      )}
      {vms.data && vms.data.nextCursor !== null ? (
        <p className="mt-2 text-sm text-fg-muted" role="note">
          Showing the first {vms.data.items.length} VMs by name; more match: search by name to find the
          others.
        </p>
      ) : null}
      <FieldErrorText id="restore-vm-error" message={form.formState.errors.vmId?.message} />
      <WizardActions>
        <Button type="button" onClick={form.handleSubmit((values) => onNext(values.vmId))}>
          Next: restore point
        </Button>
      </WizardActions>
    </section>
  );
}
