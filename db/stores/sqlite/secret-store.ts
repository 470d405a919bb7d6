/**
 * The SecretStore on SQLite: the key rotation re-seals every row inside one BEGIN IMMEDIATE
 * transaction, and every write of a value checks the retired keys inside its own: one writer at a
 * time, so a write never lands between a rotation's read of the secrets and its commit.
 */
import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../client';
import { secretEndpoints, secrets, vaultRetiredKeys } from '../../schema';
import type {
  KeyChange,
  NewSecret,
  RetiredKey,
  SealedValue,
  SecretEndpoint,
  SecretMetadata,
  SecretRecord,
  SecretStore,
  SecretWrite,
} from '../ports/secret-store';
import { newSecretRow } from '../secret-rows';
import { writingName } from './name-keys';
import { inTransaction } from './transaction';

type SecretRow = typeof secrets.$inferSelect;

const metadataColumns = {
  id: secrets.id,
  name: secrets.name,
  kind: secrets.kind,
  username: secrets.username,
  keyId: secrets.keyId,
  createdAt: secrets.createdAt,
  createdBy: secrets.createdBy,
  updatedAt: secrets.updatedAt,
  updatedBy: secrets.updatedBy,
  lastUsedAt: secrets.lastUsedAt,
};

function recordOf(row: SecretRow): SecretRecord {
  const { ciphertext, iv, authTag, nameKey: _nameKey, ...metadata } = row;
  return { ...metadata, sealed: { ciphertext, iv, authTag, keyId: row.keyId } };
}

function retiredKeyIn(tx: Tx, keyId: string): RetiredKey | undefined {
  return tx.select().from(vaultRetiredKeys).where(eq(vaultRetiredKeys.keyId, keyId)).get();
}

/** Stored, or refused as not found when nothing was written. */
function writeOutcome(secret: SecretMetadata | undefined): SecretWrite {
  return secret ? { kind: 'stored', secret } : { kind: 'not-found' };
}

export class SqliteSecretStore implements SecretStore {
  constructor(private readonly db: Db) {}

  async insert(secret: NewSecret): Promise<SecretWrite> {
    const { sealed } = secret;
    return writingName(this.db, 'secrets', secrets, secret.name, () =>
      inTransaction(this.db, (tx): SecretWrite => {
        const retired = retiredKeyIn(tx, sealed.keyId);
        if (retired) return { kind: 'retired-key', retired };
        const stored = tx.insert(secrets).values(newSecretRow(secret)).returning(metadataColumns).get();
        return { kind: 'stored', secret: stored };
      }),
    );
  }

  async get(id: string): Promise<SecretRecord | null> {
    const row = this.db.select().from(secrets).where(eq(secrets.id, id)).get();
    return row ? recordOf(row) : null;
  }

  async findByName(name: string): Promise<SecretRecord | null> {
    const row = this.db.select().from(secrets).where(eq(secrets.name, name)).get();
    return row ? recordOf(row) : null;
  }

  async list(): Promise<SecretMetadata[]> {
    return this.db.select(metadataColumns).from(secrets).orderBy(asc(secrets.name)).all();
  }

  async replaceValue(id: string, sealed: SealedValue, at: Date, by: string): Promise<SecretWrite> {
    return inTransaction(this.db, (tx) => {
      const retired = retiredKeyIn(tx, sealed.keyId);
      if (retired) return { kind: 'retired-key', retired };
      const stored = tx
        .update(secrets)
        .set({ ...sealed, updatedAt: at, updatedBy: by })
        .where(eq(secrets.id, id))
        .returning(metadataColumns)
        .get();
      return writeOutcome(stored);
    });
  }

  async markUsed(id: string, at: Date): Promise<void> {
    this.db.update(secrets).set({ lastUsedAt: at }).where(eq(secrets.id, id)).run();
  }

  async bindEndpoint(binding: SecretEndpoint): Promise<void> {
    // Selected from the secret's row: a secret deleted meanwhile binds nothing.
    this.db
      .insert(secretEndpoints)
      .select(
        this.db
          .select({
            secretId: secrets.id,
            endpoint: sql<string>`${binding.endpoint}`.as('endpoint'),
            boundAt: sql<number>`${binding.boundAt.getTime()}`.as('bound_at'),
            boundBy: sql<string>`${binding.boundBy}`.as('bound_by'),
          })
          .from(secrets)
          .where(eq(secrets.id, binding.secretId)),
      )
      .onConflictDoNothing()
      .run();
  }

  async listEndpoints(secretIds?: readonly string[]): Promise<SecretEndpoint[]> {
    if (secretIds?.length === 0) return [];
    return this.db
      .select()
      .from(secretEndpoints)
      .where(secretIds ? inArray(secretEndpoints.secretId, [...secretIds]) : undefined)
      .orderBy(asc(secretEndpoints.secretId), asc(secretEndpoints.endpoint))
      .all();
  }

  async delete(id: string): Promise<boolean> {
    return (
      this.db.delete(secrets).where(eq(secrets.id, id)).returning({ id: secrets.id }).get() !== undefined
    );
  }

  async resealAll(reseal: (secret: SecretRecord) => SealedValue, change: KeyChange): Promise<number> {
    return inTransaction(this.db, (tx) => {
      // First, so that nothing this transaction writes can be sealed under the key it retires.
      if (change.previousKeyId !== null && change.previousKeyId !== change.nextKeyId) {
        tx.insert(vaultRetiredKeys)
          .values({ keyId: change.previousKeyId, replacedBy: change.nextKeyId, retiredAt: change.at })
          .onConflictDoNothing()
          .run();
      }
      const rows = tx.select().from(secrets).orderBy(asc(secrets.id)).all();
      for (const row of rows) {
        const sealed = reseal(recordOf(row));
        tx.update(secrets).set(sealed).where(eq(secrets.id, row.id)).run();
      }
      return rows.length;
    });
  }
}
