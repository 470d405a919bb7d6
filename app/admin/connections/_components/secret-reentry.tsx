'use client';

import { useQuery } from '@tanstack/react-query';
import type { ChangeEvent } from 'react';
import type { FieldValues, Path, UseFormRegisterReturn, UseFormReturn } from 'react-hook-form';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import { FieldErrorText } from '@/app/_components/wizard';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { endpointList, isBoundTo, REENTRY_WORDS } from '@/server/engine/secret-binding';

/**
 * A stored secret is sent only to an address it is used with (server/engine/secret-binding.ts).
 * The connection forms say so before the admin clicks: once the account chosen is not used with
 * the address typed, the form asks for the account's password (or key) beside it, and sends what
 * is typed with the request; the server refuses the request without it anyway.
 */
export type VaultAccount = RouterOutputs['secrets']['list'][number];

/** The vault's accounts by id (the same query the account selects read). */
export function useVaultAccounts(): Map<string, VaultAccount> {
  const trpc = useTRPC();
  const accounts = useQuery(trpc.secrets.list.queryOptions());
  return new Map((accounts.data ?? []).map((account) => [account.id, account]));
}

/** The chosen account when `endpoint` is not one it is used with: its value must be typed (null: it need not). */
export function accountToReenter(
  accounts: Map<string, VaultAccount>,
  accountId: string | null | undefined,
  endpoint: string | null,
): VaultAccount | null {
  if (!accountId || !endpoint) return null;
  const account = accounts.get(accountId);
  return account && !isBoundTo(account.usedWith, endpoint) ? account : null;
}

/** "Type the password of hv-admin to use it with hv-99.example:22": what a form says when it is left empty. */
export function reentryRequired(account: VaultAccount, endpoint: string): string {
  const { verb, noun } = REENTRY_WORDS[account.kind];
  return `${verb[0].toUpperCase()}${verb.slice(1)} the ${noun} of ${account.name} to use it with ${endpoint}`;
}

/** The value field's props: registered with a form, or controlled by a component's state. */
type ValueProps =
  | UseFormRegisterReturn
  | { value: string; onChange(event: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>): void };

/** The rule, in words, and the field for the account's value, shown under the account's select. */
export function ReenterSecretField({
  id,
  account,
  endpoint,
  registration,
  error,
}: {
  id: string;
  account: VaultAccount;
  endpoint: string;
  registration: ValueProps;
  error?: string;
}) {
  const { verb, noun } = REENTRY_WORDS[account.kind];
  const label = `${noun[0].toUpperCase()}${noun.slice(1)} of ${account.name}`;
  const describedBy = `${id}-rule${error ? ` ${id}-error` : ''}`;
  return (
    <div className="flex flex-col gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      <p id={`${id}-rule`} className="text-sm text-warning">
        {account.name} is used with {endpointList(account.usedWith)} only: the vault does not send a stored{' '}
        {noun} to another address. {verb[0].toUpperCase()}
        {verb.slice(1)} it to use it with {endpoint}.
      </p>
      {account.kind === 'ssh-private-key' ? (
        <textarea
          id={id}
          rows={3}
          autoComplete="off"
          spellCheck={false}
          aria-describedby={describedBy}
          className="rounded-md border border-line bg-surface px-3 py-2 font-mono text-xs"
          {...registration}
        />
      ) : (
        <Input id={id} type="password" autoComplete="off" aria-describedby={describedBy} {...registration} />
      )}
      <FieldErrorText id={`${id}-error`} message={error} />
    </div>
  );
}

/** One account of a form: the field choosing it and the field of its value typed again. */
export interface ReentryField<Values extends FieldValues> {
  account: Path<Values>;
  typed: Path<Values>;
}

/**
 * A form's accounts against the endpoint they would be sent to: the field for each account that
 * must be typed again (`fieldProps`, null for the others), and what to send (`collect`: each typed
 * value, null for an account that needs none; or null, with the empty fields marked, when one that
 * is needed was left empty: then nothing is sent).
 */
export function useAccountReentry<Values extends FieldValues, Output>(
  form: UseFormReturn<Values, unknown, Output>,
  fields: readonly ReentryField<Values>[],
  endpoint: string | null,
) {
  const accounts = useVaultAccounts();
  const chosen = form.watch(fields.map((field) => field.account));
  const accountFor = (accountId: unknown) =>
    accountToReenter(accounts, typeof accountId === 'string' ? accountId : null, endpoint);
  return {
    fieldProps(field: ReentryField<Values>, id: string) {
      const account = accountFor(chosen[fields.indexOf(field)]);
      if (!account || !endpoint) return null;
      const error = form.formState.errors[field.typed]?.message;
      return {
        id,
        account,
        endpoint,
        registration: form.register(field.typed),
        error: typeof error === 'string' ? error : undefined,
      };
    },
    collect(): Record<string, string | null> | null {
      form.clearErrors(fields.map((field) => field.typed));
      const typed: Record<string, string | null> = {};
      let isComplete = true;
      for (const field of fields) {
        const account = accountFor(form.getValues(field.account));
        const value = (form.getValues(field.typed) as string | null | undefined) ?? '';
        typed[field.typed] = account && value !== '' ? value : null;
        if (account && endpoint && value === '') {
          form.setError(field.typed, { message: reentryRequired(account, endpoint) });
          isComplete = false;
        }
      }
      return isComplete ? typed : null;
    },
  };
}

/** The typed-again field of each account that needs one, in the form's grid. */
export function ReentryFields<Values extends FieldValues>({
  reentry,
  fields,
  idPrefix,
}: {
  reentry: {
    fieldProps(field: ReentryField<Values>, id: string): Parameters<typeof ReenterSecretField>[0] | null;
  };
  fields: readonly ReentryField<Values>[];
  idPrefix: string;
}) {
  return fields.map((field) => {
    const props = reentry.fieldProps(field, `${idPrefix}-${field.typed}`);
    return props ? <ReenterSecretField key={field.typed} {...props} /> : null;
  });
}
