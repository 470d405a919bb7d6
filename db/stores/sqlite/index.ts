/** The embedded default: every store port implemented on one better-sqlite3 database. */
import type { Db } from '../../client';
import type { Stores } from '../ports';
import { SqliteApprovalStore } from './approval-store';
import { SqliteArrayConnectionStore } from './array-connection-store';
import { SqliteAuditStore } from './audit-store';
import { SqliteHypervConnectionStore } from './hyperv-connection-store';
import { createSqliteInventoryStore } from './inventory';
import { SqliteJobStore } from './job-store';
import { SqliteOperationStore } from './operation-store';
import { createSqliteProtectionStore } from './protection';
import { SqliteRestorePointStore } from './restore-point-store';
import { SqliteSecretStore } from './secret-store';
import { SqliteSyncLogStore } from './sync-log-store';
import { SqliteXapiPoolStore } from './xapi-pool-store';

export function createSqliteStores(db: Db): Stores {
  return {
    inventory: createSqliteInventoryStore(db),
    operations: new SqliteOperationStore(db),
    jobs: new SqliteJobStore(db),
    restorePoints: new SqliteRestorePointStore(db),
    protection: createSqliteProtectionStore(db),
    secrets: new SqliteSecretStore(db),
    audit: new SqliteAuditStore(db),
    approvals: new SqliteApprovalStore(db),
    xapiPools: new SqliteXapiPoolStore(db),
    hypervConnections: new SqliteHypervConnectionStore(db),
    syncLog: new SqliteSyncLogStore(db),
    arrayConnections: new SqliteArrayConnectionStore(db),
  };
}
