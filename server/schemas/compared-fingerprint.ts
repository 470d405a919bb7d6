/**
 * The fingerprint an admin was shown and compared when accepting a changed certificate or SSH host
 * key: the accept pins that one, or is refused when another waits now (a second refusal replaces
 * the waiting fingerprint, and must not be trusted unseen).
 */
import { z } from 'zod';

const GIVE_IT = 'Give the fingerprint you were shown and compared';

export const comparedFingerprint = z
  .string({ error: GIVE_IT })
  .trim()
  .min(1, GIVE_IT)
  // Far above any SHA-256 form (95 characters as colon-separated hex): not a fingerprint.
  .max(200, 'A fingerprint is at most 200 characters');
