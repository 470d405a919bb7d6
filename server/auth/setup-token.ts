/**
 * The one-time setup token: while no account exists, creating the first admin needs this token,
 * which only the server's log shows — so the first person to reach the port cannot claim the
 * console. It lives in this process's memory (a restart prints a new one) as a SHA-256 hash, and is
 * forgotten once the first admin exists.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// On globalThis: Next loads instrumentation and route handlers as separate module instances.
const holder = globalThis as typeof globalThis & { __migawkaSetupTokenHash?: Buffer | null };

function hashOf(token: string): Buffer {
  return createHash('sha256').update(token.trim()).digest();
}

/** A new token (replacing any earlier one); the caller prints it. */
export function issueSetupToken(): string {
  const token = randomBytes(24).toString('base64url');
  holder.__migawkaSetupTokenHash = hashOf(token);
  return token;
}

/** True when `token` is the one issued; compared in constant time. */
export function isSetupToken(token: string): boolean {
  const expected = holder.__migawkaSetupTokenHash;
  return Boolean(expected) && timingSafeEqual(hashOf(token), expected as Buffer);
}

export function forgetSetupToken(): void {
  holder.__migawkaSetupTokenHash = null;
}
