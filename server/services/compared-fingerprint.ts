/**
 * Accepting a changed certificate or SSH host key pins the fingerprint the admin was shown and
 * compared, never whatever waits at the moment of the click: every refusal replaces the waiting
 * fingerprint, so someone presenting a second key between the admin's look and the click would
 * otherwise be trusted unseen. The store pins it only while it is still the one waiting (a
 * compare-and-set: one conditional statement, or the row's lock), so a refusal that lands between
 * the service's read and its write, from this process or a worker, cannot slip in either.
 */
import { DomainError } from './errors';

export interface ComparedFingerprintAccept {
  /** "certificate" or "SSH host key". */
  keyWord: string;
  /** Where it waits, as the admin knows it: the connection's name, or a pool's host and the pool's name. */
  waitingOn: string;
  /** The fingerprint the admin was shown and compared. */
  compared: string;
  /** The store's compare-and-set: pins `compared` only while it is the one waiting. */
  pinIfWaiting(compared: string): Promise<boolean>;
  /** What waits now (null: nothing), read again to say why the accept was refused. */
  waitingNow(): Promise<string | null>;
}

/** Pins the compared fingerprint, or refuses (CONFLICT) saying what waits now and that nothing was pinned. */
export async function pinComparedFingerprint(accept: ComparedFingerprintAccept): Promise<void> {
  if (await accept.pinIfWaiting(accept.compared)) return;
  const now = await accept.waitingNow();
  throw new DomainError(
    'CONFLICT',
    now
      ? `The ${accept.keyWord} waiting on ${accept.waitingOn} is now ${now}, not the one you compared: nothing was pinned. Compare it again, then accept it.`
      : `No ${accept.keyWord} is waiting on ${accept.waitingOn} any more (another admin may have accepted one since you compared it): nothing was pinned. Reload to see what is trusted.`,
    [
      {
        path: 'fingerprint',
        message: now ? `Another ${accept.keyWord} is waiting now` : `No ${accept.keyWord} is waiting now`,
      },
    ],
  );
}
