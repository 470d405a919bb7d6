/** The HypervConnectionStore on SQLite. */
import { and, asc, eq, getTableColumns, isNull, ne, or } from 'drizzle-orm';
import { nameKeyOf } from '../../../server/engine/name-keys';
import type { Db } from '../../client';
import { hypervConnections } from '../../schema';
import type {
  HypervConnectionRecord,
  HypervConnectionStore,
  NewHypervConnection,
  RefusedNodeKey,
} from '../ports/hyperv-connection-store';
import { writingName } from './name-keys';
import { inTransaction } from './transaction';

/** The node's pin at `endpoint` set to `fingerprint`, its refusal gone. */
function nodeKeysWithPin(
  row: HypervConnectionRecord,
  endpoint: string,
  fingerprint: string,
): Partial<HypervConnectionRecord> {
  const { [endpoint]: _accepted, ...stillRefused } = row.refusedNodeHostKeys;
  return {
    nodeHostKeys: { ...row.nodeHostKeys, [endpoint]: fingerprint },
    refusedNodeHostKeys: stillRefused,
  };
}

/** Every column but the name key, which only the store reads (the record has no such field). */
const { nameKey: _nameKey, ...CONNECTION_COLUMNS } = getTableColumns(hypervConnections);

export class SqliteHypervConnectionStore implements HypervConnectionStore {
  constructor(private readonly db: Db) {}

  async insert(connection: NewHypervConnection): Promise<HypervConnectionRecord> {
    return writingName(this.db, 'hyperv_connections', hypervConnections, connection.name, () =>
      this.db
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
        .returning(CONNECTION_COLUMNS)
        .get(),
    );
  }

  async get(id: string): Promise<HypervConnectionRecord | null> {
    return (
      this.db.select(CONNECTION_COLUMNS).from(hypervConnections).where(eq(hypervConnections.id, id)).get() ??
      null
    );
  }

  async findByHostId(hostId: string): Promise<HypervConnectionRecord | null> {
    const connected = this.db
      .select(CONNECTION_COLUMNS)
      .from(hypervConnections)
      .where(eq(hypervConnections.hostId, hostId))
      .get();
    // A cluster's other nodes: connections are few (an admin adds each), so they are scanned.
    return connected ?? (await this.list()).find((row) => row.nodeHostIds.includes(hostId)) ?? null;
  }

  async recordCluster(id: string, clusterName: string | null, nodeHostIds: string[]): Promise<void> {
    this.db
      .update(hypervConnections)
      .set({ clusterName, nodeHostIds: [...nodeHostIds].sort() })
      .where(eq(hypervConnections.id, id))
      .run();
  }

  /**
   * Changes the node pins and refusals from the row as it is under the write lock; `change` returns
   * null to write nothing. False when the connection is missing or nothing was written.
   */
  private updateNodeKeys(
    id: string,
    change: (row: HypervConnectionRecord) => Partial<HypervConnectionRecord> | null,
  ): boolean {
    return inTransaction(this.db, (tx) => {
      const row = tx
        .select(CONNECTION_COLUMNS)
        .from(hypervConnections)
        .where(eq(hypervConnections.id, id))
        .get();
      const changed = row ? change(row) : null;
      if (!changed) return false;
      tx.update(hypervConnections).set(changed).where(eq(hypervConnections.id, id)).run();
      return true;
    });
  }

  async pinNode(id: string, endpoint: string, fingerprint: string): Promise<void> {
    this.updateNodeKeys(id, (row) => nodeKeysWithPin(row, endpoint, fingerprint));
  }

  async pinNodeIfWaiting(id: string, endpoint: string, fingerprint: string): Promise<boolean> {
    return this.updateNodeKeys(id, (row) =>
      row.refusedNodeHostKeys[endpoint]?.fingerprint === fingerprint
        ? nodeKeysWithPin(row, endpoint, fingerprint)
        : null,
    );
  }

  async refuseNode(id: string, endpoint: string, refused: RefusedNodeKey): Promise<void> {
    // A sync still in flight when an admin accepted this key must not refuse it again.
    this.updateNodeKeys(id, (row) =>
      row.nodeHostKeys[endpoint] === refused.fingerprint
        ? null
        : { refusedNodeHostKeys: { ...row.refusedNodeHostKeys, [endpoint]: refused } },
    );
  }

  async list(): Promise<HypervConnectionRecord[]> {
    return this.db
      .select(CONNECTION_COLUMNS)
      .from(hypervConnections)
      .orderBy(asc(hypervConnections.name))
      .all();
  }

  async setWsbBackupTarget(id: string, target: string | null): Promise<void> {
    this.db
      .update(hypervConnections)
      .set({ wsbBackupTarget: target })
      .where(eq(hypervConnections.id, id))
      .run();
  }

  async pin(id: string, fingerprint: string): Promise<void> {
    this.db
      .update(hypervConnections)
      .set({ hostKey: fingerprint, refusedHostKey: null })
      .where(eq(hypervConnections.id, id))
      .run();
  }

  async pinIfWaiting(id: string, fingerprint: string): Promise<boolean> {
    const pinned = this.db
      .update(hypervConnections)
      .set({ hostKey: fingerprint, refusedHostKey: null })
      .where(and(eq(hypervConnections.id, id), eq(hypervConnections.refusedHostKey, fingerprint)))
      .run();
    return pinned.changes > 0;
  }

  async refuse(id: string, fingerprint: string): Promise<void> {
    this.db
      .update(hypervConnections)
      .set({ refusedHostKey: fingerprint })
      // A test or sync still in flight when an admin accepted this key must not refuse it again.
      .where(
        and(
          eq(hypervConnections.id, id),
          or(isNull(hypervConnections.hostKey), ne(hypervConnections.hostKey, fingerprint)),
        ),
      )
      .run();
  }

  async recordSync(id: string, at: Date, error: string | null, hostId?: string): Promise<void> {
    this.db
      .update(hypervConnections)
      .set(
        error === null
          ? { lastSyncAt: at, lastError: null, ...(hostId ? { hostId } : {}) }
          : { lastError: error },
      )
      .where(eq(hypervConnections.id, id))
      .run();
  }

  async delete(id: string): Promise<boolean> {
    return this.db.delete(hypervConnections).where(eq(hypervConnections.id, id)).run().changes > 0;
  }
}
