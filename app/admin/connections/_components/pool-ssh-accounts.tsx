'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { toast } from 'sonner';
import { MutationErrorAlert } from '@/app/_components/mutation-error-alert';
import { Alert, AlertTitle } from '@/app/_components/ui/alert';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import { Select } from '@/app/_components/ui/select';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';
import { endpointOf } from '@/server/engine/secret-binding';
import { SSH_LOGIN } from '@/server/engine/security';
import { DEFAULT_FREEZE_WINDOW_MINUTES, MAX_FREEZE_WINDOW_MINUTES } from '@/server/schemas/xapi-pools';
import { PoolTestTargetPicker, type TestTarget } from './pool-test-target-picker';
import { accountToReenter, ReenterSecretField } from './secret-reentry';

type Pool = RouterOutputs['xapiPools']['list'][number];
type Kind = 'guest' | 'host';

const ROLES: Record<Kind, { label: string; none: string }> = {
  guest: { label: 'Guest SSH account (Linux guests)', none: 'None: no guest scripts or freeze' },
  host: { label: 'Host SSH account (dom0)', none: 'None: no host flush' },
};

/** "linux guests (backup)", "none …", or deleted: names and user names only, never a secret. */
function AccountName({
  name,
  user,
  id,
  none,
}: {
  name: string | null;
  user: string | null;
  id: string | null;
  none: string;
}) {
  if (id === null) return <span className="text-fg-muted">{none}</span>;
  if (name === null) return <Badge tone="danger">deleted from the vault</Badge>;
  return (
    <span>
      {name}
      {user ? ` (user ${user})` : ''}
    </span>
  );
}

/**
 * One SSH account's select and, when the account chosen is not used with the pool's address, the
 * field for its value typed again (server/engine/secret-binding.ts), with the rule in words.
 */
function AccountSelect({
  kind,
  value,
  onChange,
  endpoint,
  typed,
  onTyped,
}: {
  kind: Kind;
  value: string;
  onChange(value: string): void;
  endpoint: string;
  typed: string;
  onTyped(value: string): void;
}) {
  const trpc = useTRPC();
  const accounts = useQuery(trpc.secrets.list.queryOptions());
  const id = useId();
  const logins = (accounts.data ?? []).filter((account) => SSH_LOGIN.includes(account.kind));
  const toReenter = accountToReenter(new Map(logins.map((login) => [login.id, login])), value, endpoint);
  return (
    <>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor={id}>{ROLES[kind].label}</Label>
        <Select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
          <option value="">{ROLES[kind].none}</option>
          {logins.map((account) => (
            <option key={account.id} value={account.id}>
              {account.name}
              {account.username ? ` (${account.username})` : ''}
            </option>
          ))}
        </Select>
      </div>
      {toReenter ? (
        <ReenterSecretField
          id={`${id}-typed`}
          account={toReenter}
          endpoint={endpoint}
          registration={{
            value: typed,
            onChange: (event: { target: { value: string } }) => onTyped(event.target.value),
          }}
        />
      ) : null}
    </>
  );
}

function windowMinutesOf(pool: Pool): number {
  return pool.freezeWindowSeconds === null
    ? DEFAULT_FREEZE_WINDOW_MINUTES
    : Math.round(pool.freezeWindowSeconds / 60);
}

/** Both accounts at once; the server checks each is a login in the vault and changes nothing otherwise. */
function EditSshAccounts({ pool, onDone }: { pool: Pool; onDone(): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [guest, setGuest] = useState(pool.guestSecretId ?? '');
  const [host, setHost] = useState(pool.hostSshSecretId ?? '');
  /** Each account's value typed again, for an account not used with the pool's address. */
  const [typed, setTyped] = useState<Record<Kind, string>>({ guest: '', host: '' });
  const endpoint = endpointOf('xapi', pool.address);
  const [windowText, setWindowText] = useState(String(windowMinutesOf(pool)));
  const windowId = useId();
  const save = useMutation(
    trpc.xapiPools.setSshAccounts.mutationOptions({
      onSuccess: (saved) => {
        toast.success(
          `SSH accounts of ${saved.name} saved: guest ${saved.guestAccountName ?? 'none'}, host ${saved.hostSshAccountName ?? 'none'}`,
        );
        onDone();
        // The accounts are now used with the pool's address too.
        void queryClient.invalidateQueries(trpc.secrets.list.queryFilter());
        return queryClient.invalidateQueries(trpc.xapiPools.list.queryFilter());
      },
    }),
  );
  return (
    <form
      aria-label={`SSH accounts of ${pool.name}`}
      className="mt-2 rounded-md border border-line p-3"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate({
          id: pool.id,
          guestSecretId: guest || null,
          hostSshSecretId: host || null,
          guestSecret: typed.guest || null,
          hostSshSecret: typed.host || null,
          // The server names a wrong number; an empty field is the default window.
          freezeWindowMinutes: windowText.trim() === '' ? null : Number(windowText),
        });
      }}
    >
      {save.error ? <MutationErrorAlert error={save.error} /> : null}
      <div className="grid grid-cols-1 gap-3 md:grid-cols-2">
        {(['guest', 'host'] as const).map((kind) => (
          <AccountSelect
            key={kind}
            kind={kind}
            value={kind === 'guest' ? guest : host}
            onChange={kind === 'guest' ? setGuest : setHost}
            endpoint={endpoint}
            typed={typed[kind]}
            onTyped={(value) => setTyped((current) => ({ ...current, [kind]: value }))}
          />
        ))}
        <div className="flex flex-col gap-1.5">
          <Label htmlFor={windowId}>Freeze window (minutes)</Label>
          <Input
            id={windowId}
            inputMode="numeric"
            value={windowText}
            placeholder={String(DEFAULT_FREEZE_WINDOW_MINUTES)}
            onChange={(event) => setWindowText(event.target.value)}
          />
          <span className="text-xs text-fg-muted">
            A frozen guest thaws itself after this long (1–{MAX_FREEZE_WINDOW_MINUTES}; empty:{' '}
            {DEFAULT_FREEZE_WINDOW_MINUTES}).
          </span>
        </div>
      </div>
      <div className="mt-3 flex gap-2">
        <Button type="submit" disabled={save.isPending}>
          Save SSH accounts
        </Button>
        <Button type="button" variant="ghost" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

/**
 * The pool's guest hook and host flush accounts: which are set (by name and user), a change of
 * either, and a test that signs in where the hook (a running Linux guest) or the flush (the master's
 * dom0) would, running nothing that freezes or flushes.
 */
export function PoolSshAccounts({ pool }: { pool: Pool }) {
  const trpc = useTRPC();
  const [isEditing, setEditing] = useState(false);
  // None: the guest test takes the first running Linux guest it can reach, the host test the master.
  const [targets, setTargets] = useState<Record<Kind, TestTarget | null>>({ guest: null, host: null });
  const test = useMutation(trpc.xapiPools.testSshAccount.mutationOptions());
  const rows: { kind: Kind; name: string | null; user: string | null; id: string | null }[] = [
    { kind: 'guest', name: pool.guestAccountName, user: pool.guestAccountUser, id: pool.guestSecretId },
    { kind: 'host', name: pool.hostSshAccountName, user: pool.hostSshAccountUser, id: pool.hostSshSecretId },
  ];
  return (
    <section aria-label={`Guest hook and host flush of ${pool.name}`} className="mt-2 text-sm">
      <dl className="grid grid-cols-[max-content_1fr] gap-x-3">
        {rows.map((row) => (
          <div key={row.kind} className="contents">
            <dt className="font-medium">{ROLES[row.kind].label}</dt>
            <dd>
              <AccountName name={row.name} user={row.user} id={row.id} none="none" />
            </dd>
          </div>
        ))}
        <dt className="font-medium">Freeze window</dt>
        <dd>
          {windowMinutesOf(pool)} min{pool.freezeWindowSeconds === null ? ' (default)' : ''}
        </dd>
      </dl>
      <div className="mt-2 grid max-w-2xl grid-cols-1 items-end gap-2 md:grid-cols-[1fr_max-content]">
        {rows.map((row) => (
          <div key={row.kind} className="contents">
            <PoolTestTargetPicker
              poolId={pool.id}
              account={row.kind}
              value={targets[row.kind]}
              onChange={(target) => setTargets((current) => ({ ...current, [row.kind]: target }))}
            />
            <Button
              size="sm"
              variant="secondary"
              disabled={row.id === null || test.isPending}
              onClick={() =>
                test.mutate({ id: pool.id, account: row.kind, target: targets[row.kind]?.name ?? '' })
              }
            >
              {test.isPending && test.variables?.account === row.kind
                ? 'Testing…'
                : `Test ${row.kind} account`}
            </Button>
          </div>
        ))}
      </div>
      {isEditing ? null : (
        <div className="mt-2">
          <Button size="sm" variant="ghost" onClick={() => setEditing(true)}>
            Change SSH accounts…
          </Button>
        </div>
      )}
      {test.error ? <MutationErrorAlert error={test.error} /> : null}
      {test.data ? (
        <Alert
          tone={test.data.ok ? 'success' : 'danger'}
          role={test.data.ok ? 'status' : 'alert'}
          className="mt-2"
        >
          <AlertTitle>
            {test.data.account === 'guest' ? 'Guest' : 'Host'} account{' '}
            {test.data.ok ? 'works' : 'test failed'}: {test.data.message}
          </AlertTitle>
        </Alert>
      ) : null}
      {isEditing ? <EditSshAccounts pool={pool} onDone={() => setEditing(false)} /> : null}
    </section>
  );
}
