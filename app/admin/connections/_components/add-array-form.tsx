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
import { Select } from '@/app/_components/ui/select';
import { FieldErrorText } from '@/app/_components/wizard';
import { useTRPC } from '@/app/_lib/trpc';
import { endpointOf } from '@/server/engine/secret-binding';
import { PASSWORD_LOGIN } from '@/server/engine/security';
import { addEqualLogicConnectionInput, addOntapConnectionInput } from '@/server/schemas/array-connections';
import { VaultAccountSelect } from './connection-card';
import { type ReentryField, ReentryFields, useAccountReentry } from './secret-reentry';

/**
 * One form for both array kinds, validated by the server's own schemas: an empty staging igroup
 * means "no staged restores from this cluster" (null), and an EqualLogic group has none.
 */
const addArrayFormSchema = z.discriminatedUnion('vendor', [
  addOntapConnectionInput.extend({
    vendor: z.literal('ontap'),
    stagingIgroup: z
      .string()
      .trim()
      .transform((value) => (value === '' ? null : value))
      .pipe(addOntapConnectionInput.shape.stagingIgroup.unwrap()),
  }),
  addEqualLogicConnectionInput.extend({
    vendor: z.literal('equallogic'),
    stagingIgroup: z.string().transform(() => null),
  }),
]);
type AddArrayValues = z.input<typeof addArrayFormSchema>;
type AddArrayRequest = z.output<typeof addArrayFormSchema>;

const EMPTY: AddArrayValues = {
  vendor: 'ontap',
  name: '',
  address: '',
  accountId: '',
  accountSecret: '',
  stagingIgroup: '',
};

const ACCOUNT_FIELDS: ReentryField<AddArrayValues>[] = [{ account: 'accountId', typed: 'accountSecret' }];

/** Where the array's account would be sent (null until the address is one the server takes). */
function arrayEndpoint(vendor: AddArrayValues['vendor'], address: string | undefined): string | null {
  const schema = vendor === 'ontap' ? addOntapConnectionInput : addEqualLogicConnectionInput;
  return address && schema.shape.address.safeParse(address).success ? endpointOf(vendor, address) : null;
}

/** An ONTAP cluster or an EqualLogic group by its management address and a vault account. */
export function AddArrayForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useForm<AddArrayValues, unknown, AddArrayRequest>({
    resolver: zodResolver(addArrayFormSchema),
    defaultValues: EMPTY,
  });
  const onAdded = (connection: { name: string }) => {
    toast.success(`Array ${connection.name} added: test the connection, then discover it`);
    form.reset(EMPTY);
    // The account is now used with this address too.
    void queryClient.invalidateQueries(trpc.secrets.list.queryFilter());
    return queryClient.invalidateQueries(trpc.arrayConnections.list.queryFilter());
  };
  const addOntap = useMutation(trpc.arrayConnections.addOntap.mutationOptions({ onSuccess: onAdded }));
  const addGroup = useMutation(trpc.arrayConnections.addEqualLogic.mutationOptions({ onSuccess: onAdded }));
  const vendor = form.watch('vendor');
  const isOntap = vendor === 'ontap';
  // An account not used with the address typed is typed again (server/engine/secret-binding.ts).
  const reentry = useAccountReentry(form, ACCOUNT_FIELDS, arrayEndpoint(vendor, form.watch('address')));
  const { errors } = form.formState;
  const submit = (values: AddArrayRequest) => {
    const typed = reentry.collect();
    if (!typed) return;
    if (values.vendor === 'ontap') {
      const { vendor: _, ...input } = values;
      addOntap.mutate({ ...input, accountSecret: typed.accountSecret ?? null });
    } else {
      const { vendor: _, stagingIgroup: __, ...input } = values;
      addGroup.mutate({ ...input, accountSecret: typed.accountSecret ?? null });
    }
  };
  const error = isOntap ? addOntap.error : addGroup.error;
  return (
    <form
      aria-label="Add a storage array"
      onSubmit={form.handleSubmit(submit)}
      className="mt-3 rounded-md border border-line bg-surface p-4"
    >
      <h3 className="mb-3 font-semibold">Add a storage array</h3>
      {error ? <MutationErrorAlert error={error} /> : null}
      <div className="grid grid-cols-1 gap-3 md:grid-cols-3">
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="array-vendor">Kind of array</Label>
          <Select id="array-vendor" {...form.register('vendor')}>
            <option value="ontap">NetApp ONTAP cluster (REST)</option>
            <option value="equallogic">Dell EqualLogic group (SSH)</option>
          </Select>
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="array-name">Array name in Migawka</Label>
          <Input id="array-name" aria-describedby="array-name-error" {...form.register('name')} />
          <FieldErrorText id="array-name-error" message={errors.name?.message} />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="array-address">
            {isOntap ? 'Cluster management address' : 'Group management address'}
          </Label>
          <Input
            id="array-address"
            placeholder={isOntap ? 'cluster1.example.com or 192.0.2.30' : '192.0.2.40 or 192.0.2.40:2222'}
            aria-describedby="array-address-error"
            {...form.register('address')}
          />
          <FieldErrorText id="array-address-error" message={errors.address?.message} />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="array-account">Array account</Label>
          <VaultAccountSelect
            id="array-account"
            kinds={PASSWORD_LOGIN}
            describedBy="array-account-error"
            registration={form.register('accountId')}
          />
          <FieldErrorText id="array-account-error" message={errors.accountId?.message} />
        </div>
        <ReentryFields reentry={reentry} fields={ACCOUNT_FIELDS} idPrefix="array" />
        {isOntap ? (
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="array-staging">Staging igroup (for staged restores)</Label>
            <Input
              id="array-staging"
              placeholder="Leave empty for no staged restores"
              aria-describedby="array-staging-error"
              {...form.register('stagingIgroup')}
            />
            <FieldErrorText id="array-staging-error" message={errors.stagingIgroup?.message} />
          </div>
        ) : null}
      </div>
      <Button type="submit" className="mt-3" disabled={addOntap.isPending || addGroup.isPending}>
        Add array
      </Button>
    </form>
  );
}
