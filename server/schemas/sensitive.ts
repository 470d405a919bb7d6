/**
 * Which fields hold secrets, by name: what the audit trail strips from a procedure's input and what
 * the process logger redacts. A field that carries a secret must have one of these names (the
 * vault's input calls its value `secret`); server/trpc/sensitive-inputs.test.ts checks every
 * procedure's input schema against this list.
 */

/** Matched against a field's name, case-insensitively. */
const SENSITIVE_NAME =
  /pass(word|phrase|wd)?$|secret|token|private_?key|api_?key|^key$|[a-z]key$|credential|authorization|cookie/i;

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
  'key',
  'credential',
  'credentials',
  'authorization',
  'cookie',
] as const;

export const REDACTED = '[redacted]';
