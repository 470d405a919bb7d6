/**
 * The store ports: the only way services and the runner reach the database. Every method is
 * async so a networked database (PostgreSQL, next) implements the same interfaces; the embedded
 * SQLite implementation lives in ../sqlite/. Each port has a contract test suite
 * (`*.contract.ts`) that every implementation must pass.
 */

import type { InventoryStore } from './inventory';

export type { InventoryStore } from './inventory';
export type { Counted, Page } from './page';

/** All stores of one database, handed to services through the request / worker context. */
export interface Stores {
  inventory: InventoryStore;
}
