/** The SecretStore on SQLite: the key rotation re-seals every row inside one BEGIN IMMEDIATE transaction. */
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../../client';
import { secrets } from '../../schema';
import type {
  NewSecret,
  SealedValue,
  SecretMetadata,
  SecretRecord,
  SecretStore,
} from '../ports/secret-store';
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
  const { ciphertext, iv, authTag, ...metadata } = row;
  return { ...metadata, sealed: { ciphertext, iv, authTag, keyId: row.keyId } };
}

export class SqliteSecretStore implements SecretStore {
  constructor(private readonly db: Db) {}

  async insert(secret: NewSecret): Promise<SecretMetadata | null> {
    const { sealed, ...metadata } = secret;
    return (
      this.db
        .insert(secrets)
        .values({
          ...metadata,
          ciphertext: sealed.ciphertext,
          iv: sealed.iv,
          authTag: sealed.authTag,
          keyId: sealed.keyId,
          updatedAt: secret.createdAt,
          updatedBy: secret.createdBy,
        })
        .onConflictDoNothing({ target: secrets.name })
        .returning(metadataColumns)
        .get() ?? null
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

  async replaceValue(id: string, sealed: SealedValue, at: Date, by: string): Promise<SecretMetadata | null> {
    return (
      this.db
        .update(secrets)
        .set({ ...sealed, updatedAt: at, updatedBy: by })
        .where(eq(secrets.id, id))
        .returning(metadataColumns)
        .get() ?? null
    );
  }

  async markUsed(id: string, at: Date): Promise<void> {
    this.db.update(secrets).set({ lastUsedAt: at }).where(eq(secrets.id, id)).run();
  }

  async delete(id: string): Promise<boolean> {
    return (
      this.db.delete(secrets).where(eq(secrets.id, id)).returning({ id: secrets.id }).get() !== undefined
    );
  }

  async resealAll(reseal: (secret: SecretRecord) => SealedValue): Promise<number> {
    return inTransaction(this.db, (tx) => {
      const rows = tx.select().from(secrets).orderBy(asc(secrets.id)).all();
      for (const row of rows) {
        const sealed = reseal(recordOf(row));
        tx.update(secrets).set(sealed).where(eq(secrets.id, row.id)).run();
      }
      return rows.length;
    });
  }
}
