'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { toast } from 'sonner';
import { DataTable, type DataTableColumn } from '@/app/_components/data-table';
import { MutationErrorAlert } from '@/app/_components/mutation-error-alert';
import { EmptyState, ErrorState, LoadingState } from '@/app/_components/query-state';
import { Button } from '@/app/_components/ui/button';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import { FieldErrorText } from '@/app/_components/wizard';
import { formatDateTime } from '@/app/_lib/restore-format';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { type CreateSecretInput, createSecretInput } from '@/server/schemas/secrets';

/** A user name and password for a pool or host, sealed into the vault. */
type Account = RouterOutputs['secrets']['list'][number];

/** What the vault says of an account: never its password. */
const accountColumns: DataTableColumn<Account>[] = [
  {
    id: 'account',
    header: 'Account',
    meta: { cellClassName: 'font-medium' },
    cell: ({ row }) => row.original.name,
  },
  { id: 'username', header: 'User name', cell: ({ row }) => row.original.username ?? '—' },
  {
    // Where the vault sends it (server/engine/secret-binding.ts): nowhere else unless typed again.
    id: 'usedWith',
    header: 'Used with',
    cell: ({ row: { original: secret } }) =>
      secret.usedWith.length > 0
        ? secret.usedWith.join(', ')
        : 'no address yet: the first connection saved with it binds it',
  },
  {
    id: 'storedBy',
    header: 'Stored by',
    cell: ({ row: { original: secret } }) => `${secret.createdBy}, ${formatDateTime(secret.createdAt)}`,
  },
  {
    id: 'lastUsed',
    header: 'Last used',
    cell: ({ row: { original: secret } }) =>
      secret.lastUsedAt ? formatDateTime(secret.lastUsedAt) : 'never',
  },
];

function AddAccountForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useForm<CreateSecretInput>({
    resolver: zodResolver(createSecretInput),
    defaultValues: { name: '', kind: 'password', username: 'root', secret: '' },
  });
  const create = useMutation(
    trpc.secrets.create.mutationOptions({
      onSuccess: (secret) => {
        toast.success(`Account ${secret.name} stored in the vault`);
        form.reset();
        return queryClient.invalidateQueries(trpc.secrets.list.queryFilter());
      },
    }),
  );
  const { errors } = form.formState;
  return (
    <form
      aria-label="Add an account"
      onSubmit={form.handleSubmit((values) => create.mutate(values))}
      className="mt-3 rounded-md border border-line bg-surface p-4"
    >
      <h3 className="mb-3 font-semibold">Add an account</h3>
      {create.error ? <MutationErrorAlert error={create.error} /> : null}
      <div className="grid grid-cols-1 gap-3 md:grid-cols-3">
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="account-name">Account name</Label>
          <Input id="account-name" aria-describedby="account-name-error" {...form.register('name')} />
          <FieldErrorText id="account-name-error" message={errors.name?.message} />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="account-username">User name</Label>
          <Input
            id="account-username"
            autoComplete="off"
            aria-describedby="account-username-error"
            aria-invalid={errors.username ? true : undefined}
            {...form.register('username')}
          />
          <FieldErrorText id="account-username-error" message={errors.username?.message} />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="account-password">Password</Label>
          <Input
            id="account-password"
            type="password"
            autoComplete="new-password"
            aria-describedby="account-password-error"
            {...form.register('secret')}
          />
          <FieldErrorText id="account-password-error" message={errors.secret?.message} />
        </div>
      </div>
      <Button type="submit" className="mt-3" disabled={create.isPending}>
        Store in the vault
      </Button>
    </form>
  );
}

export function ConnectorAccounts() {
  const trpc = useTRPC();
  const secrets = useQuery(trpc.secrets.list.queryOptions());
  return (
    <section aria-labelledby="accounts-heading">
      <h2 id="accounts-heading" className="mb-2 text-lg font-semibold">
        Accounts in the vault
      </h2>
      {secrets.isPending ? (
        <LoadingState label="Loading accounts…" />
      ) : secrets.isError ? (
        <ErrorState error={secrets.error} title="Could not load the accounts" />
      ) : secrets.data.length === 0 ? (
        <EmptyState>No account yet: add the one a pool or host signs in with.</EmptyState>
      ) : (
        <DataTable
          columns={accountColumns}
          rows={secrets.data}
          getRowId={(secret) => secret.id}
          caption="Accounts in the vault"
        />
      )}
      <AddAccountForm />
    </section>
  );
}
