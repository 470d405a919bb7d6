/**
 * Vault inputs. The clear value travels in a field named `secret`, a name the audit trail and the
 * log redaction both recognise (server/schemas/sensitive.ts), so it is never recorded.
 */
import { z } from 'zod';
import { SECRET_KINDS } from '../engine/security';

export const MAX_SECRET_LENGTH = 16 * 1024;

const secretValue = z
  .string({ error: 'Enter the secret' })
  .min(1, 'Enter the secret')
  .max(MAX_SECRET_LENGTH, `The secret is longer than ${MAX_SECRET_LENGTH} characters`);

/**
 * A vault account's value typed again in a connection's form, for an endpoint the stored secret is
 * not used with (server/engine/secret-binding.ts); empty or left out: not typed. Every field that
 * carries one is named like a secret (`…Secret`), so the audit trail and the logs never record it.
 */
export const reenteredSecret = z
  .string({ error: 'Type the secret again, or leave the field out' })
  .max(MAX_SECRET_LENGTH, `The secret is longer than ${MAX_SECRET_LENGTH} characters`)
  .nullish()
  .transform((value) => (value ? value : null));

const secretId = z.string({ error: 'Choose a secret' }).trim().min(1, 'Choose a secret');

export const createSecretInput = z.object({
  name: z
    .string({ error: 'Name the secret' })
    .trim()
    .min(1, 'Name the secret')
    .max(120, 'The name is longer than 120 characters'),
  kind: z.enum(SECRET_KINDS, { error: `The kind is one of: ${SECRET_KINDS.join(', ')}` }),
  username: z
    .string()
    .trim()
    .max(200, 'The user name is longer than 200 characters')
    .transform((value) => value || null)
    .nullish()
    .transform((value) => value ?? null),
  secret: secretValue,
});
export type CreateSecretInput = z.input<typeof createSecretInput>;
export type CreateSecret = z.output<typeof createSecretInput>;

export const replaceSecretInput = z.object({ id: secretId, secret: secretValue });
export type ReplaceSecret = z.output<typeof replaceSecretInput>;

export const secretIdInput = z.object({ id: secretId });
