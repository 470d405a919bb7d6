/**
 * The vault: connectors' credentials (host SSH keys and passwords, XAPI users, array users), sealed
 * with AES-256-GCM under the vault key (vault-crypto.ts, vault-key.ts).
 *
 * Only `revealSecret` returns a clear value, and only drivers call it; every other function
 * returns metadata (name, kind, user, who and when). No function logs a value — log lines name
 * the secret, and the process logger redacts secret-named fields anyway (server/logger.ts).
 */
import type { SecretMetadata, SecretRecord, Stores } from '../../db/stores/ports';
import { actorLabel, type ServiceContext } from '../context';
import type { CreateSecret, ReplaceSecret } from '../schemas/secrets';
import { DomainError, notFound } from './errors';
import { generateVaultKey, openValue, sealValue } from './vault-crypto';
import type { RotationNotice, VaultKeySource } from './vault-key';

export type { SecretMetadata } from '../../db/stores/ports';

/** A secret as an operator sees it: metadata, and whether the configured key can open it. */
export interface SecretSummary extends SecretMetadata {
  sealedUnderCurrentKey: boolean;
}

export async function listSecrets(
  stores: Pick<Stores, 'secrets'>,
  keys: VaultKeySource,
): Promise<SecretSummary[]> {
  const secrets = await stores.secrets.list();
  const currentKeyId = secrets.length > 0 ? keys.read()?.id : undefined;
  return secrets.map((secret) => ({ ...secret, sealedUnderCurrentKey: secret.keyId === currentKeyId }));
}

export async function createSecret(
  stores: Pick<Stores, 'secrets'>,
  ctx: ServiceContext,
  keys: VaultKeySource,
  input: CreateSecret,
): Promise<SecretMetadata> {
  const id = ctx.newId();
  const stored = await stores.secrets.insert({
    id,
    name: input.name,
    kind: input.kind,
    username: input.username,
    sealed: sealValue(keys.readOrCreate(), id, input.secret),
    createdAt: ctx.now(),
    createdBy: actorLabel(ctx.actor),
  });
  if (!stored) {
    throw new DomainError('CONFLICT', `A secret named "${input.name}" already exists`, [
      { path: 'name', message: 'Another secret has this name' },
    ]);
  }
  ctx.log.info({ secretId: id, secretName: input.name, kind: input.kind }, 'secret stored');
  return stored;
}

/** Credential rotation: a new value for an existing secret (same name, same id). */
export async function replaceSecretValue(
  stores: Pick<Stores, 'secrets'>,
  ctx: ServiceContext,
  keys: VaultKeySource,
  input: ReplaceSecret,
): Promise<SecretMetadata> {
  const sealed = sealValue(keys.readOrCreate(), input.id, input.secret);
  const updated = await stores.secrets.replaceValue(input.id, sealed, ctx.now(), actorLabel(ctx.actor));
  if (!updated) throw notFound('Secret', input.id);
  ctx.log.info({ secretId: updated.id, secretName: updated.name }, 'secret value replaced');
  return updated;
}

export async function deleteSecret(
  stores: Pick<Stores, 'secrets'>,
  ctx: ServiceContext,
  id: string,
): Promise<{ id: string; name: string }> {
  const existing = await stores.secrets.get(id);
  if (!existing || !(await stores.secrets.delete(id))) throw notFound('Secret', id);
  ctx.log.info({ secretId: id, secretName: existing.name }, 'secret deleted');
  return { id, name: existing.name };
}

/**
 * The clear value, for a driver about to connect: by id or by name. Records when it was used.
 * Never call this from a tRPC procedure — no procedure returns a secret value.
 */
export async function revealSecret(
  stores: Pick<Stores, 'secrets'>,
  ctx: ServiceContext,
  keys: VaultKeySource,
  idOrName: string,
): Promise<{ metadata: SecretMetadata; value: string }> {
  const record = (await stores.secrets.get(idOrName)) ?? (await stores.secrets.findByName(idOrName));
  if (!record) throw notFound('Secret', idOrName);
  const key = keys.read();
  if (!key) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      `Secret "${record.name}" cannot be opened: there is no vault key at ${keys.location} (restore the key file from its backup).`,
    );
  }
  const value = openValue(key, record);
  await stores.secrets.markUsed(record.id, ctx.now());
  return { metadata: metadataOf(record), value };
}

/** What `rotateVaultKey` did. */
export interface KeyRotation extends RotationNotice {
  resealed: number;
  previousKeyId: string | null;
  keyId: string;
}

/**
 * Key rotation: every secret is opened with the current key and sealed under a new random key in
 * ONE transaction. A secret the current key cannot open (wrong key, tampered) stops the rotation
 * before anything changed; the new key is written to disk before the re-seal and becomes the
 * current one only after it committed.
 */
export async function rotateVaultKey(
  stores: Pick<Stores, 'secrets'>,
  ctx: ServiceContext,
  keys: VaultKeySource,
): Promise<KeyRotation> {
  const current = keys.read();
  const next = generateVaultKey();
  keys.stage(next);
  let resealed: number;
  try {
    resealed = await stores.secrets.resealAll((secret) => {
      if (!current) {
        throw new DomainError(
          'PRECONDITION_FAILED',
          `Secret "${secret.name}" cannot be re-sealed: there is no vault key at ${keys.location}.`,
        );
      }
      return sealValue(next, secret.id, openValue(current, secret));
    });
  } catch (error) {
    keys.abandon();
    throw error;
  }
  const notice = keys.commit();
  ctx.log.info({ resealed, previousKeyId: current?.id ?? null, keyId: next.id }, 'vault key rotated');
  return { ...notice, resealed, previousKeyId: current?.id ?? null, keyId: next.id };
}

function metadataOf(record: SecretRecord): SecretMetadata {
  const { sealed: _sealed, ...metadata } = record;
  return metadata;
}
