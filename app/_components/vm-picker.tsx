'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { PICKER_MATCHES_SHOWN, TypeAheadPicker, useTypeAhead } from '@/app/_components/type-ahead-picker';
import { useTRPC } from '@/app/_lib/trpc';

/**
 * A type-ahead VM picker: the server matches the typed name (vms.list `search`), so an estate of
 * 20,000 VMs offers every one of them. `hostId` keeps to one host's VMs; `anyLabel` offers
 * "no VM" ('' = none).
 */
export function VmPicker({
  label,
  value,
  onChange,
  hostId,
  anyLabel,
  className,
}: {
  label: string;
  /** The chosen VM id, '' for none. */
  value: string;
  onChange: (vmId: string) => void;
  hostId?: string;
  anyLabel?: string;
  className?: string;
}) {
  const trpc = useTRPC();
  const typeAhead = useTypeAhead();
  const vms = useQuery({
    ...trpc.vms.list.queryOptions({
      search: typeAhead.searched || undefined,
      hostId,
      limit: PICKER_MATCHES_SHOWN,
      sort: 'name',
    }),
    enabled: typeAhead.isOpen,
    placeholderData: keepPreviousData,
  });
  const chosen = useQuery({ ...trpc.vms.get.queryOptions({ id: value }), enabled: value !== '' });
  return (
    <TypeAheadPicker
      label={label}
      noun="VM"
      typeAhead={typeAhead}
      chosenName={value === '' ? (anyLabel ?? '') : (chosen.data?.vm.name ?? '…')}
      matches={{
        // The host beside the name: two VMs of one name on two hosts are told apart.
        items: (vms.data?.items ?? []).map((vm) => ({
          id: vm.id,
          name: vm.name,
          detail: `on ${vm.hostName}`,
        })),
        isPending: vms.isPending,
        error: vms.error,
        hasMore: Boolean(vms.data?.nextCursor),
      }}
      anyLabel={anyLabel}
      onChange={onChange}
      className={className}
    />
  );
}
