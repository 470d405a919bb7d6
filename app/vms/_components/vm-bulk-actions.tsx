'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { Can } from '@/app/_components/account/can';
import { Button } from '@/app/_components/ui/button';
import { Label } from '@/app/_components/ui/label';
import { Select } from '@/app/_components/ui/select';
import { useTRPC } from '@/app/_lib/trpc';

/** The VMs ticked on the VM list, by id with their names (they may be on other pages). */
export type SelectedVms = ReadonlyMap<string, string>;

/** The job's edit wizard at its review, with the VMs added (backup-wizard.tsx reads `addVmId`). */
export function addToJobHref(jobId: string, vmIds: readonly string[]): string {
  const query = new URLSearchParams([
    ['step', 'review'],
    ...vmIds.map((id): [string, string] => ['addVmId', id]),
  ]);
  return `/jobs/${encodeURIComponent(jobId)}/edit?${query}`;
}

function namesOf(selected: SelectedVms, ids: readonly string[]): string {
  const names = ids.map((id) => selected.get(id) ?? id);
  return names.length <= 3
    ? names.join(', ')
    : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

/**
 * What the operator can do with the ticked VMs at once: back them up now, or add them to a job that
 * backs up a list of VMs. Both go through the wizard's review, where each warning the VMs bring
 * (saved state, a disk left out) is acknowledged before anything is started or saved.
 */
export function VmBulkActions({
  selected,
  isLoading,
  onClear,
}: {
  selected: SelectedVms;
  /** The list is loading new rows: the actions wait for them. */
  isLoading: boolean;
  onClear: () => void;
}) {
  const trpc = useTRPC();
  const jobs = useQuery(trpc.jobs.list.queryOptions());
  const listJobs = (jobs.data ?? []).filter((job) => job.request.scope.kind === 'vms');
  const [jobId, setJobId] = useState('');
  const ids = [...selected.keys()];
  if (ids.length === 0) return null;

  return (
    <section
      aria-label="Selected VMs"
      className="mb-4 flex flex-wrap items-end gap-3 rounded-md border border-accent-line bg-accent-soft p-3"
    >
      <p className="self-center text-sm" role="status">
        {ids.length} VM{ids.length === 1 ? '' : 's'} selected: {namesOf(selected, ids)}
        {isLoading ? ' (loading the list…)' : ''}
      </p>
      <Can capability="runBackups">
        {isLoading ? (
          <Button disabled>Back up now…</Button>
        ) : (
          <Button asChild>
            <Link href={`/backup/new?vmIds=${ids.map(encodeURIComponent).join(',')}`}>Back up now…</Link>
          </Button>
        )}
        <div className="flex items-end gap-2">
          <div className="flex flex-col gap-1">
            <Label htmlFor="bulk-job">Backup job</Label>
            <Select
              id="bulk-job"
              value={jobId}
              onChange={(event) => setJobId(event.target.value)}
              className="w-56"
            >
              <option value="">Choose a job…</option>
              {listJobs.map((job) => (
                <option key={job.id} value={job.id}>
                  {job.name}
                </option>
              ))}
            </Select>
          </div>
          {!jobId || isLoading ? (
            <Button variant="secondary" disabled>
              Add to job…
            </Button>
          ) : (
            <Button asChild variant="secondary">
              <Link href={addToJobHref(jobId, ids)}>Add to job…</Link>
            </Button>
          )}
        </div>
      </Can>
      <Button variant="ghost" onClick={onClear}>
        Clear selection
      </Button>
    </section>
  );
}
