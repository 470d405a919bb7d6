'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Command } from 'cmdk';
import { Search } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useDeferredValue, useState } from 'react';
import { fieldClassName } from '@/app/_components/ui/input';
import { cn } from '@/app/_lib/cn';
import { formatDateTime } from '@/app/_lib/restore-format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { SEARCH_MIN_LENGTH } from '@/server/schemas/search';

type SearchResult = RouterOutputs['search']['estate'];

interface ResultLink {
  key: string;
  href: string;
  name: string;
  detail: string;
}

interface ResultGroup {
  heading: string;
  links: ResultLink[];
  /** The list the group comes from, filtered by the same text, when more matched than shown. */
  moreHref: string | null;
}

function groupsOf(result: SearchResult): ResultGroup[] {
  const text = encodeURIComponent(result.text);
  return [
    {
      heading: 'VMs',
      links: result.vms.matches.map((vm) => ({ key: `vm:${vm.id}`, href: `/vms/${vm.id}`, ...vm })),
      moreHref: result.vms.hasMore ? `/vms?search=${text}` : null,
    },
    {
      heading: 'Hosts',
      links: result.hosts.matches.map((host) => ({
        key: `host:${host.id}`,
        href: `/hosts/${host.id}`,
        ...host,
      })),
      moreHref: result.hosts.hasMore ? `/hosts?search=${text}` : null,
    },
    {
      heading: 'Volumes',
      links: result.volumes.matches.map((volume) => ({
        key: `volume:${volume.id}`,
        href: `/volumes/${volume.id}`,
        ...volume,
      })),
      moreHref: result.volumes.hasMore ? `/volumes?search=${text}` : null,
    },
    {
      heading: 'Backup jobs',
      links: result.jobs.matches.map((job) => ({ key: `job:${job.id}`, href: `/jobs/${job.id}`, ...job })),
      moreHref: result.jobs.hasMore ? '/jobs' : null,
    },
    {
      heading: 'Restore points',
      links: result.restorePoints.matches.map((points) => ({
        key: `points:${points.vmId}`,
        href: `/restore-points?vmId=${encodeURIComponent(points.vmId)}`,
        name: `Restore points of ${points.vmName}`,
        detail: `newest ${formatDateTime(points.newestPointAt)}`,
      })),
      moreHref: null,
    },
  ].filter((group) => group.links.length > 0);
}

/**
 * The header's search: VMs, hosts, volumes, jobs and restore points by name, matched on the
 * server. Arrow keys move through the matches, Enter opens one (cmdk gives the combobox its
 * keyboard and ARIA roles).
 */
export function GlobalSearch() {
  const trpc = useTRPC();
  const router = useRouter();
  const [text, setText] = useState('');
  const [isOpen, setIsOpen] = useState(false);
  const searched = useDeferredValue(text.trim());
  const canSearch = searched.length >= SEARCH_MIN_LENGTH;
  const result = useQuery({
    ...trpc.search.estate.queryOptions({ text: searched }),
    enabled: canSearch,
    placeholderData: keepPreviousData,
  });
  const groups = canSearch && result.data ? groupsOf(result.data) : [];

  const open = (href: string) => {
    setIsOpen(false);
    setText('');
    router.push(href);
  };

  return (
    <Command
      shouldFilter={false}
      label="Search VMs, hosts, volumes, jobs and restore points"
      className="relative w-96"
      onKeyDown={(event) => {
        if (event.key === 'Escape') setIsOpen(false);
      }}
    >
      <div className="relative">
        <Search aria-hidden className="pointer-events-none absolute left-2.5 top-2.5 size-4 text-fg-subtle" />
        <Command.Input
          value={text}
          onValueChange={(value) => {
            setText(value);
            setIsOpen(true);
          }}
          onFocus={() => setIsOpen(true)}
          onBlur={() => setIsOpen(false)}
          placeholder="Search VMs, hosts, volumes, jobs…"
          className={cn(fieldClassName, 'pl-8')}
        />
      </div>
      <Command.List
        hidden={!isOpen || text.trim().length < SEARCH_MIN_LENGTH}
        label="Search results"
        className="absolute right-0 z-50 mt-1 max-h-[70vh] w-[28rem] overflow-y-auto rounded-md border border-line bg-surface p-1 shadow-lg"
      >
        {result.isError ? (
          <p className="px-3 py-2 text-sm text-danger">Search failed: {result.error.message}</p>
        ) : result.isFetching && groups.length === 0 ? (
          <Command.Loading>
            <p className="px-3 py-2 text-sm text-fg-muted">Searching…</p>
          </Command.Loading>
        ) : (
          <Command.Empty className="px-3 py-2 text-sm text-fg-muted">
            Nothing named like “{searched}”.
          </Command.Empty>
        )}
        {groups.map((group) => (
          <Command.Group
            key={group.heading}
            heading={group.heading}
            className="[&_[cmdk-group-heading]]:px-2 [&_[cmdk-group-heading]]:pt-2 [&_[cmdk-group-heading]]:text-xs [&_[cmdk-group-heading]]:font-semibold [&_[cmdk-group-heading]]:uppercase [&_[cmdk-group-heading]]:text-fg-muted"
          >
            {group.links.map((link) => (
              <Command.Item
                key={link.key}
                value={link.key}
                onSelect={() => open(link.href)}
                // Keep the input focused on click so onBlur does not close the list first.
                onMouseDown={(event) => event.preventDefault()}
                className="flex cursor-pointer items-baseline justify-between gap-3 rounded px-2 py-1.5 text-sm data-[selected=true]:bg-accent-soft"
              >
                <span className="font-medium text-fg">{link.name}</span>
                <span className="text-xs text-fg-muted">{link.detail}</span>
              </Command.Item>
            ))}
            {group.moreHref ? (
              <Command.Item
                value={`more:${group.heading}`}
                onSelect={() => open(group.moreHref as string)}
                onMouseDown={(event) => event.preventDefault()}
                className="cursor-pointer rounded px-2 py-1.5 text-sm text-accent data-[selected=true]:bg-accent-soft"
              >
                All {group.heading.toLowerCase()} matching “{searched}”…
              </Command.Item>
            ) : null}
          </Command.Group>
        ))}
      </Command.List>
    </Command>
  );
}
