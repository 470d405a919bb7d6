import Link from 'next/link';
import { Alert } from '@/app/_components/ui/alert';
import { formatDateTime } from '@/app/_lib/format';
import type { RouterOutputs } from '@/app/_lib/trpc';

type HostSyncState = NonNullable<RouterOutputs['hosts']['get']['sync']>;

/**
 * Says that a host's facts (and its VMs') are those of an earlier sync: the last one failed, or no
 * connection reads the host. Without it the host and VM pages would present stale facts
 * as today's (services/inventory/host-sync.ts).
 */
export function StaleFactsNotice({ sync, hostName }: { sync: HostSyncState | null; hostName: string }) {
  if (!sync) return null;
  return (
    <Alert
      tone="warning"
      role="status"
      aria-label={`Facts of ${hostName} may be out of date`}
      className="mb-6"
    >
      {sync.kind === 'failed' ? (
        <>
          The last sync of {sync.connectionKind} <strong>{sync.connectionName}</strong> failed:{' '}
          {asSentence(withoutLabel(sync.error, `${sync.connectionKind} ${sync.connectionName}: `))} What this
          page shows about {hostName} is what{' '}
          {sync.readAt
            ? `its last successful sync read, at ${formatDateTime(sync.readAt)},`
            : 'an earlier sync read'}{' '}
          and may be out of date.{' '}
          <Link href="/admin/connections" className="underline underline-offset-2">
            Connections
          </Link>
        </>
      ) : (
        <>
          No {sync.connectionKind} connection reads {hostName} (it was disconnected, or its facts came from a
          file): what this page shows is what was last read into the inventory, and nothing updates it.
        </>
      )}
    </Alert>
  );
}

/** The stored error as a sentence: its own full stop, or one added. */
function asSentence(text: string): string {
  return /[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}

/** The error without the connection's label in front (services/connection-labels.ts), which the sentence has just said. */
function withoutLabel(error: string, label: string): string {
  return error.startsWith(label) ? error.slice(label.length) : error;
}
