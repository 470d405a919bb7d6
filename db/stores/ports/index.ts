/**
 * The store ports: the only way services and the runner reach the database. Every method is
 * async so a networked database (PostgreSQL, next) implements the same interfaces; the embedded
 * SQLite implementation lives in ../sqlite/. Each port has a contract test suite
 * (`../contract/*.contract.ts`) that every implementation must pass.
 */

import type { ApprovalStore } from './approval-store';
import type { ArrayConnectionStore } from './array-connection-store';
import type { AuditStore } from './audit-store';
import type { HypervConnectionStore } from './hyperv-connection-store';
import type { InventoryStore } from './inventory';
import type { JobStore } from './job-store';
import type { OperationStore } from './operation-store';
import type { ProtectionStore } from './protection';
import type { RestorePointStore } from './restore-point-store';
import type { SecretStore } from './secret-store';
import type { SyncLogStore } from './sync-log-store';
import type { XapiPoolStore } from './xapi-pool-store';

export type {
  ApprovalDecision,
  ApprovalPolicyRecord,
  ApprovalRequestRecord,
  ApprovalStore,
  NewApprovalRequest,
} from './approval-store';
export type {
  ArrayConnectionRecord,
  ArrayConnectionStore,
  ArrayJobRecord,
  NewArrayConnection,
} from './array-connection-store';
export type { AuditEntry, AuditFilter, AuditStore, NewAuditEntry } from './audit-store';
export type {
  HypervConnectionRecord,
  HypervConnectionStore,
  NewHypervConnection,
} from './hyperv-connection-store';
export type { InventoryStore } from './inventory';
export type { JobStore } from './job-store';
export type { OperationStore } from './operation-store';
export type { Counted, Page } from './page';
export type { ProtectionStore } from './protection';
export type { RestorePointStore } from './restore-point-store';
export type { SecretMetadata, SecretRecord, SecretStore } from './secret-store';
export type { SyncLogStore, SyncOutcome, SyncRunRecord } from './sync-log-store';
export type { NewXapiPool, XapiPoolRecord, XapiPoolStore } from './xapi-pool-store';

/** All stores of one database, handed to services through the request / worker context. */
export interface Stores {
  inventory: InventoryStore;
  operations: OperationStore;
  jobs: JobStore;
  restorePoints: RestorePointStore;
  protection: ProtectionStore;
  secrets: SecretStore;
  audit: AuditStore;
  approvals: ApprovalStore;
  xapiPools: XapiPoolStore;
  hypervConnections: HypervConnectionStore;
  /** One record per sync of a Hyper-V host or XenServer pool. */
  syncLog: SyncLogStore;
  arrayConnections: ArrayConnectionStore;
}
