/**
 * Where the keys of a database live: the vault key and the session signing key are files beside
 * the SQLite file, or, on PostgreSQL (no file of ours on the server), in the data directory of this
 * node (`MIGAWKA_DATA_DIR`). Several nodes on one PostgreSQL database must share them: set
 * MIGAWKA_SECRET_KEY and MIGAWKA_AUTH_SECRET to the same values on every node (docs/deployment.md).
 * A private in-memory database (tests) keeps its vault key in memory, as long as the database lives.
 */
import {
  asProcessDatabase,
  type DatabaseHandle,
  databaseFileOf,
  identityOf,
  isPrivateDatabase,
} from '../db/process-database';
import { getConfig } from './config';
import { memoryKeySource, type VaultKeySource, vaultKeySourceFor } from './services/vault-key';

/**
 * The path key files are kept beside (their directory is used), or ':memory:' for a private
 * in-memory database, whose keys never touch the disk.
 */
export function keyAnchorOf(database: DatabaseHandle): string {
  const opened = asProcessDatabase(database);
  if (isPrivateDatabase(opened)) return ':memory:';
  return databaseFileOf(opened) ?? getConfig().dbPath;
}

const memoryKeys = new WeakMap<object, VaultKeySource>();

/** The vault key of a database: MIGAWKA_SECRET_KEY, or the key file at its anchor. */
export function vaultKeysOf(database: DatabaseHandle): VaultKeySource {
  const opened = asProcessDatabase(database);
  const anchor = keyAnchorOf(opened);
  if (anchor !== ':memory:') return vaultKeySourceFor(getConfig().secrets, anchor);
  const identity = identityOf(opened);
  let keys = memoryKeys.get(identity);
  if (!keys) {
    keys = memoryKeySource();
    memoryKeys.set(identity, keys);
  }
  return keys;
}
