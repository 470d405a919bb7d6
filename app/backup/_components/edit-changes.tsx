'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/app/_lib/trpc';
import type { BackupJobInput } from '@/server/schemas/operations';

/**
 * On the edit wizard's review: what saving changes besides the retention (RetentionLossAlert says
 * what that deletes) — the name, the schedule, the VMs added to or dropped from its scope, named —
 * worded by the server as a second admin would read it (services/job-edit-changes.ts).
 */
export function EditChanges({
  id,
  job,
  loadedUpdatedAt,
}: {
  id: string;
  job: BackupJobInput;
  loadedUpdatedAt: Date;
}) {
  const trpc = useTRPC();
  const changes = useQuery(trpc.jobs.editChanges.queryOptions({ id, job, loadedUpdatedAt }));
  if (changes.isPending)
    return <p className="mb-4 text-sm text-fg-muted">Working out what the edit changes…</p>;
  if (changes.isError) {
    return (
      <p className="mb-4 text-sm text-danger">
        What the edit changes could not be worked out: {changes.error.message}
      </p>
    );
  }
  if (changes.data.length === 0) {
    return <p className="mb-4 text-sm text-fg-muted">Besides its retention, saving changes nothing.</p>;
  }
  return (
    <section aria-labelledby="edit-changes-title" className="mb-4 text-sm">
      <h3 id="edit-changes-title" className="font-semibold">
        What saving changes
      </h3>
      <ul aria-label="What saving changes" className="mt-1 list-disc pl-5">
        {changes.data.map((change) => (
          <li key={change}>{change}</li>
        ))}
      </ul>
    </section>
  );
}
