'use client';

import { useQuery } from '@tanstack/react-query';
import { ErrorState, LoadingState } from '@/app/_components/query-state';
import { useTRPC } from '@/app/_lib/trpc';
import { BackupWizard } from '@/app/backup/_components/backup-wizard';

/** A saved job in the backup wizard: the same steps and schemas as a new one, saved by `backups.updateJob`. */
export function JobEditor({ id }: { id: string }) {
  const trpc = useTRPC();
  // Read once: a refetch while editing must not reset the half-edited form.
  const job = useQuery({ ...trpc.jobs.get.queryOptions({ id }), staleTime: Number.POSITIVE_INFINITY });
  if (job.isPending) return <LoadingState label="Loading the backup job…" />;
  if (job.isError) return <ErrorState error={job.error} title="Could not load this backup job" />;
  return <BackupWizard key={job.data.id} edit={job.data} />;
}
