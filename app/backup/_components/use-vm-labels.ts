'use client';

import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { type UseFormReturn, useWatch } from 'react-hook-form';
import { useTRPC } from '@/app/_lib/trpc';
import type { BackupWizardValues } from './wizard-model';

/**
 * Names the scope's VMs the wizard holds by id only: a "Back up…" link brings ids, and the
 * chips, method cards and script editors would otherwise show them. Asked for the unnamed ones
 * only; a VM the inventory lacks stays unnamed (the plan then says it is missing).
 */
export function useVmLabels(form: UseFormReturn<BackupWizardValues>): void {
  const trpc = useTRPC();
  const vmIds = useWatch({ control: form.control, name: 'request.scope.vmIds' });
  const labels = useWatch({ control: form.control, name: 'labels' });
  const unnamed = (vmIds ?? []).filter((id) => labels?.[id] === undefined).slice(0, 500);
  const names = useQuery({
    ...trpc.vms.names.queryOptions({ ids: unnamed }),
    enabled: unnamed.length > 0,
  });
  useEffect(() => {
    if (!names.data || names.data.length === 0) return;
    form.setValue('labels', {
      ...form.getValues('labels'),
      ...Object.fromEntries(names.data.map((vm) => [vm.id, vm.name])),
    });
  }, [names.data, form]);
}
