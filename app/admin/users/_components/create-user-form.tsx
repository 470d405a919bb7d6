'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useRef } from 'react';
import { toast } from 'sonner';
import { MutationErrorAlert } from '@/app/_components/mutation-error-alert';
import { Button } from '@/app/_components/ui/button';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import { Select } from '@/app/_components/ui/select';
import { useTRPC } from '@/app/_lib/trpc';
import { announceApprovalRequested } from '@/app/approvals/_components/approval-sent';
import { ROLE_DESCRIPTIONS, ROLE_LABELS, ROLES, type Role } from '@/server/engine/roles';

/** A new user with a first password the admin passes on (there is no mail); they can be reset later. */
export function CreateUserForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useRef<HTMLFormElement>(null);
  const create = useMutation(
    trpc.users.create.mutationOptions({
      onSuccess: (result) => {
        // A new admin waits for a second admin's approval when there is one to ask.
        if ('approvalRequest' in result) announceApprovalRequested(result.approvalRequest);
        else toast.success(`Created ${result.email} (${result.roleLabel})`);
        form.current?.reset();
        return queryClient.invalidateQueries(trpc.users.list.queryFilter());
      },
    }),
  );
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const value = (key: string) => String(data.get(key) ?? '');
    create.mutate({
      name: value('name'),
      email: value('email'),
      role: value('role') as Role,
      password: value('password'),
    });
  }
  return (
    <form
      ref={form}
      onSubmit={onSubmit}
      aria-label="Create a user"
      className="rounded-md border border-line bg-surface p-4"
    >
      <h2 className="mb-3 text-lg font-semibold">Create a user</h2>
      {create.error ? <MutationErrorAlert error={create.error} showFieldPaths /> : null}
      <div className="grid grid-cols-1 gap-3 md:grid-cols-4">
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="new-user-name">Name</Label>
          <Input id="new-user-name" name="name" required />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="new-user-email">Email</Label>
          <Input id="new-user-email" name="email" type="email" required />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="new-user-role">Role</Label>
          <Select id="new-user-role" name="role" defaultValue="viewer">
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {ROLE_LABELS[role]} — {ROLE_DESCRIPTIONS[role]}
              </option>
            ))}
          </Select>
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="new-user-password">First password (12+ characters)</Label>
          <Input
            id="new-user-password"
            name="password"
            type="password"
            autoComplete="new-password"
            required
          />
        </div>
      </div>
      <Button type="submit" className="mt-3" disabled={create.isPending}>
        Create user
      </Button>
    </form>
  );
}
