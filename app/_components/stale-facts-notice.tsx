import Link from 'next/link';
import { Alert } from '@/app/_components/ui/alert';
import { failureSentence, type HostSyncState, NOT_READ_BECAUSE, whichSyncRead } from './stale-facts-words';

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
          {failureSentence(sync)} What this page shows about {hostName} is what {whichSyncRead(sync)}
          {sync.readAt ? ',' : ''} and may be out of date.{' '}
          <Link href="/admin/connections" className="underline underline-offset-2">
            Connections
          </Link>
        </>
      ) : (
        <>
          No {sync.connectionKind} connection reads {hostName} {NOT_READ_BECAUSE}: what this page shows is
          what was last read into the inventory, and nothing updates it.
        </>
      )}
    </Alert>
  );
}
