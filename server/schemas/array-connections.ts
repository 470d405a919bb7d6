/** Inputs of the storage-array connections (server/services/array-admin-service.ts). */
import { z } from 'zod';
import { comparedFingerprint } from './compared-fingerprint';
import { disconnectConfirmation } from './confirmation';
import { hasPortInRange, PORT_OUT_OF_RANGE } from './network-address';
import { reenteredSecret } from './secrets';

export const addOntapConnectionInput = z.object({
  name: z
    .string({ error: 'Name the cluster' })
    .trim()
    .min(1, 'Name the cluster')
    .max(120, 'The name is longer than 120 characters'),
  address: z
    .string({ error: 'Enter the cluster management address' })
    .trim()
    .regex(
      /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/,
      'Enter a host name or IP address, with :port only when it is not 443 (e.g. 192.0.2.30 or cluster1.example.com)',
    )
    .refine(hasPortInRange, PORT_OUT_OF_RANGE),
  /** The vault secret with the ONTAP account (an id, audited as such). */
  accountId: z
    .string({ error: 'Choose the vault secret with the ONTAP account' })
    .trim()
    .min(1, 'Choose the vault secret with the ONTAP account'),
  /** The account's value typed again, for an address its vault secret is not used with. */
  accountSecret: reenteredSecret,
  /** The igroup staged FlexClones are mapped to; null = no staged restores from this cluster. */
  stagingIgroup: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.:-]{1,96}$/, 'An igroup name: letters, digits and _ . : - only')
    .nullable()
    .default(null),
});
export type AddOntapConnectionInput = z.input<typeof addOntapConnectionInput>;
export type AddOntapConnection = z.output<typeof addOntapConnectionInput>;

export const addEqualLogicConnectionInput = z.object({
  name: addOntapConnectionInput.shape.name,
  address: z
    .string({ error: 'Enter the group (or management) address' })
    .trim()
    .regex(
      /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/,
      'Enter a host name or IP address, with :port only when SSH is not on 22 (e.g. 192.0.2.40)',
    )
    .refine(hasPortInRange, PORT_OUT_OF_RANGE),
  /** The vault secret with the group administrator account. */
  accountId: z
    .string({ error: 'Choose the vault secret with the group account' })
    .trim()
    .min(1, 'Choose the vault secret with the group account'),
  accountSecret: reenteredSecret,
});
export type AddEqualLogicConnectionInput = z.input<typeof addEqualLogicConnectionInput>;
export type AddEqualLogicConnection = z.output<typeof addEqualLogicConnectionInput>;

export const arrayConnectionIdInput = z.object({
  id: z.string().trim().min(1, 'Choose an array connection'),
});

/** Disconnecting an array: its connection and the connection's name typed. */
export const removeArrayConnectionInput = arrayConnectionIdInput.extend({
  confirmation: disconnectConfirmation,
});

/**
 * An admin accepts the certificate (ONTAP) or SSH host key (EqualLogic) the array presented instead
 * of its pin: the fingerprint the admin was shown, so one that changed again since is not accepted unseen.
 */
export const acceptArrayCertificateInput = z.object({
  id: arrayConnectionIdInput.shape.id,
  fingerprint: comparedFingerprint,
});
export type AcceptArrayCertificateInput = z.input<typeof acceptArrayCertificateInput>;
