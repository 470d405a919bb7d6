/**
 * The vault: connectors' credentials (host SSH keys and passwords, XAPI users, array users), sealed
 * with AES-256-GCM under the vault key (vault-crypto.ts, vault-key.ts).
 *
 * Only `revealSecret` returns a clear value, and only drivers call it; every other function
 * returns metadata (name, kind, user, who and when). No function logs a value — log lines name
 * the secret, and the process logger redacts secret-named fields anyway (server/logger.ts).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { SecretMetadata, SecretRecord, Stores } from '../../db/stores/ports';
import type { SecretWrite } from '../../db/stores/ports/secret-store';
import { actorLabel, type ServiceContext } from '../context';
import type { CreateSecret, ReplaceSecret } from '../schemas/secrets';
import { DomainError, deletedMeanwhile, goneSinceLoaded, notFound } from './errors';
import { type ConnectionStores, listSecretUses } from './secret-uses';
import { assertNameFree } from './unique-names';
import { generateVaultKey, openValue, sealValue, type VaultKey } from './vault-crypto';
import type { RotationNotice, VaultKeySource } from './vault-key';

export type { SecretMetadata } from '../../db/stores/ports';

/**
 * A secret as an operator sees it: metadata, whether the configured key can open it, and the
 * endpoints it is used with (a stored secret is sent nowhere else: secret-binding.ts).
 */
export interface SecretSummary extends SecretMetadata {
  sealedUnderCurrentKey: boolean;
  usedWith: string[];
}

export async function listSecrets(
  stores: Pick<Stores, 'secrets'> & ConnectionStores,
  keys: VaultKeySource,
): Promise<SecretSummary[]> {
  const secrets = await stores.secrets.list();
  const currentKeyId = secrets.length > 0 ? keys.read()?.id : undefined;
  const usedWith = await usedWithBySecret(stores);
  return secrets.map((secret) => ({
    ...secret,
    sealedUnderCurrentKey: secret.keyId === currentKeyId,
    usedWith: usedWith.get(secret.id) ?? [],
  }));
}

/**
 * The endpoints each secret is used with (secret-binding.ts): those it was saved with, kept after a
 * disconnect, and those of the saved connections that sign in with it; sorted, each once. Only
 * `secretIds`' when given.
 */
export async function usedWithBySecret(
  stores: Pick<Stores, 'secrets'> & ConnectionStores,
  secretIds?: readonly string[],
): Promise<Map<string, string[]>> {
  const wanted = secretIds ? new Set(secretIds) : null;
  const found = new Map<string, Set<string>>();
  const add = (secretId: string, endpoint: string) => {
    if (wanted && !wanted.has(secretId)) return;
    found.set(secretId, (found.get(secretId) ?? new Set()).add(endpoint));
  };
  for (const bound of await stores.secrets.listEndpoints(secretIds)) add(bound.secretId, bound.endpoint);
  for (const use of await listSecretUses(stores)) add(use.secretId, use.endpoint);
  return new Map([...found].map(([secretId, endpoints]) => [secretId, [...endpoints].sort()]));
}

export async function createSecret(
  stores: Pick<Stores, 'secrets'>,
  ctx: ServiceContext,
  keys: VaultKeySource,
  input: CreateSecret,
): Promise<SecretMetadata> {
  assertNameFree(await stores.secrets.list(), input.name, 'A secret');
  const id = ctx.newId();
  const createdAt = ctx.now();
  const createdBy = actorLabel(ctx.actor);
  const written = await writeUnderLiveKey(keys, input.name, (key) =>
    stores.secrets.insert({
      id,
      name: input.name,
      kind: input.kind,
      username: input.username,
      sealed: sealValue(key, id, input.secret),
      createdAt,
      createdBy,
    }),
  );
  // The store refuses a name taken meanwhile (CONFLICT); a new id is never 'not-found'.
  if (written.kind !== 'stored') throw new Error(`The new secret ${id} was not written (${written.kind})`);
  ctx.log.info({ secretId: id, secretName: input.name, kind: input.kind }, 'secret stored');
  return written.secret;
}

/** Credential rotation: a new value for an existing secret (same name, same id). */
export async function replaceSecretValue(
  stores: Pick<Stores, 'secrets'>,
  ctx: ServiceContext,
  keys: VaultKeySource,
  input: ReplaceSecret,
): Promise<SecretMetadata> {
  const existing = await stores.secrets.get(input.id);
  if (!existing) throw goneSinceLoaded('secret', 'id', 'an admin deleted it');
  const at = ctx.now();
  const by = actorLabel(ctx.actor);
  const written = await writeUnderLiveKey(keys, existing.name, (key) =>
    stores.secrets.replaceValue(input.id, sealValue(key, input.id, input.secret), at, by),
  );
  if (written.kind !== 'stored') throw deletedMeanwhile('Secret', existing.name);
  ctx.log.info({ secretId: written.secret.id, secretName: written.secret.name }, 'secret value replaced');
  return written.secret;
}

/** Key rotations one write follows before it gives up (each retires the key the last one made). */
const MAX_ROTATIONS_FOLLOWED = 3;

/**
 * Seals and writes a value under this process's key. When a rotation retired that key — one that
 * committed after this process read its key, here or in another process, or one this process's
 * MIGAWKA_SECRET_KEY predates — the store refuses the write, and the value is sealed again under
 * the key that replaced it, if this process can read that key (VaultKeySource.find). Otherwise
 * nothing is stored: a value under a retired key could not be opened once the old key is gone.
 */
async function writeUnderLiveKey(
  keys: VaultKeySource,
  secretName: string,
  write: (key: VaultKey) => Promise<SecretWrite>,
): Promise<Exclude<SecretWrite, { kind: 'retired-key' }>> {
  let key = keys.readOrCreate();
  for (let followed = 0; ; followed++) {
    const written = await write(key);
    if (written.kind !== 'retired-key') return written;
    const { replacedBy, retiredAt } = written.retired;
    const next = followed < MAX_ROTATIONS_FOLLOWED ? keys.find(replacedBy) : null;
    if (!next) {
      throw new DomainError(
        'PRECONDITION_FAILED',
        `Secret "${secretName}" was not stored: this process's vault key ${key.id} (from ${keys.location}) was replaced by key ${replacedBy} in a key rotation at ${retiredAt.toISOString()}, and this process cannot read the new key. Put the new key where this process reads its key (the rotation said where it was written), restart the process, and store the secret again.`,
      );
    }
    key = next;
  }
}

/**
 * Deletes a secret no connection signs in with. One a connection still names is refused, naming
 * each: every sync and step of that connection would fail on a missing account, and no procedure
 * gives a connection another account short of removing it (and the host keys it pinned).
 */
export async function deleteSecret(
  stores: Pick<Stores, 'secrets' | 'xapiPools' | 'hypervConnections' | 'arrayConnections'>,
  ctx: ServiceContext,
  id: string,
): Promise<{ id: string; name: string }> {
  const existing = await stores.secrets.get(id);
  if (!existing) throw goneSinceLoaded('secret', 'id', 'an admin deleted it');
  const users = (await listSecretUses(stores)).filter((use) => use.secretId === id).map((use) => use.role);
  if (users.length > 0) {
    throw new DomainError(
      'CONFLICT',
      `Secret "${existing.name}" is still used by ${users.join(', ')}: give ${users.length === 1 ? 'it' : 'them'} up first (remove the connection, or change the account where the console offers it)`,
    );
  }
  if (!(await stores.secrets.delete(id))) throw deletedMeanwhile('Secret', existing.name);
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
  const value = openValue(openingKey(keys, record), record);
  await stores.secrets.markUsed(record.id, ctx.now());
  return { metadata: metadataOf(record), value };
}

/**
 * Whether `typed` is the value the vault holds for the secret: someone who types it again for a
 * new endpoint knows it, so binding the secret there reveals nothing (secret-binding.ts). Compared
 * as digests in constant time; the value never leaves this function and the secret is not marked
 * used (nothing was sent).
 */
export async function isStoredValue(
  stores: Pick<Stores, 'secrets'>,
  keys: VaultKeySource,
  id: string,
  typed: string,
): Promise<boolean> {
  const record = await stores.secrets.get(id);
  if (!record) throw goneSinceLoaded('secret', 'id', 'an admin deleted it');
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(openValue(openingKey(keys, record), record)), digest(typed));
}

/**
 * The key that sealed the secret, when this process can read it (a rotation's staged key
 * included), else the current one, which then refuses it with the wrong-key error naming both.
 */
function openingKey(keys: VaultKeySource, record: SecretRecord): VaultKey {
  const key = keys.find(record.sealed.keyId) ?? keys.read();
  if (!key) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      `Secret "${record.name}" cannot be opened: there is no vault key at ${keys.location} (restore the key file from its backup).`,
    );
  }
  return key;
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
    resealed = await stores.secrets.resealAll(
      (secret) => {
        if (!current) {
          throw new DomainError(
            'PRECONDITION_FAILED',
            `Secret "${secret.name}" cannot be re-sealed: there is no vault key at ${keys.location}.`,
          );
        }
        return sealValue(next, secret.id, openValue(current, secret));
      },
      { previousKeyId: current?.id ?? null, nextKeyId: next.id, at: ctx.now() },
    );
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
