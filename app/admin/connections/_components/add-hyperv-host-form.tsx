'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { type UseFormReturn, useForm } from 'react-hook-form';
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
import { addHypervConnectionInput } from '@/server/schemas/hyperv-connections';
import { VaultAccountSelect } from './connection-card';
import { HypervTestView } from './hyperv-test-result';
import { type ReentryField, ReentryFields, useAccountReentry } from './secret-reentry';

/**
 * The server's schema with the form's shapes: no guest account chosen is null (guests are not
 * read), and the host key comes from a test before saving, not from a field.
 */
const addHostFormSchema = addHypervConnectionInput.omit({ trustedFingerprint: true }).extend({
  guestAccountId: z
    .string()
    .trim()
    .transform((value) => (value === '' ? null : value)),
  wsbBackupTarget: z
    .string()
    .trim()
    .transform((value) => (value === '' ? null : value))
    .pipe(addHypervConnectionInput.shape.wsbBackupTarget.unwrap()),
});
type AddHostValues = z.input<typeof addHostFormSchema>;
type AddHostRequest = z.output<typeof addHostFormSchema>;

const EMPTY: AddHostValues = {
  name: '',
  address: '',
  port: 22,
  hostAccountId: '',
  guestAccountId: '',
  hostAccountSecret: '',
  guestAccountSecret: '',
  wsbBackupTarget: '',
};

/** Where a draft test reached: its key is only offered while the form still points there. */
const testedEndpoint = (values: { address?: string; port?: number }) =>
  `${values.address?.trim()}:${values.port}`;

/** The endpoint the accounts would be sent to (null until an address and a port are typed). */
function accountEndpoint(values: { address?: string; port?: number }): string | null {
  const address = values.address?.trim();
  return address && Number.isInteger(values.port) ? endpointOf('hyperv', address, values.port) : null;
}

const ACCOUNT_FIELDS: ReentryField<AddHostValues>[] = [
  { account: 'hostAccountId', typed: 'hostAccountSecret' },
  { account: 'guestAccountId', typed: 'guestAccountSecret' },
];

/** The vault accounts the host (SSH) and its guests (PowerShell Direct) are signed in to with. */
function HypervAccountFields({ form }: { form: UseFormReturn<AddHostValues, unknown, AddHostRequest> }) {
  const { errors } = form.formState;
  return (
    <>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="hyperv-account">Host account</Label>
        <VaultAccountSelect
          id="hyperv-account"
          kinds={SSH_LOGIN}
          describedBy="hyperv-account-error"
          registration={form.register('hostAccountId')}
        />
        <FieldErrorText id="hyperv-account-error" message={errors.hostAccountId?.message} />
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="hyperv-guest-account">Guest account for PowerShell Direct</Label>
        <VaultAccountSelect
          id="hyperv-guest-account"
          kinds={PASSWORD_LOGIN}
          describedBy="hyperv-guest-account-error"
          emptyLabel="None: guests are not read"
          registration={form.register('guestAccountId')}
        />
        <FieldErrorText id="hyperv-guest-account-error" message={errors.guestAccountId?.message} />
      </div>
    </>
  );
}

/**
 * A Hyper-V host by its OpenSSH address, the vault account Migawka signs in with and optionally
 * a guest account for PowerShell Direct. "Test connection" works before saving and shows the
 * host's SSH key; the admin may trust that key on adding, or leave it to be pinned on first use.
 */
export function AddHypervHostForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useForm<AddHostValues, unknown, AddHostRequest>({
    resolver: zodResolver(addHostFormSchema),
    defaultValues: EMPTY,
  });
  const [testedAt, setTestedAt] = useState<string | null>(null);
  const [trustKey, setTrustKey] = useState(false);
  const draft = useMutation(trpc.hypervConnections.testDraft.mutationOptions());
  const add = useMutation(
    trpc.hypervConnections.add.mutationOptions({
      onSuccess: (connection) => {
        toast.success(`Hyper-V host ${connection.name} added: test the connection, then sync it`);
        form.reset(EMPTY);
        draft.reset();
        setTrustKey(false);
        // The accounts are now used with this address too.
        void queryClient.invalidateQueries(trpc.secrets.list.queryFilter());
        return queryClient.invalidateQueries(trpc.hypervConnections.list.queryFilter());
      },
    }),
  );
  const watched = form.watch();
  const endpoint = testedEndpoint(watched);
  const seenKey = draft.data?.ok && draft.data.hostKey && testedAt === endpoint ? draft.data.hostKey : null;
  // An account not used with the address typed is typed again (server/engine/secret-binding.ts).
  const reentry = useAccountReentry(form, ACCOUNT_FIELDS, accountEndpoint(watched));
  const testBeforeSaving = async () => {
    const fields = ['address', 'port', 'hostAccountId', 'guestAccountId'] as const;
    if (!(await form.trigger(fields))) return;
    const typed = reentry.collect();
    if (!typed) return;
    const values = form.getValues();
    setTestedAt(testedEndpoint(values));
    setTrustKey(false);
    draft.mutate({
      address: values.address,
      port: values.port,
      hostAccountId: values.hostAccountId,
      guestAccountId: values.guestAccountId === '' ? null : values.guestAccountId,
      ...typed,
    });
  };
  const submit = (values: AddHostRequest) => {
    const typed = reentry.collect();
    if (typed) add.mutate({ ...values, ...typed, trustedFingerprint: trustKey && seenKey ? seenKey : null });
  };
  const { errors } = form.formState;
  return (
    <form
      aria-label="Add a Hyper-V host"
      onSubmit={form.handleSubmit(submit)}
      className="mt-3 rounded-md border border-line bg-surface p-4"
    >
      <h3 className="mb-3 font-semibold">Add a Hyper-V host</h3>
      {add.error ? <MutationErrorAlert error={add.error} /> : null}
      {draft.error ? <MutationErrorAlert error={draft.error} /> : null}
      <div className="grid grid-cols-1 gap-3 md:grid-cols-3">
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="hyperv-name">Host name in Migawka</Label>
          <Input id="hyperv-name" aria-describedby="hyperv-name-error" {...form.register('name')} />
          <FieldErrorText id="hyperv-name-error" message={errors.name?.message} />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="hyperv-address">Host address (OpenSSH server)</Label>
          <Input
            id="hyperv-address"
            placeholder="hv01.example.com or 192.0.2.20"
            aria-describedby="hyperv-address-error"
            {...form.register('address')}
          />
          <FieldErrorText id="hyperv-address-error" message={errors.address?.message} />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="hyperv-port">SSH port</Label>
          <Input
            id="hyperv-port"
            type="number"
            aria-describedby="hyperv-port-error"
            {...form.register('port', { valueAsNumber: true })}
          />
          <FieldErrorText id="hyperv-port-error" message={errors.port?.message} />
        </div>
        <HypervAccountFields form={form} />
        <ReentryFields reentry={reentry} fields={ACCOUNT_FIELDS} idPrefix="hyperv" />
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="hyperv-wsb-target">Windows Server Backup target (optional)</Label>
          <Input
            id="hyperv-wsb-target"
            placeholder="E: or \\nas01\wsb"
            aria-describedby="hyperv-wsb-target-error"
            {...form.register('wsbBackupTarget')}
          />
          <FieldErrorText id="hyperv-wsb-target-error" message={errors.wsbBackupTarget?.message} />
        </div>
      </div>
      {draft.data && testedAt === endpoint ? <HypervTestView result={draft.data} /> : null}
      {seenKey ? (
        <label className="mt-2 flex items-center gap-2 text-sm">
          <input type="checkbox" checked={trustKey} onChange={(event) => setTrustKey(event.target.checked)} />
          I compared {seenKey} with the host: trust this SSH host key
        </label>
      ) : null}
      <div className="mt-3 flex flex-wrap gap-2">
        <Button type="button" variant="secondary" disabled={draft.isPending} onClick={testBeforeSaving}>
          {draft.isPending ? 'Testing…' : 'Test before saving'}
        </Button>
        <Button type="submit" disabled={add.isPending}>
          Add host
        </Button>
      </div>
    </form>
  );
}
