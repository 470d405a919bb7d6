'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { toast } from 'sonner';
import { MutationErrorAlert } from '@/app/_components/mutation-error-alert';
import { Button } from '@/app/_components/ui/button';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import { useTRPC } from '@/app/_lib/trpc';

/**
 * A Hyper-V connection's Windows Server Backup target, and its edit (admin): an empty field clears
 * it. The server validates and says what is wrong; versions already written stay on the old target.
 */
export function HypervWsbTarget({ id, name, target }: { id: string; name: string; target: string | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<string | null>(null);
  const save = useMutation(
    trpc.hypervConnections.setWsbTarget.mutationOptions({
      onSuccess: (saved) => {
        toast.success(
          saved.wsbBackupTarget
            ? `Windows Server Backup on ${saved.name} now writes to ${saved.wsbBackupTarget}`
            : `Windows Server Backup is no longer used on ${saved.name}`,
        );
        setDraft(null);
        return queryClient.invalidateQueries(trpc.hypervConnections.list.queryFilter());
      },
    }),
  );
  const fieldId = `wsb-target-${id}`;
  if (draft === null) {
    return (
      <p className="mt-1 flex flex-wrap items-center gap-2 text-sm">
        {target
          ? `Windows Server Backup writes to ${target}.`
          : 'No Windows Server Backup target: volume backups through WSB are not possible on this host.'}
        <Button size="sm" variant="secondary" onClick={() => setDraft(target ?? '')}>
          Change WSB target
        </Button>
      </p>
    );
  }
  return (
    <form
      className="mt-1 flex flex-col gap-1.5 text-sm"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate({ id, wsbBackupTarget: draft.trim() === '' ? null : draft });
      }}
    >
      <Label htmlFor={fieldId}>Windows Server Backup target of {name} (empty: WSB is not used)</Label>
      <div className="flex flex-wrap gap-2">
        <Input
          id={fieldId}
          value={draft}
          placeholder="E: or \\nas01\wsb"
          onChange={(event) => setDraft(event.target.value)}
        />
        <Button type="submit" size="sm" disabled={save.isPending}>
          Save target
        </Button>
        <Button type="button" size="sm" variant="secondary" onClick={() => setDraft(null)}>
          Cancel
        </Button>
      </div>
      {save.error ? <MutationErrorAlert error={save.error} /> : null}
    </form>
  );
}
