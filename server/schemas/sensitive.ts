/**
 * Which fields hold secrets, by name: what the audit trail strips from a procedure's input and what
 * the process logger redacts. A field that carries a secret must have one of these names (the
 * vault's input calls its value `secret`); server/trpc/sensitive-inputs.test.ts checks every
 * procedure's input schema against this list.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** Matched against a field's name, case-insensitively. */
const SENSITIVE_NAME =
  /pass(word|phrase|wd)?$|secret(?!_?ids?$)|token|private_?key|api_?key|^key$|[a-z]key$|credential|authorization|cookie/i;

export function isSensitiveFieldName(name: string): boolean {
  return SENSITIVE_NAME.test(name);
}

/** The names the process logger redacts (pino paths are literal names, so they are listed). */
export const SENSITIVE_LOG_FIELDS = [
  'password',
  'passphrase',
  'newPassword',
  'currentPassword',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'setupToken',
  'apiKey',
  'privateKey',
  'secretKey',
  // A vault account's value typed again in a connection's form (schemas/secrets.ts reenteredSecret).
  'hostAccountSecret',
  'guestAccountSecret',
  'accountSecret',
  'guestSecret',
  'hostSshSecret',
  'key',
  'credential',
  'credentials',
  'authorization',
  'cookie',
] as const;

export const REDACTED = '[redacted]';

/** Texts longer than this are recorded by length and hash, not in full (an inventory file, a key). */
export const MAX_RECORDED_TEXT = 1000;
const MAX_RECORDED_ITEMS = 100;
const MAX_RECORDED_DEPTH = 8;

/**
 * A procedure's input as the audit trail records it: plain JSON, every field named like a secret
 * replaced by "[redacted]" (whatever its value), long texts summarised as
 * "[text: N characters, sha256 …]" so an imported file is identified without being copied, long
 * lists cut after 100 items with a note of how many were left out.
 */
export function redactForAudit(value: unknown, depth = 0): unknown {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') {
    return value.length > MAX_RECORDED_TEXT
      ? `[text: ${value.length} characters, sha256 ${bytesToHex(sha256(utf8ToBytes(value)))}]`
      : value;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (depth >= MAX_RECORDED_DEPTH) return '[nested too deep]';
  if (Array.isArray(value)) {
    const kept = value.slice(0, MAX_RECORDED_ITEMS).map((item) => redactForAudit(item, depth + 1));
    return value.length > MAX_RECORDED_ITEMS
      ? [...kept, `[${value.length - MAX_RECORDED_ITEMS} more]`]
      : kept;
  }
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, field]) => field !== undefined)
        .map(([key, field]) => [
          key,
          isSensitiveFieldName(key) ? REDACTED : redactForAudit(field, depth + 1),
        ]),
    );
  }
  return String(value);
}
