/** Inputs of the Hyper-V host connections (server/services/hyperv-connection-service.ts). */
import { z } from 'zod';
import { comparedFingerprint } from './compared-fingerprint';
import { disconnectConfirmation } from './confirmation';
import { reenteredSecret } from './secrets';

export const addHypervConnectionInput = z.object({
  name: z
    .string({ error: 'Name the host' })
    .trim()
    .min(1, 'Name the host')
    .max(120, 'The name is longer than 120 characters'),
  address: z
    .string({ error: 'Enter the address of the Hyper-V host' })
    .trim()
    .regex(
      /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)$/,
      'Enter a host name or IP address (e.g. 192.0.2.20 or hv01.example.com); the port has its own field',
    ),
  port: z
    .number({ error: 'Enter the SSH port (22 unless the host uses another)' })
    .int('The port is a whole number')
    .min(1, 'The port is between 1 and 65535')
    .max(65535, 'The port is between 1 and 65535')
    .default(22),
  /** The vault secret with the host account (named for what it is, not "secret…": it is an id, audited as such). */
  hostAccountId: z
    .string({ error: 'Choose the vault secret with the host account' })
    .trim()
    .min(1, 'Choose the vault secret with the host account'),
  /** The vault secret with the guest account for PowerShell Direct; null = guests are not read. */
  guestAccountId: z
    .string()
    .trim()
    .min(1, 'Choose the vault secret with the guest account')
    .nullable()
    .default(null),
  /** The host account's value typed again, for an address its vault secret is not used with. */
  hostAccountSecret: reenteredSecret,
  /** The guest account's value typed again, likewise (the host receives it for PowerShell Direct). */
  guestAccountSecret: reenteredSecret,
  /**
   * Windows Server Backup's target on hosts that have only WSB: a volume (`E:`) or a share
   * (`\\\\server\\share`); null = Migawka does not back up through WSB on this host.
   */
  wsbBackupTarget: z
    .string()
    .trim()
    .regex(
      /^([A-Za-z]:|\\\\[^\\/]+\\[^\\/]+.*)$/,
      'Enter a volume (E:) or a share (\\\\server\\share) for Windows Server Backup, or leave it empty',
    )
    // Windows PowerShell 5.1 hands a double quote inside an argument to wbadmin as it is, where it
    // would end the target and start arguments of its own; no share path needs one, or a control
    // character.
    .regex(
      /^[^"\p{Cc}]*$/u,
      'A Windows Server Backup target cannot hold a double quote or a control character',
    )
    .nullable()
    .default(null),
  /**
   * The host-key fingerprint the admin saw in a test before saving and accepted: pinned at once, so
   * the first connection after saving must present that key. Null = pinned on first use.
   */
  trustedFingerprint: z
    .string()
    .trim()
    .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'A host-key fingerprint is SHA256: and 43 base64 characters')
    .nullable()
    .default(null),
});
export type AddHypervConnectionInput = z.input<typeof addHypervConnectionInput>;
export type AddHypervConnection = z.output<typeof addHypervConnectionInput>;

export const hypervConnectionIdInput = z.object({
  id: z.string().trim().min(1, 'Choose a host connection'),
});

/** Disconnecting a host: its connection and the connection's name typed. */
export const removeHypervConnectionInput = hypervConnectionIdInput.extend({
  confirmation: disconnectConfirmation,
});

/**
 * An admin accepts the key the host presented instead of its pin: the fingerprint the admin was
 * shown, so a key that changed again since is not accepted unseen.
 */
export const acceptHypervHostKeyInput = z.object({
  id: hypervConnectionIdInput.shape.id,
  fingerprint: comparedFingerprint,
});
export type AcceptHypervHostKeyInput = z.input<typeof acceptHypervHostKeyInput>;

/** "Test connection" before saving: the connection's fields without its name, nothing stored. */
export const testHypervDraftInput = addHypervConnectionInput.omit({
  name: true,
  trustedFingerprint: true,
  wsbBackupTarget: true,
});
export type TestHypervDraftInput = z.input<typeof testHypervDraftInput>;

/** An admin changes (or clears, with null) Windows Server Backup's target of a saved connection. */
export const setHypervWsbTargetInput = z.object({
  id: hypervConnectionIdInput.shape.id,
  wsbBackupTarget: addHypervConnectionInput.shape.wsbBackupTarget,
});
export type SetHypervWsbTargetInput = z.input<typeof setHypervWsbTargetInput>;

/**
 * An admin accepts the key a cluster node presented instead of its pin: the node's endpoint and the
 * fingerprint the admin was shown, so a key that changed again since is not accepted unseen.
 */
export const acceptHypervNodeHostKeyInput = z.object({
  id: hypervConnectionIdInput.shape.id,
  endpoint: z.string().trim().min(1, 'Choose the node whose key to accept'),
  fingerprint: comparedFingerprint,
});
export type AcceptHypervNodeHostKeyInput = z.input<typeof acceptHypervNodeHostKeyInput>;
