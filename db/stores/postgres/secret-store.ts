/**
 * The SecretStore on PostgreSQL: the key rotation locks every row (`FOR UPDATE`) and re-seals them
 * in one transaction, so a secret changed meanwhile waits for the rotation.
 */
import { asc, eq } from 'drizzle-orm';
import type { PgDb } from '../../pg/client';
import { secrets } from '../../pg/schema';
import type {
  NewSecret,
  SealedValue,
  SecretMetadata,
  SecretRecord,
  SecretStore,
} from '../ports/secret-store';
import { inPgTransaction } from './transaction';

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

export class PgSecretStore implements SecretStore {
  constructor(private readonly db: PgDb) {}

  async insert(secret: NewSecret): Promise<SecretMetadata | null> {
    const { sealed, ...metadata } = secret;
    const [row] = await this.db
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
      .returning(metadataColumns);
    return row ?? null;
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

  async replaceValue(id: string, sealed: SealedValue, at: Date, by: string): Promise<SecretMetadata | null> {
    const [row] = await this.db
      .update(secrets)
      .set({ ...sealed, updatedAt: at, updatedBy: by })
      .where(eq(secrets.id, id))
      .returning(metadataColumns);
    return row ?? null;
  }

  async markUsed(id: string, at: Date): Promise<void> {
    await this.db.update(secrets).set({ lastUsedAt: at }).where(eq(secrets.id, id));
  }

  async delete(id: string): Promise<boolean> {
    const rows = await this.db.delete(secrets).where(eq(secrets.id, id)).returning({ id: secrets.id });
    return rows.length > 0;
  }

  async resealAll(reseal: (secret: SecretRecord) => SealedValue): Promise<number> {
    return inPgTransaction(this.db, async (tx) => {
      const rows = await tx.select().from(secrets).orderBy(asc(secrets.id)).for('update');
      for (const row of rows) {
        const sealed = reseal(recordOf(row));
        await tx.update(secrets).set(sealed).where(eq(secrets.id, row.id));
      }
      return rows.length;
    });
  }
}
