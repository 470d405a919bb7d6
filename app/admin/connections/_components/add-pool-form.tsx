'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { toast } from 'sonner';
import { MutationErrorAlert } from '@/app/_components/mutation-error-alert';
import { Button } from '@/app/_components/ui/button';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import { FieldErrorText } from '@/app/_components/wizard';
import { useTRPC } from '@/app/_lib/trpc';
import { addXapiPoolInput } from '@/server/schemas/xapi-pools';
import { VaultAccountSelect } from './connection-card';

type AddPoolValues = { name: string; address: string; secretId: string };

/** A pool by any host's address and the vault account it signs in with. */
export function AddPoolForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useForm<AddPoolValues>({
    resolver: zodResolver(addXapiPoolInput),
    defaultValues: { name: '', address: '', secretId: '' },
  });
  const add = useMutation(
    trpc.xapiPools.add.mutationOptions({
      onSuccess: (pool) => {
        toast.success(`Pool ${pool.name} added: test the connection, then discover it`);
        form.reset();
        return queryClient.invalidateQueries(trpc.xapiPools.list.queryFilter());
      },
    }),
  );
  const { errors } = form.formState;
  return (
    <form
      aria-label="Add a pool"
      onSubmit={form.handleSubmit((values) => add.mutate(values))}
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
            describedBy="pool-account-error"
            registration={form.register('secretId')}
          />
          <FieldErrorText id="pool-account-error" message={errors.secretId?.message} />
        </div>
      </div>
      <Button type="submit" className="mt-3" disabled={add.isPending}>
        Add pool
      </Button>
    </form>
  );
}
