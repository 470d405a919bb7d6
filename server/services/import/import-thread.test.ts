import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { threadId as mainThreadId } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, sqliteOf } from '../../../db/client';
import { inventoryImports as pgInventoryImports } from '../../../db/pg/schema';
import { type ProcessDatabase, reopenableConfigOf } from '../../../db/process-database';
import { inventoryImports } from '../../../db/schema';
import { demoLabInventory } from '../../../db/seed/demo-lab';
import { generateLargeEstate } from '../../../db/seed/large-estate';
import { type DialectHandle, type StoreDialect, storeDialects } from '../../../db/stores/contract/dialects';
import type { Stores } from '../../../db/stores/ports';
import { INVENTORY_WRITER } from '../../../db/stores/postgres/inventory';
import { createSqliteStores } from '../../../db/stores/sqlite';
import type { DatabaseConfig } from '../../config';
import { createServiceContext } from '../../context';
import { signedIn } from '../../test-support';
import { createCaller } from '../../trpc/root';
import { DomainError } from '../errors';
import {
  type ImportMode,
  importInventory as importWithStores,
  previewReplaceImport,
} from '../import-service';
import { importInventoryInThread, importInventoryOffLoop, previewReplaceInThread } from './import-thread';

let workDir: string;
const cleanups: (() => Promise<void>)[] = [];

beforeEach(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'migawka-import-thread-'));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  rmSync(workDir, { recursive: true, force: true });
});

const dialects = await storeDialects('importthread');
let dialect: StoreDialect;

/** A database another thread can open too, and what the tests read of it on either dialect. */
interface ThreadDatabase {
  handle: DialectHandle;
  stores: Stores;
  /** How the import thread opens its own connection to it. */
  config: DatabaseConfig;
}

/**
 * A fresh database the import thread can reach: a SQLite file, or this file's PostgreSQL database
 * (emptied on open, so a test has one at a time there and takes its direct import's outcome first).
 */
async function threadDatabase(name: string): Promise<ThreadDatabase> {
  let handle: DialectHandle;
  if (dialect.name === 'SQLite') {
    const db = openDatabase(path.join(workDir, `${name}.db`));
    handle = {
      dialect: 'sqlite',
      db,
      stores: createSqliteStores(db),
      close: async () => {
        sqliteOf(db).close();
      },
    };
  } else {
    handle = await dialect.open();
  }
  cleanups.push(() => handle.close());
  const config = reopenableConfigOf(processDatabaseOf(handle));
  if (config === null) throw new Error('the import thread cannot reach this database');
  return { handle, stores: handle.stores, config };
}

function processDatabaseOf(handle: DialectHandle): ProcessDatabase {
  return handle.dialect === 'sqlite'
    ? { kind: 'sqlite', db: handle.db }
    : { kind: 'postgres', pg: handle.pg };
}

/** The import as the CLI runs it: in this thread, on this connection. */
function importInventory(database: ThreadDatabase, raw: unknown, mode: ImportMode) {
  return importWithStores(database.stores, createServiceContext(), raw, mode);
}

function request(database: ThreadDatabase | DatabaseConfig, content: string, mode: ImportMode) {
  return {
    database: 'config' in database ? database.config : database,
    content,
    mode,
    actor: createServiceContext().actor,
    requestedAt: Date.UTC(2026, 0, 1),
  };
}

/** Rows of tables no store port reads, from whichever database holds them. */
async function rows(database: ThreadDatabase, query: string): Promise<unknown[]> {
  const { handle } = database;
  if (handle.dialect === 'sqlite') return sqliteOf(handle.db).prepare(query).all();
  return (await handle.pg.pool.query(query)).rows;
}

/** Everything an import writes: the estate, the assessments and the findings (without row ids). */
async function storedState(database: ThreadDatabase) {
  return {
    inventory: await database.stores.inventory.loadInventory(),
    assessments: await rows(database, 'SELECT * FROM vm_assessments ORDER BY vm_id'),
    findings: await rows(
      database,
      'SELECT vm_id, host_id, rule_id, message FROM findings ORDER BY vm_id, rule_id, message',
    ),
  };
}

async function importRecords({ handle }: ThreadDatabase) {
  if (handle.dialect === 'sqlite') {
    const { requestedBy, createdAt, mode } = inventoryImports;
    return handle.db.select({ requestedBy, createdAt, mode }).from(inventoryImports).all();
  }
  const { requestedBy, createdAt, mode } = pgInventoryImports;
  return handle.pg.db.select({ requestedBy, createdAt, mode }).from(pgInventoryImports);
}

/**
 * Holds the inventory write lock from this thread until the returned release: SQLite's write lock,
 * or PostgreSQL's inventory writer lock (which every import takes before it reads or writes).
 */
async function holdWriteLock({ handle }: ThreadDatabase): Promise<() => Promise<void>> {
  if (handle.dialect === 'sqlite') {
    sqliteOf(handle.db).exec('BEGIN IMMEDIATE');
    return async () => {
      sqliteOf(handle.db).exec('COMMIT');
    };
  }
  const client = await handle.pg.pool.connect();
  await client.query('BEGIN');
  await client.query('select pg_advisory_xact_lock($1)', [INVENTORY_WRITER]);
  return async () => {
    await client.query('COMMIT');
    client.release();
  };
}

/** A promise's outcome so far, without waiting for it. */
function track<T>(promise: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let settled = false;
  const tracked = promise.finally(() => {
    settled = true;
  });
  return { settled: () => settled, promise: tracked };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the import to fail');
}

/** Where the import thread cannot open its database, and how the failure reads. */
const UNREACHABLE: Record<
  StoreDialect['name'],
  (workDir: string) => { config: DatabaseConfig; message: RegExp }
> = {
  // The database's folder cannot be created: its parent is a file.
  SQLite: (dir) => {
    const blocker = path.join(dir, 'a-file');
    writeFileSync(blocker, '');
    return {
      config: { kind: 'sqlite', path: path.join(blocker, 'migawka.db') },
      message: /^The inventory import failed: E[A-Z]+: /,
    };
  },
  // Nothing listens on port 1: the connection is refused.
  PostgreSQL: () => ({
    config: { kind: 'postgres', url: 'postgresql://127.0.0.1:1/migawka', poolMax: 1 },
    message: /^The inventory import failed: connect ECONNREFUSED /,
  }),
};

describe.each(dialects)('$name', (current) => {
  describe.skipIf(current.skip !== null)('stores', () => {
    beforeEach(() => {
      dialect = current;
    });

    describe('inventory import in a worker thread', () => {
      it('leaves the event loop free while it runs and stores what a direct import stores', async () => {
        const estate = JSON.stringify(generateLargeEstate({ hosts: 20, vms: 400, seed: 7 }));
        const direct = await threadDatabase('direct');
        const directResult = await importInventory(direct, estate, 'replace');
        const directState = await storedState(direct);
        await direct.handle.close();
        const threaded = await threadDatabase('threaded');
        const caller = createCaller(signedIn(processDatabaseOf(threaded.handle)));

        // Hold the write lock from this thread: the import cannot commit until it is released, so it
        // is certainly still running while this thread answers a tRPC call and turns its event loop.
        const release = await holdWriteLock(threaded);
        const running = track(importInventoryInThread(request(threaded, estate, 'replace')));
        const dashboard = await caller.dashboard.get();
        let turns = 0;
        while (turns < 100) {
          await nextTurn();
          turns++;
        }
        expect(dashboard.totals.vms).toBe(0);
        expect(turns).toBe(100);
        expect(running.settled()).toBe(false);
        await release();

        const { threadId, ...result } = await running.promise;
        expect(threadId).not.toBe(mainThreadId);
        expect(result).toEqual(directResult);
        expect(await storedState(threaded)).toEqual(directState);
        expect((await caller.dashboard.get()).totals.vms).toBe(400);
        expect(await importRecords(threaded)).toEqual([
          { requestedBy: 'system', createdAt: new Date(Date.UTC(2026, 0, 1)), mode: 'replace' },
        ]);
      });

      it('merges like a direct merge', async () => {
        const lab = demoLabInventory();
        const update = JSON.stringify({
          hosts: [{ ...lab.hosts[0], name: 'renamed-by-merge' }],
          vms: [{ ...lab.vms[0], name: 'vm-renamed-by-merge' }],
        });
        const direct = await threadDatabase('direct');
        await importInventory(direct, lab, 'replace');
        const directResult = await importInventory(direct, update, 'merge');
        const directState = await storedState(direct);
        await direct.handle.close();
        const threaded = await threadDatabase('threaded');
        await importInventory(threaded, lab, 'replace');

        const { threadId: _threadId, ...result } = await importInventoryInThread(
          request(threaded, update, 'merge'),
        );

        expect(result).toEqual(directResult);
        expect(await storedState(threaded)).toEqual(directState);
      });

      it('answers a file with bad fields with the same field errors as a direct import, writing nothing', async () => {
        const threaded = await threadDatabase('threaded');
        await importInventory(threaded, demoLabInventory(), 'replace');
        const before = await storedState(threaded);
        const broken = JSON.stringify({
          hosts: [{ id: 'h', name: 'h', kind: 'vmware', version: '8', hasVssAwareProduct: true }],
          vms: [{ id: 'v2', name: 'v2', hostId: 'missing-host', osFamily: 'windows', powerState: 'on' }],
        });

        const error = await rejectionOf(importInventoryInThread(request(threaded, broken, 'replace')));

        const expected = await rejectionOf(
          Promise.resolve().then(() => importInventory(threaded, broken, 'replace')),
        );
        expect(error).toBeInstanceOf(DomainError);
        expect(error).toEqual(expected);
        expect((error as DomainError).fieldErrors.map((fieldError) => fieldError.path)).toEqual([
          'hosts[0].kind',
          'vms[0].powerState',
          'vms[0].hostId',
        ]);
        expect(await storedState(threaded)).toEqual(before);
      });

      it('previews a replace in the thread as the caller would, and imports it only with that confirmation', async () => {
        const threaded = await threadDatabase('threaded');
        await importInventory(threaded, demoLabInventory(), 'replace');
        const lab = demoLabInventory();
        const withoutFs = JSON.stringify({
          ...lab,
          vms: lab.vms.filter((vm) => vm.id !== 'vm-fs-01'),
          virtualDisks: lab.virtualDisks.filter((disk) => disk.vmId !== 'vm-fs-01'),
          guestVolumes: lab.guestVolumes.filter((volume) => volume.vmId !== 'vm-fs-01'),
        });
        const { mode: _mode, ...rest } = request(threaded, withoutFs, 'replace');

        const { threadId, ...preview } = await previewReplaceInThread(rest);

        expect(threadId).not.toBe(mainThreadId);
        expect(preview).toEqual(await previewReplaceImport(threaded.stores, withoutFs));
        expect(preview.removes.vms.names).toEqual(['fs-01']);
        const before = await storedState(threaded);
        const unconfirmed = await rejectionOf(
          importInventoryInThread(request(threaded, withoutFs, 'replace')),
        );
        expect((unconfirmed as DomainError).code).toBe('PRECONDITION_FAILED');
        expect(await storedState(threaded)).toEqual(before);
        const confirmation = preview.confirmation ?? undefined;
        const { stored } = await importInventoryInThread({
          ...request(threaded, withoutFs, 'replace'),
          confirmation,
        });
        expect(stored.vms).toBe(lab.vms.length - 1);
      });

      it('answers a JSON syntax error with its line and column, writing nothing', async () => {
        const threaded = await threadDatabase('threaded');
        await importInventory(threaded, demoLabInventory(), 'replace');
        const before = await threaded.stores.inventory.countInventory();

        const error = await rejectionOf(
          importInventoryInThread(request(threaded, '{\n "hosts": [}\n', 'merge')),
        );

        expect(error).toBeInstanceOf(DomainError);
        expect((error as DomainError).fieldErrors).toEqual([
          {
            path: '(file)',
            message: 'not valid JSON at line 2, column 12: unexpected "}" (expected a value)',
          },
        ]);
        expect(await threaded.stores.inventory.countInventory()).toEqual(before);
      });

      it('reports a failure of the thread itself as an error, not a hang', async () => {
        const unreachable = UNREACHABLE[current.name](workDir);

        const error = await rejectionOf(importInventoryInThread(request(unreachable.config, '{}', 'merge')));

        expect(error).toBeInstanceOf(Error);
        expect(error).not.toBeInstanceOf(DomainError);
        expect((error as Error).message).toMatch(unreachable.message);
      });
    });

    describe('importInventoryOffLoop', () => {
      it('imports in the caller when no other thread can open its database (a private in-memory one)', async () => {
        const handle = await current.open();
        cleanups.push(() => handle.close());
        const result = await importInventoryOffLoop(
          { importDatabase: null, stores: handle.stores, service: createServiceContext() },
          JSON.stringify(demoLabInventory()),
          'replace',
        );
        expect(result.stored.vms).toBe(demoLabInventory().vms.length);
      });

      it('imports into a database file or server through a worker thread', async () => {
        const served = await threadDatabase('console');
        const result = await importInventoryOffLoop(
          { importDatabase: served.config, stores: served.stores, service: createServiceContext() },
          JSON.stringify(demoLabInventory()),
          'replace',
        );
        expect(result).not.toHaveProperty('threadId');
        expect((await served.stores.inventory.countInventory()).vms).toBe(demoLabInventory().vms.length);
      });
    });
  });
});
