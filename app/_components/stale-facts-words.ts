/**
 * The words both warnings about out-of-date facts use: the host and VM pages' notice
 * (stale-facts-notice.tsx) and the dashboard's and VM list's alert (stale-hosts-alert.tsx). One
 * source keeps a failed sync, and when its facts were read, said the same way everywhere.
 */
import { formatDateTime } from '@/app/_lib/format';
import type { RouterOutputs } from '@/app/_lib/trpc';

export type HostSyncState = NonNullable<RouterOutputs['hosts']['get']['sync']>;
type FailedSync = Extract<HostSyncState, { kind: 'failed' }>;

/** Why no connection may read a host any more, after "No … connection reads …". */
export const NOT_READ_BECAUSE = '(it was disconnected, or its facts came from a file)';

/**
 * The stored error as a sentence, without the connection's label in front
 * (services/connection-labels.ts): the sentence has just named the connection.
 */
export function failureSentence(sync: FailedSync): string {
  const label = `${sync.connectionKind} ${sync.connectionName}: `;
  const error = (sync.error.startsWith(label) ? sync.error.slice(label.length) : sync.error).trim();
  return /[.!?]$/.test(error) ? error : `${error}.`;
}

/** Which sync read what is shown: the last successful one, at its time, when the store kept it. */
export function whichSyncRead(sync: FailedSync): string {
  return sync.readAt
    ? `its last successful sync read, at ${formatDateTime(sync.readAt)}`
    : 'an earlier sync read';
}

/** Items as a list in a sentence ("a, b and c"), `more` past them counted last ("a, b and 3 more"). */
export function inWords<T>(items: readonly T[], more = 0): (T | string)[] {
  const all: (T | string)[] = more > 0 ? [...items, `${more} more`] : [...items];
  return all.flatMap((item, index) => {
    if (index === 0) return [item];
    return [index === all.length - 1 ? ' and ' : ', ', item];
  });
}
