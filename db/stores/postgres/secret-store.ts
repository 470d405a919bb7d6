/**
 * The SecretStore on PostgreSQL: the key rotation takes the vault's advisory lock exclusive, then
 * re-seals every row in one transaction; every write of a value takes that lock shared and checks
 * the retired keys in its own transaction. Row locks alone would not do: `FOR UPDATE` holds off
 * changes to the rows it read, not a secret inserted meanwhile, which would keep the old key.
 */
import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { PgDb } from '../../pg/client';
import { secretEndpoints, secrets, vaultRetiredKeys } from '../../pg/schema';
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
import {
  ADVISORY,
  advisoryXactLock,
  advisoryXactLockShared,
  inPgTransaction,
  type PgTx,
} from './transaction';

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

/**
 * Runs a write of a value sealed under `keyId` after any rotation in progress (the vault lock,
 * shared), unless a rotation retired that key: then nothing is written.
 */
function writeSealedUnder(
  db: PgDb,
  keyId: string,
  write: (tx: PgTx) => Promise<SecretMetadata | undefined>,
): Promise<SecretWrite> {
  return inPgTransaction(db, async (tx) => {
    await advisoryXactLockShared(tx, ADVISORY.vault);
    const [retired]: RetiredKey[] = await tx
      .select()
      .from(vaultRetiredKeys)
      .where(eq(vaultRetiredKeys.keyId, keyId));
    if (retired) return { kind: 'retired-key', retired };
    const secret = await write(tx);
    return secret ? { kind: 'stored', secret } : { kind: 'not-found' };
  });
}

export class PgSecretStore implements SecretStore {
  constructor(private readonly db: PgDb) {}

  async insert(secret: NewSecret): Promise<SecretWrite> {
    const { sealed } = secret;
    return writingName(this.db, 'secrets', secrets, secret.name, () =>
      writeSealedUnder(this.db, sealed.keyId, async (tx) => {
        const [row] = await tx.insert(secrets).values(newSecretRow(secret)).returning(metadataColumns);
        return row;
      }),
    );
  }

  async get(id: string): Promise<SecretRecord | null> {
    const [row] = await this.db.select().from(secrets).where(eq(secrets.id, id));
    return row ? recordOf(row) : null;
  }

  async findByName(name: string): Promise<SecretRecord | null> {
    const [row] = await this.db.select().from(secrets).where(eq(secrets.name, name));
    return row ? recordOf(row) : null;
  }

  async list(): Promise<SecretMetadata[]> {
    return this.db.select(metadataColumns).from(secrets).orderBy(asc(secrets.name));
  }

  async replaceValue(id: string, sealed: SealedValue, at: Date, by: string): Promise<SecretWrite> {
    return writeSealedUnder(this.db, sealed.keyId, async (tx) => {
      const [row] = await tx
        .update(secrets)
        .set({ ...sealed, updatedAt: at, updatedBy: by })
        .where(eq(secrets.id, id))
        .returning(metadataColumns);
      return row;
    });
  }

  async markUsed(id: string, at: Date): Promise<void> {
    await this.db.update(secrets).set({ lastUsedAt: at }).where(eq(secrets.id, id));
  }

  async bindEndpoint(binding: SecretEndpoint): Promise<void> {
    // Selected from the secret's row: a secret deleted meanwhile binds nothing.
    await this.db
      .insert(secretEndpoints)
      .select(
        this.db
          .select({
            secretId: secrets.id,
            endpoint: sql<string>`${binding.endpoint}::text`.as('endpoint'),
            boundAt: sql<Date>`${binding.boundAt.toISOString()}::timestamptz`.as('bound_at'),
            boundBy: sql<string>`${binding.boundBy}::text`.as('bound_by'),
          })
          .from(secrets)
          .where(eq(secrets.id, binding.secretId)),
      )
      .onConflictDoNothing();
  }

  async listEndpoints(secretIds?: readonly string[]): Promise<SecretEndpoint[]> {
    if (secretIds?.length === 0) return [];
    return this.db
      .select()
      .from(secretEndpoints)
      .where(secretIds ? inArray(secretEndpoints.secretId, [...secretIds]) : undefined)
      .orderBy(asc(secretEndpoints.secretId), asc(secretEndpoints.endpoint));
  }

  async delete(id: string): Promise<boolean> {
    const rows = await this.db.delete(secrets).where(eq(secrets.id, id)).returning({ id: secrets.id });
    return rows.length > 0;
  }

  async resealAll(reseal: (secret: SecretRecord) => SealedValue, change: KeyChange): Promise<number> {
    return inPgTransaction(this.db, async (tx) => {
      await advisoryXactLock(tx, ADVISORY.vault);
      if (change.previousKeyId !== null && change.previousKeyId !== change.nextKeyId) {
        await tx
          .insert(vaultRetiredKeys)
          .values({ keyId: change.previousKeyId, replacedBy: change.nextKeyId, retiredAt: change.at })
          .onConflictDoNothing();
      }
      const rows = await tx.select().from(secrets).orderBy(asc(secrets.id)).for('update');
      for (const row of rows) {
        const sealed = reseal(recordOf(row));
        await tx.update(secrets).set(sealed).where(eq(secrets.id, row.id));
      }
      return rows.length;
    });
  }
}
