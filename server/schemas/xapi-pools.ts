/** Inputs of the XAPI pool connections (server/services/xapi-pool-service.ts). */
import { z } from 'zod';
import { comparedFingerprint } from './compared-fingerprint';
import { disconnectConfirmation } from './confirmation';
import { hasPortInRange, PORT_OUT_OF_RANGE } from './network-address';
import { reenteredSecret } from './secrets';

export const addXapiPoolInput = z.object({
  name: z
    .string({ error: 'Name the pool' })
    .trim()
    .min(1, 'Name the pool')
    .max(120, 'The name is longer than 120 characters'),
  address: z
    .string({ error: 'Enter the address of a host of the pool' })
    .trim()
    .regex(
      /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/,
      'Enter a host name or IP address, optionally with :port (e.g. 192.0.2.10 or xcp1.example.com:443)',
    )
    .refine(hasPortInRange, PORT_OUT_OF_RANGE),
  secretId: z
    .string({ error: 'Choose the vault secret with the pool account' })
    .trim()
    .min(1, 'Choose the vault secret with the pool account'),
  /** The Linux guests' SSH account for the guest hook (scripts, fsfreeze); null = no guest hook. */
  guestSecretId: z
    .string()
    .trim()
    .min(1, 'Choose the vault secret with the guest account')
    .nullable()
    .default(null),
  /** dom0's SSH account for the host flush (`sync`) before an array snapshot; null = no flush. */
  hostSshSecretId: z
    .string()
    .trim()
    .min(1, 'Choose the vault secret with the host SSH account')
    .nullable()
    .default(null),
  /** Each account's value typed again, for an address its vault secret is not used with. */
  secret: reenteredSecret,
  guestSecret: reenteredSecret,
  hostSshSecret: reenteredSecret,
});
export type AddXapiPool = z.output<typeof addXapiPoolInput>;

export const xapiPoolIdInput = z.object({ id: z.string().trim().min(1, 'Choose a pool') });

/** Disconnecting a pool: the pool and its name typed. */
export const removeXapiPoolInput = xapiPoolIdInput.extend({ confirmation: disconnectConfirmation });

/**
 * An admin accepts the certificate a host presented instead of its pin: the host's endpoint and the
 * fingerprint the admin was shown, so a certificate that changed again since is not accepted unseen.
 */
export const acceptXapiCertificateInput = z.object({
  id: z.string().trim().min(1, 'Choose a pool'),
  endpoint: z.string().trim().min(1, 'Choose the host whose certificate changed'),
  fingerprint: comparedFingerprint,
});
export type AcceptXapiCertificate = z.output<typeof acceptXapiCertificateInput>;

/** A pool's SSH account of one kind: a vault secret's id, or null for none (no hook, no flush). */
const sshAccountChoice = (what: string) =>
  z
    .string({ error: `Choose the ${what}, or none` })
    .trim()
    .min(1, `Choose the ${what}, or none`)
    .nullable();

/** How long a frozen guest may wait for its thaw before it thaws itself; 15 when not set. */
export const DEFAULT_FREEZE_WINDOW_MINUTES = 15;
export const MAX_FREEZE_WINDOW_MINUTES = 60;

/**
 * Both SSH accounts at once, as the pool's "SSH accounts" form shows them, and the freeze window
 * in minutes (null: the default; left out: kept as it is).
 */
export const setXapiPoolSshAccountsInput = z.object({
  id: z.string().trim().min(1, 'Choose a pool'),
  guestSecretId: sshAccountChoice('guest SSH account'),
  hostSshSecretId: sshAccountChoice('host SSH account'),
  /** An account's value typed again, when its vault secret is not used with the pool's address. */
  guestSecret: reenteredSecret,
  hostSshSecret: reenteredSecret,
  freezeWindowMinutes: z
    .number({ error: 'Enter the freeze window in whole minutes' })
    .int('Enter the freeze window in whole minutes')
    .min(1, 'The freeze window is at least 1 minute')
    .max(
      MAX_FREEZE_WINDOW_MINUTES,
      `The freeze window is at most ${MAX_FREEZE_WINDOW_MINUTES} minutes: a guest frozen longer stalls its applications`,
    )
    .nullable()
    .optional(),
});
export type SetXapiPoolSshAccounts = z.output<typeof setXapiPoolSshAccountsInput>;

export const XAPI_SSH_ACCOUNT_KINDS = ['guest', 'host'] as const;
export const testXapiPoolSshAccountInput = z.object({
  id: z.string().trim().min(1, 'Choose a pool'),
  account: z.enum(XAPI_SSH_ACCOUNT_KINDS, { error: 'Test the guest or the host account' }),
  /** The VM (guest account) or host (host account) to sign in to, by name; empty: the first running Linux guest, the master. */
  target: z
    .string()
    .trim()
    .max(200, 'A VM or host name is at most 200 characters')
    // nullish: the router parses it, and the service parses the parsed input again.
    .nullish()
    .transform((value) => (value ? value : null)),
});
export type TestXapiPoolSshAccount = z.output<typeof testXapiPoolSshAccountInput>;

/** The most names the test's picker asks for at once; more matches mean "type more of the name". */
export const MAX_XAPI_POOL_TEST_TARGETS = 50;

/** The names the SSH account test can be pointed at: the pool's VMs (guest) or hosts (host). */
export const xapiPoolTestTargetsInput = z.object({
  id: z.string().trim().min(1, 'Choose a pool'),
  account: z.enum(XAPI_SSH_ACCOUNT_KINDS, { error: 'List the VMs (guest) or the hosts (host)' }),
  search: z.string().trim().max(200, 'A VM or host name is at most 200 characters').optional(),
  limit: z
    .number()
    .int()
    .min(1, 'Ask for at least one name')
    .max(MAX_XAPI_POOL_TEST_TARGETS, `Ask for at most ${MAX_XAPI_POOL_TEST_TARGETS} names`)
    .default(20),
});
