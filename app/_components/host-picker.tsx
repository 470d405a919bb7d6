'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { PICKER_MATCHES_SHOWN, TypeAheadPicker, useTypeAhead } from '@/app/_components/type-ahead-picker';
import { useTRPC } from '@/app/_lib/trpc';
import type { HypervisorKind } from '@/server/engine/inventory';

/**
 * A type-ahead host picker: the server matches the typed name (hosts.list `search`), so an estate
 * of 1,000 hosts offers every one of them, not the first 100 of a select. `anyLabel` offers
 * "no host" ('' = none).
 */
export function HostPicker({
  label,
  value,
  onChange,
  kind,
  anyLabel,
  className,
}: {
  label: string;
  /** The chosen host id, '' for none. */
  value: string;
  onChange: (hostId: string) => void;
  /** Offer only hosts of this hypervisor. */
  kind?: HypervisorKind;
  /** The "no host" choice, when there is one (a filter's "Any host"). */
  anyLabel?: string;
  className?: string;
}) {
  const trpc = useTRPC();
  const typeAhead = useTypeAhead();
  const hosts = useQuery({
    ...trpc.hosts.list.queryOptions({
      search: typeAhead.searched || undefined,
      kind,
      limit: PICKER_MATCHES_SHOWN,
      sort: 'name',
    }),
    enabled: typeAhead.isOpen,
    placeholderData: keepPreviousData,
  });
  const chosen = useQuery({ ...trpc.hosts.get.queryOptions({ id: value }), enabled: value !== '' });
  return (
    <TypeAheadPicker
      label={label}
      noun="host"
      typeAhead={typeAhead}
      chosenName={value === '' ? (anyLabel ?? '') : (chosen.data?.host.name ?? '…')}
      matches={{
        items: (hosts.data?.items ?? []).map((host) => ({
          id: host.id,
          name: host.name,
          detail: `${host.vmCount} VMs`,
        })),
        isPending: hosts.isPending,
        error: hosts.error,
        hasMore: Boolean(hosts.data?.nextCursor),
      }}
      anyLabel={anyLabel}
      onChange={onChange}
      className={className}
    />
  );
}
