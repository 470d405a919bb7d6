/**
 * Unions of the security records (vault secrets, audit entries), shared by the database schema,
 * the input schemas and the browser. Pure data: no I/O.
 */

/**
 * What a vault secret is. The value is always the secret part only; who it belongs to (the
 * account name of a password, the user of a key) is kept beside it as plain `username`.
 */
export const SECRET_KINDS = ['password', 'ssh-private-key', 'api-token'] as const;
export type SecretKind = (typeof SECRET_KINDS)[number];

/**
 * The kinds of secret a protocol signs in with: XAPI's login_with_password, ONTAP's basic
 * authentication, EqualLogic's CLI (its SSH client signs in with a password) and PowerShell
 * Direct's credential take a password; the Hyper-V host's and XenServer's SSH logins a password or a key.
 */
export const PASSWORD_LOGIN: readonly SecretKind[] = ['password'];
export const SSH_LOGIN: readonly SecretKind[] = ['password', 'ssh-private-key'];

export const SECRET_KIND_LABELS: Record<SecretKind, string> = {
  password: 'Password',
  'ssh-private-key': 'SSH private key',
  'api-token': 'API token',
};

/** How an audited action ended: done, refused before anything changed (input, rules, rights), or failed. */
export const AUDIT_OUTCOMES = ['succeeded', 'refused', 'failed'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];
