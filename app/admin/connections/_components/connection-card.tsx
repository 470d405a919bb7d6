'use client';

import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import type { UseFormRegisterReturn } from 'react-hook-form';
import { MutationErrorAlert } from '@/app/_components/mutation-error-alert';
import { Alert, AlertTitle } from '@/app/_components/ui/alert';
import { Badge } from '@/app/_components/ui/badge';
import { Button } from '@/app/_components/ui/button';
import { Select } from '@/app/_components/ui/select';
import { formatDateTime } from '@/app/_lib/restore-format';
import { useTRPC } from '@/app/_lib/trpc';
import { ConfirmDialog } from '@/app/operations/_components/confirm-dialog';
import type { SecretKind } from '@/server/engine/security';

/**
 * What every connector's card on the Connections page shares — pools, arrays and Hyper-V hosts:
 * address and accounts by name, the last sync, the trusted key or certificate (trust on first use)
 * and a changed one waiting for an admin, the test result, and test / sync / disconnect with a
 * confirmation naming the connection. Each connector says only what is its own.
 */

export function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** A trusted fingerprint; `endpoint` names which host presented it when a connection has several. */
export interface TrustedKey {
  endpoint?: string;
  fingerprint: string;
}

/** A different fingerprint a host presented, refused until an admin accepts it. */
export interface WaitingKey {
  /** Who presented it, as the admin knows it (connection name or host address). */
  presentedBy: string;
  fingerprint: string;
  /** The fingerprint trusted until now, when known: the admin sees what is replaced. */
  replaces?: string | null;
  /**
   * Accepts `shown`, the fingerprint this alert displays: the server pins it only while it is still
   * the one waiting, so a key presented after the admin compared is never trusted unseen.
   */
  accept(shown: string): void;
}

export interface ConnectionCardProps {
  /** Accessible name of the card, e.g. "Pool Lab pool". */
  label: string;
  name: string;
  /** After the name, e.g. the kind of array. */
  kind?: string;
  address: string;
  /** Accounts by role ("account", "guest account"), null when deleted from the vault. */
  accounts: { role: string; name: string | null }[];
  /** "certificate" or "SSH host key". */
  keyWord: string;
  trusted: TrustedKey[];
  waiting: WaitingKey[];
  /** Where the admin compares a fingerprint ("the array", "the host's console"). */
  compareWith: string;
  /** "sync" or "discovery": how the last run is named. */
  syncNoun: string;
  syncButton: { idle: string; busy: string };
  lastSyncAt: Date | null;
  lastError: string | null;
  /** Shown before the first sync; "Not discovered yet" unless said. */
  neverSynced?: string;
  error: { message: string } | null;
  isTesting: boolean;
  isSyncing: boolean;
  onTest(): void;
  onSync(): void;
  /** Disconnects, with the connection's name as the admin typed it (the server checks it too). */
  onRemove(typedName: string): void;
  /** What disconnecting forgets and keeps; shown while confirming. */
  removeNote?: string;
  /** What disconnecting stops (VMs, jobs), read when the confirmation opens. */
  removeImpact?: ReactNode;
  /** The confirm button's words when it does not disconnect at once (four-eyes: it asks). */
  removeLabel?: string;
  /** Connector lines under the header. */
  children?: ReactNode;
  /** The last test's and sync's results. */
  results?: ReactNode;
}

function TrustedKeys({
  keyWord,
  trusted,
  compareWith,
}: {
  keyWord: string;
  trusted: TrustedKey[];
  compareWith: string;
}) {
  if (trusted.length === 0) {
    return (
      <p className="mt-1 text-sm">
        <span className="font-medium">Trusted {keyWord}: </span>
        none yet (trusted on the first connection: compare it with {compareWith} afterwards)
      </p>
    );
  }
  if (trusted.length === 1 && !trusted[0]?.endpoint) {
    return (
      <p className="mt-1 text-sm">
        <span className="font-medium">Trusted {keyWord}: </span>
        <span className="font-mono text-xs">{trusted[0]?.fingerprint}</span>
      </p>
    );
  }
  return (
    <div className="mt-2 text-sm">
      <span className="font-medium">Trusted {keyWord}s</span>
      <ul className="font-mono text-xs">
        {trusted.map((key) => (
          <li key={key.endpoint ?? key.fingerprint}>
            {key.endpoint}: {key.fingerprint}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function ConnectionCard(props: ConnectionCardProps) {
  const { name, keyWord } = props;
  return (
    <article aria-label={props.label} className="rounded-md border border-line bg-surface p-4">
      <header className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 className="text-base font-semibold">
          {name} {props.kind ? <span className="font-normal text-fg-muted">({props.kind})</span> : null}
        </h3>
        <span className="text-sm text-fg-muted">
          {props.address}
          {props.accounts.map((account) => (
            <span key={account.role}>
              {' '}
              · {account.role} {account.name ?? <Badge tone="danger">deleted from the vault</Badge>}
            </span>
          ))}
        </span>
      </header>
      {props.children}
      <p className="mt-1 text-sm">
        {props.lastSyncAt
          ? `Last ${props.syncNoun} ${formatDateTime(props.lastSyncAt)}`
          : (props.neverSynced ?? 'Not discovered yet')}
        {props.lastError ? (
          <span className="block text-danger">
            Last {props.syncNoun} failed: {props.lastError}
          </span>
        ) : null}
      </p>
      <TrustedKeys keyWord={keyWord} trusted={props.trusted} compareWith={props.compareWith} />
      {props.waiting.map((waiting) => (
        <Alert key={waiting.presentedBy} tone="warning" role="alert" className="mt-2">
          <AlertTitle>
            {waiting.presentedBy} presented a different {keyWord}: {waiting.fingerprint}
            {waiting.replaces ? ` (trusted until now: ${waiting.replaces})` : ''}. Migawka refuses to talk to
            it until you accept it — compare the fingerprint with {props.compareWith} first.
          </AlertTitle>
          <Button size="sm" variant="secondary" onClick={() => waiting.accept(waiting.fingerprint)}>
            Accept the new {keyWord} of {waiting.presentedBy}
          </Button>
        </Alert>
      ))}
      {props.error ? <MutationErrorAlert error={props.error} /> : null}
      {props.results}
      <div className="mt-3 flex flex-wrap gap-2">
        <Button variant="secondary" disabled={props.isTesting} onClick={props.onTest}>
          {props.isTesting ? 'Testing…' : 'Test connection'}
        </Button>
        <Button disabled={props.isSyncing} onClick={props.onSync}>
          {props.isSyncing ? props.syncButton.busy : props.syncButton.idle}
        </Button>
        <ConfirmDialog
          trigger={<Button variant="ghost">Disconnect…</Button>}
          title={`Disconnect ${name}?`}
          description={
            <>
              {props.removeNote ? <p>{props.removeNote}</p> : null}
              {props.removeImpact}
            </>
          }
          confirmLabel={props.removeLabel ?? `Disconnect ${name}`}
          isDestructive
          typedName={{ what: "the connection's name", name }}
          onConfirm={props.onRemove}
        />
      </div>
    </article>
  );
}

/**
 * A test's answer: failed (danger), worked (success), or reached but not usable as it stands
 * (warning: degraded is not success). `details` lists what was checked.
 */
export function TestResultAlert({
  result,
  title,
  tone = 'success',
  details,
}: {
  result: { ok: true } | { ok: false; message: string };
  title?: ReactNode;
  tone?: 'success' | 'warning';
  details?: ReactNode;
}) {
  if (!result.ok) {
    return (
      <Alert tone="danger" role="alert" className="mt-2">
        <AlertTitle>Connection failed: {result.message}</AlertTitle>
      </Alert>
    );
  }
  return (
    <Alert tone={tone} role="status" className="mt-2">
      <AlertTitle>{title}</AlertTitle>
      {details}
    </Alert>
  );
}

/** A choice of the vault's accounts, by name and user name (the forms of every connector). */
export function VaultAccountSelect({
  id,
  describedBy,
  registration,
  emptyLabel = 'Choose an account from the vault',
  kinds,
}: {
  id: string;
  describedBy?: string;
  registration: UseFormRegisterReturn;
  emptyLabel?: string;
  /** The kinds of secret the connection's protocol signs in with (the server refuses the others). */
  kinds: readonly SecretKind[];
}) {
  const trpc = useTRPC();
  const accounts = useQuery(trpc.secrets.list.queryOptions());
  const logins = (accounts.data ?? []).filter((account) => kinds.includes(account.kind));
  return (
    <Select id={id} aria-describedby={describedBy} {...registration}>
      <option value="">{emptyLabel}</option>
      {logins.map((account) => (
        <option key={account.id} value={account.id}>
          {account.name}
          {account.username ? ` (${account.username})` : ''}
        </option>
      ))}
    </Select>
  );
}
