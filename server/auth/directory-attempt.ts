/**
 * What one directory sign-in learnt about who tried it. The provider's answer reaches us inside the
 * library (its profile mapping), while the audit entry is written around the library's handler: a
 * refused attempt (no mapped group, a disabled user) must still name the directory account, not
 * "someone". The callback handler opens a scope per request; the profile mapping fills it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface DirectoryAttempt {
  /** The email the provider's profile gave, lower-cased; null until the profile is read. */
  email: string | null;
}

const attempts = new AsyncLocalStorage<DirectoryAttempt>();

/** Runs one callback request with a fresh attempt record, returned beside the result. */
export async function withDirectoryAttempt<T>(
  run: () => Promise<T>,
): Promise<{ result: T; attempt: DirectoryAttempt }> {
  const attempt: DirectoryAttempt = { email: null };
  const result = await attempts.run(attempt, run);
  return { result, attempt };
}

/** Called by the profile mapping: records which directory account this attempt is for. */
export function noteDirectoryEmail(email: string | undefined): void {
  const attempt = attempts.getStore();
  if (attempt && email) attempt.email = email;
}
