'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Command } from 'cmdk';
import { useDeferredValue, useState } from 'react';
import { fieldClassName } from '@/app/_components/ui/input';
import { cn } from '@/app/_lib/cn';
import { useTRPC } from '@/app/_lib/trpc';
import type { HypervisorKind } from '@/server/engine/inventory';

const SHOWN = 20;

/**
 * A type-ahead host picker: the server matches the typed name (hosts.list `search`), so an estate
 * of 1,000 hosts offers every one of them, not the first 100 of a select. cmdk gives the combobox
 * its keyboard (arrows, Enter, Escape) and ARIA roles. `anyLabel` offers "no host" ('' = none).
 */
export function HostPicker({
  label,
  value,
  onChange,
  kind,
  anyLabel,
  className,
}: {
  /** Its visible label and, through cmdk's own label element, the input's accessible name. */
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
  const [text, setText] = useState('');
  const [isOpen, setIsOpen] = useState(false);
  const searched = useDeferredValue(text.trim());
  const hosts = useQuery({
    ...trpc.hosts.list.queryOptions({ search: searched || undefined, kind, limit: SHOWN, sort: 'name' }),
    enabled: isOpen,
    placeholderData: keepPreviousData,
  });
  const chosen = useQuery({ ...trpc.hosts.get.queryOptions({ id: value }), enabled: value !== '' });
  const chosenName = value === '' ? (anyLabel ?? '') : (chosen.data?.host.name ?? '…');
  const choose = (hostId: string) => {
    onChange(hostId);
    setText('');
    setIsOpen(false);
  };
  const items = hosts.data?.items ?? [];
  return (
    <div className={cn('flex flex-col gap-1', className)}>
      {/* cmdk gives the input its own id and labels it with `label`; this is that label, seen. */}
      <span aria-hidden="true" className="text-sm font-medium text-fg-soft">
        {label}
      </span>
      <Command
        shouldFilter={false}
        label={label}
        className="relative"
        onKeyDown={(event) => {
          if (event.key === 'Escape') setIsOpen(false);
        }}
      >
        <Command.Input
          value={isOpen ? text : chosenName}
          onValueChange={(next) => {
            setText(next);
            setIsOpen(true);
          }}
          onFocus={() => setIsOpen(true)}
          onBlur={() => setIsOpen(false)}
          placeholder="Type a host name…"
          className={fieldClassName}
        />
        <Command.List
          hidden={!isOpen}
          label="Hosts matching the typed name"
          className="absolute left-0 z-50 mt-1 max-h-80 w-full min-w-60 overflow-y-auto rounded-md border border-line bg-surface p-1 shadow-lg"
        >
          {hosts.isError ? (
            <p className="px-3 py-2 text-sm text-danger">Could not load hosts: {hosts.error.message}</p>
          ) : hosts.isPending ? (
            <Command.Loading>
              <p className="px-3 py-2 text-sm text-fg-muted">Loading hosts…</p>
            </Command.Loading>
          ) : (
            <Command.Empty className="px-3 py-2 text-sm text-fg-muted">
              No host named like “{searched}”.
            </Command.Empty>
          )}
          {anyLabel !== undefined ? (
            <Command.Item
              value="host:any"
              onSelect={() => choose('')}
              onMouseDown={(event) => event.preventDefault()}
              className="cursor-pointer rounded px-2 py-1.5 text-sm data-[selected=true]:bg-accent-soft"
            >
              {anyLabel}
            </Command.Item>
          ) : null}
          {items.map((host) => (
            <Command.Item
              key={host.id}
              value={`host:${host.id}`}
              onSelect={() => choose(host.id)}
              // Keep the input focused on click so onBlur does not close the list first.
              onMouseDown={(event) => event.preventDefault()}
              className="flex cursor-pointer items-baseline justify-between gap-3 rounded px-2 py-1.5 text-sm data-[selected=true]:bg-accent-soft"
            >
              <span className="font-medium text-fg">{host.name}</span>
              <span className="text-xs text-fg-muted">{host.vmCount} VMs</span>
            </Command.Item>
          ))}
          {hosts.data?.nextCursor ? (
            <p className="px-2 py-1.5 text-xs text-fg-muted">
              The first {SHOWN} matches; type more of the name to narrow them.
            </p>
          ) : null}
        </Command.List>
      </Command>
    </div>
  );
}
