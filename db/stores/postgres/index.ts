/** The scale-out implementation: every store port on one PostgreSQL database (node-postgres). */
import type { PgDb } from '../../pg/client';
import type { Stores } from '../ports';
import { PgApprovalStore } from './approval-store';
import { PgArrayConnectionStore } from './array-connection-store';
import { PgAuditStore } from './audit-store';
import { PgHypervConnectionStore } from './hyperv-connection-store';
import { createPgInventoryStore } from './inventory';
import { PgJobStore } from './job-store';
import { PgOperationStore } from './operation-store';
import { createPgProtectionStore } from './protection';
import { PgRestorePointStore } from './restore-point-store';
import { PgSecretStore } from './secret-store';
import { PgSyncLogStore } from './sync-log-store';
import { PgXapiPoolStore } from './xapi-pool-store';

export function createPgStores(db: PgDb): Stores {
  return {
    inventory: createPgInventoryStore(db),
    operations: new PgOperationStore(db),
    jobs: new PgJobStore(db),
    restorePoints: new PgRestorePointStore(db),
    protection: createPgProtectionStore(db),
    secrets: new PgSecretStore(db),
    audit: new PgAuditStore(db),
    xapiPools: new PgXapiPoolStore(db),
    hypervConnections: new PgHypervConnectionStore(db),
    syncLog: new PgSyncLogStore(db),
    arrayConnections: new PgArrayConnectionStore(db),
    approvals: new PgApprovalStore(db),
  };
}
