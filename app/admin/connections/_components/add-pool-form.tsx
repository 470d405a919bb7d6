'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { toast } from 'sonner';
import { z } from 'zod';
import { MutationErrorAlert } from '@/app/_components/mutation-error-alert';
import { Button } from '@/app/_components/ui/button';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import { FieldErrorText } from '@/app/_components/wizard';
import { useTRPC } from '@/app/_lib/trpc';
import { endpointOf } from '@/server/engine/secret-binding';
import { PASSWORD_LOGIN, SSH_LOGIN } from '@/server/engine/security';
import { addXapiPoolInput } from '@/server/schemas/xapi-pools';
import { VaultAccountSelect } from './connection-card';
import { type ReentryField, ReentryFields, useAccountReentry } from './secret-reentry';

/** The server's schema with the form's shapes: an SSH account not chosen is null (no hook, no flush). */
const optionalAccount = z
  .string()
  .trim()
  .transform((value) => (value === '' ? null : value));
const addPoolFormSchema = addXapiPoolInput.extend({
  guestSecretId: optionalAccount,
  hostSshSecretId: optionalAccount,
});
type AddPoolValues = z.input<typeof addPoolFormSchema>;
type AddPoolRequest = z.output<typeof addPoolFormSchema>;

const ACCOUNT_FIELDS: ReentryField<AddPoolValues>[] = [
  { account: 'secretId', typed: 'secret' },
  { account: 'guestSecretId', typed: 'guestSecret' },
  { account: 'hostSshSecretId', typed: 'hostSshSecret' },
];

/** Where the pool's accounts would be sent (null until the address is one the server takes). */
function poolEndpoint(address: string | undefined): string | null {
  return address && addXapiPoolInput.shape.address.safeParse(address).success
    ? endpointOf('xapi', address)
    : null;
}

/**
 * A pool by any host's address and the vault account it signs in with; optionally the SSH accounts
 * of its Linux guests (the guest hook: scripts and fsfreeze) and of dom0 (the host flush).
 */
export function AddPoolForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useForm<AddPoolValues, unknown, AddPoolRequest>({
    resolver: zodResolver(addPoolFormSchema),
    defaultValues: {
      name: '',
      address: '',
      secretId: '',
      guestSecretId: '',
      hostSshSecretId: '',
      secret: '',
      guestSecret: '',
      hostSshSecret: '',
    },
  });
  // An account not used with the address typed is typed again (server/engine/secret-binding.ts).
  const reentry = useAccountReentry(form, ACCOUNT_FIELDS, poolEndpoint(form.watch('address')));
  const add = useMutation(
    trpc.xapiPools.add.mutationOptions({
      onSuccess: (pool) => {
        toast.success(`Pool ${pool.name} added: test the connection, then discover it`);
        form.reset();
        // The accounts are now used with this address too.
        void queryClient.invalidateQueries(trpc.secrets.list.queryFilter());
        return queryClient.invalidateQueries(trpc.xapiPools.list.queryFilter());
      },
    }),
  );
  const { errors } = form.formState;
  return (
    <form
      aria-label="Add a pool"
      onSubmit={form.handleSubmit((values) => {
        const typed = reentry.collect();
        if (typed) add.mutate({ ...values, ...typed });
      })}
      className="mt-3 rounded-md border border-line bg-surface p-4"
    >
      <h3 className="mb-3 font-semibold">Add a XenServer / XCP-ng pool</h3>
      {add.error ? <MutationErrorAlert error={add.error} /> : null}
      <div className="grid grid-cols-1 gap-3 md:grid-cols-3">
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="pool-name">Pool name in Migawka</Label>
          <Input id="pool-name" aria-describedby="pool-name-error" {...form.register('name')} />
          <FieldErrorText id="pool-name-error" message={errors.name?.message} />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="pool-address">Address of any host of the pool</Label>
          <Input
            id="pool-address"
            placeholder="xcp1.example.com or 192.0.2.10:443"
            aria-describedby="pool-address-error"
            {...form.register('address')}
          />
          <FieldErrorText id="pool-address-error" message={errors.address?.message} />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="pool-account">Account</Label>
          <VaultAccountSelect
            id="pool-account"
            kinds={PASSWORD_LOGIN}
            describedBy="pool-account-error"
            registration={form.register('secretId')}
          />
          <FieldErrorText id="pool-account-error" message={errors.secretId?.message} />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="pool-guest-account">Guest SSH account (Linux guests)</Label>
          <VaultAccountSelect
            id="pool-guest-account"
            kinds={SSH_LOGIN}
            describedBy="pool-guest-account-error"
            emptyLabel="None: no guest scripts or freeze"
            registration={form.register('guestSecretId')}
          />
          <FieldErrorText id="pool-guest-account-error" message={errors.guestSecretId?.message} />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="pool-host-ssh-account">Host SSH account (dom0)</Label>
          <VaultAccountSelect
            id="pool-host-ssh-account"
            kinds={SSH_LOGIN}
            describedBy="pool-host-ssh-account-error"
            emptyLabel="None: no host flush"
            registration={form.register('hostSshSecretId')}
          />
          <FieldErrorText id="pool-host-ssh-account-error" message={errors.hostSshSecretId?.message} />
        </div>
        <ReentryFields reentry={reentry} fields={ACCOUNT_FIELDS} idPrefix="pool" />
      </div>
      <Button type="submit" className="mt-3" disabled={add.isPending}>
        Add pool
      </Button>
    </form>
  );
}
