/** The HypervConnectionStore on PostgreSQL (one statement per verb, as on SQLite). */
import { and, asc, eq, getTableColumns, isNull, ne, or, sql } from 'drizzle-orm';
import { nameKeyOf } from '../../../server/engine/name-keys';
import type { PgDb } from '../../pg/client';
import { hypervConnections } from '../../pg/schema';
import type {
  HypervConnectionRecord,
  HypervConnectionStore,
  NewHypervConnection,
  RefusedNodeKey,
} from '../ports/hyperv-connection-store';
import { writingName } from './name-keys';

/** Every column but the name key, which only the store reads (the record has no such field). */
const { nameKey: _nameKey, ...CONNECTION_COLUMNS } = getTableColumns(hypervConnections);

export class PgHypervConnectionStore implements HypervConnectionStore {
  constructor(private readonly db: PgDb) {}

  async insert(connection: NewHypervConnection): Promise<HypervConnectionRecord> {
    return writingName(this.db, 'hyperv_connections', hypervConnections, connection.name, async () => {
      const [row] = await this.db
        .insert(hypervConnections)
        .values({
          ...connection,
          nameKey: nameKeyOf(connection.name),
          hostId: null,
          hostKey: null,
          refusedHostKey: null,
          lastSyncAt: null,
          lastError: null,
          clusterName: null,
          nodeHostIds: [],
          nodeHostKeys: {},
          refusedNodeHostKeys: {},
        })
        .returning(CONNECTION_COLUMNS);
      return row as HypervConnectionRecord;
    });
  }

  async get(id: string): Promise<HypervConnectionRecord | null> {
    const [row] = await this.db
      .select(CONNECTION_COLUMNS)
      .from(hypervConnections)
      .where(eq(hypervConnections.id, id));
    return row ?? null;
  }

  async findByHostId(hostId: string): Promise<HypervConnectionRecord | null> {
    const [row] = await this.db
      .select(CONNECTION_COLUMNS)
      .from(hypervConnections)
      .where(eq(hypervConnections.hostId, hostId));
    // A cluster's other nodes: connections are few (an admin adds each), so they are scanned.
    return row ?? (await this.list()).find((candidate) => candidate.nodeHostIds.includes(hostId)) ?? null;
  }

  async recordCluster(id: string, clusterName: string | null, nodeHostIds: string[]): Promise<void> {
    await this.db
      .update(hypervConnections)
      .set({ clusterName, nodeHostIds: [...nodeHostIds].sort() })
      .where(eq(hypervConnections.id, id));
  }

  async pinNode(id: string, endpoint: string, fingerprint: string): Promise<void> {
    // One statement: two nodes pinned at once by parallel reads do not overwrite each other.
    await this.db
      .update(hypervConnections)
      .set({
        nodeHostKeys: sql`(${hypervConnections.nodeHostKeys}::jsonb || jsonb_build_object(${endpoint}::text, ${fingerprint}::text))::json`,
        refusedNodeHostKeys: sql`(${hypervConnections.refusedNodeHostKeys}::jsonb - ${endpoint}::text)::json`,
      })
      .where(eq(hypervConnections.id, id));
  }

  async pinNodeIfWaiting(id: string, endpoint: string, fingerprint: string): Promise<boolean> {
    // One statement: a refusal committed meanwhile is seen by its WHERE (re-checked on the new row).
    const pinned = await this.db
      .update(hypervConnections)
      .set({
        nodeHostKeys: sql`(${hypervConnections.nodeHostKeys}::jsonb || jsonb_build_object(${endpoint}::text, ${fingerprint}::text))::json`,
        refusedNodeHostKeys: sql`(${hypervConnections.refusedNodeHostKeys}::jsonb - ${endpoint}::text)::json`,
      })
      .where(
        and(
          eq(hypervConnections.id, id),
          sql`(${hypervConnections.refusedNodeHostKeys}::jsonb -> ${endpoint}::text ->> 'fingerprint') = ${fingerprint}::text`,
        ),
      )
      .returning({ id: hypervConnections.id });
    return pinned.length > 0;
  }

  async refuseNode(id: string, endpoint: string, refused: RefusedNodeKey): Promise<void> {
    await this.db
      .update(hypervConnections)
      .set({
        refusedNodeHostKeys: sql`(${hypervConnections.refusedNodeHostKeys}::jsonb || jsonb_build_object(${endpoint}::text, jsonb_build_object('node', ${refused.node}::text, 'fingerprint', ${refused.fingerprint}::text)))::json`,
      })
      // A sync still in flight when an admin accepted this key must not refuse it again.
      .where(
        and(
          eq(hypervConnections.id, id),
          sql`(${hypervConnections.nodeHostKeys}::jsonb ->> ${endpoint}::text) is distinct from ${refused.fingerprint}::text`,
        ),
      );
  }

  async list(): Promise<HypervConnectionRecord[]> {
    return this.db.select(CONNECTION_COLUMNS).from(hypervConnections).orderBy(asc(hypervConnections.name));
  }

  async setWsbBackupTarget(id: string, target: string | null): Promise<void> {
    await this.db
      .update(hypervConnections)
      .set({ wsbBackupTarget: target })
      .where(eq(hypervConnections.id, id));
  }

  async pin(id: string, fingerprint: string): Promise<void> {
    await this.db
      .update(hypervConnections)
      .set({ hostKey: fingerprint, refusedHostKey: null })
      .where(eq(hypervConnections.id, id));
  }

  async pinIfWaiting(id: string, fingerprint: string): Promise<boolean> {
    // One statement: a refusal committed meanwhile is seen by its WHERE (re-checked on the new row).
    const pinned = await this.db
      .update(hypervConnections)
      .set({ hostKey: fingerprint, refusedHostKey: null })
      .where(and(eq(hypervConnections.id, id), eq(hypervConnections.refusedHostKey, fingerprint)))
      .returning({ id: hypervConnections.id });
    return pinned.length > 0;
  }

  async refuse(id: string, fingerprint: string): Promise<void> {
    await this.db
      .update(hypervConnections)
      .set({ refusedHostKey: fingerprint })
      // A test or sync still in flight when an admin accepted this key must not refuse it again.
      .where(
        and(
          eq(hypervConnections.id, id),
          or(isNull(hypervConnections.hostKey), ne(hypervConnections.hostKey, fingerprint)),
        ),
      );
  }

  async recordSync(id: string, at: Date, error: string | null, hostId?: string): Promise<void> {
    await this.db
      .update(hypervConnections)
      .set(
        error === null
          ? { lastSyncAt: at, lastError: null, ...(hostId ? { hostId } : {}) }
          : { lastError: error },
      )
      .where(eq(hypervConnections.id, id));
  }

  async delete(id: string): Promise<boolean> {
    const deleted = await this.db
      .delete(hypervConnections)
      .where(eq(hypervConnections.id, id))
      .returning({ id: hypervConnections.id });
    return deleted.length > 0;
  }
}
