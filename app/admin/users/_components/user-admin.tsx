'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { toast } from 'sonner';
import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { MutationErrorAlert } from '@/app/_components/mutation-error-alert';
import { PageHeader } from '@/app/_components/page-header';
import { ErrorState, LoadingState } from '@/app/_components/query-state';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { Input } from '@/app/_components/ui/input';
import { Select } from '@/app/_components/ui/select';
import { latestMutationError } from '@/app/_lib/latest-error';
import { formatDateTime } from '@/app/_lib/restore-format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { useMe } from '@/app/_lib/use-me';
import { announceApprovalRequested, type SentRequest } from '@/app/approvals/_components/approval-sent';
import { ConfirmDialog } from '@/app/operations/_components/confirm-dialog';
import { isRole, ROLE_DESCRIPTIONS, ROLE_LABELS, ROLES, type Role } from '@/server/engine/roles';
import { CreateUserForm } from './create-user-form';

type UserRow = RouterOutputs['users']['list'][number];

function useUserMutations() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // A change of who is an admin may become a four-eyes request instead: announced, nothing changed.
  const refresh =
    (message: (user: UserRow) => string) => (result: UserRow | { approvalRequest: SentRequest }) => {
      if ('approvalRequest' in result) announceApprovalRequested(result.approvalRequest);
      else toast.success(message(result));
      return queryClient.invalidateQueries(trpc.users.list.queryFilter());
    };
  return {
    setRole: useMutation(
      trpc.users.setRole.mutationOptions({ onSuccess: refresh((u) => `${u.email} is now ${u.roleLabel}`) }),
    ),
    setDisabled: useMutation(
      trpc.users.setDisabled.mutationOptions({
        onSuccess: refresh((u) => `${u.email} ${u.disabled ? 'disabled and signed out' : 'enabled'}`),
      }),
    ),
    resetPassword: useMutation(
      trpc.users.resetPassword.mutationOptions({
        onSuccess: refresh((u) => `New password set for ${u.email}`),
      }),
    ),
  };
}

function ResetPassword({
  user,
  mutation,
}: {
  user: UserRow;
  mutation: ReturnType<typeof useUserMutations>['resetPassword'];
}) {
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  if (!open) {
    return (
      <Button variant="secondary" size="sm" onClick={() => setOpen(true)}>
        Reset password
      </Button>
    );
  }
  return (
    <form
      className="flex items-center gap-2"
      onSubmit={(event) => {
        event.preventDefault();
        mutation.mutate({ userId: user.id, password }, { onSuccess: () => setOpen(false) });
      }}
    >
      <Input
        aria-label={`New password for ${user.email}`}
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={(event) => setPassword(event.target.value)}
        className="w-44"
      />
      <Button size="sm" type="submit" disabled={mutation.isPending}>
        Set
      </Button>
    </form>
  );
}

/**
 * A role is picked, then changed through a confirmation saying what the user may do from their next
 * request on: a stray pick in the list changes nothing.
 */
function RoleChange({
  user,
  mutation,
}: {
  user: UserRow;
  mutation: ReturnType<typeof useUserMutations>['setRole'];
}) {
  const [picked, setPicked] = useState<Role | ''>(user.role ?? '');
  const current = user.role ?? '';
  const isChanged = picked !== '' && picked !== current;
  return (
    <div className="flex items-center gap-2">
      <Select
        aria-label={`Role of ${user.email}`}
        value={picked}
        onChange={(event) => setPicked(event.target.value as Role)}
        className="w-48"
      >
        {ROLES.map((role) => (
          <option key={role} value={role}>
            {ROLE_LABELS[role]}
          </option>
        ))}
      </Select>
      {isChanged ? (
        <ConfirmDialog
          trigger={
            <Button size="sm" disabled={mutation.isPending}>
              Change role
            </Button>
          }
          title={`Make ${user.email} ${ROLE_LABELS[picked]}?`}
          description={
            <>
              <p>
                From their next request, {user.name} is {ROLE_LABELS[picked]}: {ROLE_DESCRIPTIONS[picked]}.
              </p>
              <p className="mt-2">
                Now {user.roleLabel}
                {isRole(current) ? `: ${ROLE_DESCRIPTIONS[current]}` : ''}.
              </p>
            </>
          }
          confirmLabel="Change role"
          cancelLabel="Keep the role"
          onConfirm={() =>
            mutation.mutate(
              { userId: user.id, role: picked },
              // A change of who is an admin may wait for a second admin: the list shows the role as it is.
              { onSuccess: (result) => ('approvalRequest' in result ? setPicked(current) : undefined) },
            )
          }
        />
      ) : null}
    </div>
  );
}

/** Admins: every user with their role, status and the actions on them; the new-user form below. */
/** A user's columns; the signed-in admin cannot change their own role or disable themselves. */
function userColumns(
  myId: string | null,
  mutations: ReturnType<typeof useUserMutations>,
): DataTableColumn<UserRow>[] {
  return [
    {
      id: 'name',
      header: 'Name',
      cell: ({ row: { original: user } }) => (
        <>
          {user.name} {user.id === myId ? <Badge tone="info">you</Badge> : null}
        </>
      ),
    },
    { id: 'email', header: 'Email', cell: ({ row }) => row.original.email },
    {
      id: 'role',
      header: 'Role',
      cell: ({ row: { original: user } }) =>
        user.id === myId ? (
          user.roleLabel
        ) : (
          // Keyed by the stored role: a change saved elsewhere resets the pick.
          <RoleChange key={user.role ?? ''} user={user} mutation={mutations.setRole} />
        ),
    },
    {
      id: 'status',
      header: 'Status',
      cell: ({ row: { original: user } }) => (
        <>
          {user.disabled ? <Badge tone="danger">disabled</Badge> : <Badge tone="success">active</Badge>}{' '}
          {user.lockedUntil ? (
            <Badge tone="warning">locked until {formatDateTime(user.lockedUntil)}</Badge>
          ) : null}
        </>
      ),
    },
    { id: 'created', header: 'Created', cell: ({ row }) => formatDateTime(row.original.createdAt) },
    {
      id: 'actions',
      header: () => <span className="sr-only">Actions</span>,
      cell: ({ row: { original: user } }) => (
        <div className="flex items-center justify-end gap-2">
          <ResetPassword user={user} mutation={mutations.resetPassword} />
          {user.id === myId ? null : user.disabled ? (
            <Button
              variant="secondary"
              size="sm"
              onClick={() => mutations.setDisabled.mutate({ userId: user.id, disabled: false })}
            >
              Enable
            </Button>
          ) : (
            <ConfirmDialog
              trigger={
                <Button variant="secondary" size="sm" aria-label={`Disable ${user.email}`}>
                  Disable
                </Button>
              }
              title={`Disable ${user.email}?`}
              description={
                <p>
                  {user.name} is signed out everywhere at once and cannot sign in until enabled again. What
                  they started (operations, jobs) keeps running.
                </p>
              }
              confirmLabel="Disable user"
              cancelLabel="Keep them active"
              isDestructive
              onConfirm={() => mutations.setDisabled.mutate({ userId: user.id, disabled: true })}
            />
          )}
        </div>
      ),
    },
  ];
}

export function UserAdmin() {
  const trpc = useTRPC();
  const me = useMe();
  const users = useQuery(trpc.users.list.queryOptions());
  const mutations = useUserMutations();
  const error = latestMutationError(mutations.setRole, mutations.setDisabled, mutations.resetPassword);
  return (
    <>
      <PageHeader
        title="Users"
        description="Who may sign in, and with which role. Disabling a user or resetting their password signs them out everywhere. Who is an admin is changed with a second admin's approval (four-eyes): making, removing or disabling an admin, and another admin's password."
      />
      {error ? <MutationErrorAlert error={error} /> : null}
      {users.isPending ? <LoadingState /> : null}
      {users.error ? <ErrorState error={users.error} /> : null}
      {users.data ? (
        <div className="mb-6">
          <DataTable
            columns={userColumns(me?.user.id ?? null, mutations)}
            rows={users.data}
            getRowId={(user) => user.id}
            caption="Users"
          />
        </div>
      ) : null}
      <CreateUserForm />
    </>
  );
}
