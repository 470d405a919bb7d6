/**
 * The secret that signs session cookies. `MIGAWKA_AUTH_SECRET` when set (a production install sets
 * it, or backs up the key file); otherwise a random key kept in `auth-secret.key` beside the
 * database, created once with 0600 permissions, so sessions survive a restart without any setup.
 * Losing the key only signs everybody out.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const AUTH_SECRET_FILE = 'auth-secret.key';

export interface ResolvedSecret {
  secret: string;
  /** Where it came from, for the start-up log line (never the secret itself). */
  source: 'environment' | 'key file' | 'new key file' | 'in-memory';
  file: string | null;
}

/**
 * The configured secret, else the key file beside `dbPath` (created when missing). A private
 * in-memory database (tests) gets a per-process random key.
 */
export function resolveAuthSecret(configured: string | null, dbPath: string): ResolvedSecret {
  if (configured) return { secret: configured, source: 'environment', file: null };
  if (dbPath === ':memory:') return { secret: randomKey(), source: 'in-memory', file: null };
  const file = path.join(path.dirname(path.resolve(dbPath)), AUTH_SECRET_FILE);
  if (existsSync(file)) return { secret: readKeyFile(file), source: 'key file', file };
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomKey();
  try {
    // 'wx': never overwrite a key another process (the worker, the CLI) wrote a moment ago.
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { secret: readKeyFile(file), source: 'key file', file };
  }
  chmodSync(file, 0o600);
  return { secret, source: 'new key file', file };
}

function readKeyFile(file: string): string {
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 32) throw new Error(`${file} holds no usable key (under 32 characters): delete it`);
  return secret;
}

function randomKey(): string {
  return randomBytes(32).toString('base64url');
}
