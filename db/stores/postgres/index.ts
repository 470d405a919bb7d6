/** The scale-out implementation: every store port on one PostgreSQL database (node-postgres). */
import type { PgDb } from '../../pg/client';
import type { Stores } from '../ports';
import { PgAuditStore } from './audit-store';
import { PgJobStore } from './job-store';
import { PgOperationStore } from './operation-store';
import { PgRestorePointStore } from './restore-point-store';
import { PgSecretStore } from './secret-store';
import { PgXapiPoolStore } from './xapi-pool-store';

/** The ports implemented on PostgreSQL so far; `createPgStores` needs them all. */
export function createPgStorePorts(
  db: PgDb,
): Pick<Stores, 'secrets' | 'audit' | 'xapiPools' | 'operations' | 'jobs' | 'restorePoints'> {
  return {
    secrets: new PgSecretStore(db),
    audit: new PgAuditStore(db),
    xapiPools: new PgXapiPoolStore(db),
    operations: new PgOperationStore(db),
    jobs: new PgJobStore(db),
    restorePoints: new PgRestorePointStore(db),
  };
}
