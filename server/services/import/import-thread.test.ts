import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { threadId as mainThreadId } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase, sqliteOf } from '../../../db/client';
import { demoLabInventory } from '../../../db/seed/demo-lab';
import { generateLargeEstate } from '../../../db/seed/large-estate';
import { countInventory, loadInventory } from '../../../db/stores/inventory-store';
import { createSqliteStores } from '../../../db/stores/sqlite';
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
const opened: Db[] = [];

beforeEach(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'migawka-import-thread-'));
});

afterEach(() => {
  for (const db of opened.splice(0)) sqliteOf(db).close();
  rmSync(workDir, { recursive: true, force: true });
});

function fileDatabase(name: string): { db: Db; dbPath: string } {
  const dbPath = path.join(workDir, `${name}.db`);
  const db = openDatabase(dbPath);
  opened.push(db);
  return { db, dbPath };
}

/** The import as the CLI runs it: in this thread, on this connection. */
function importInventory(db: Db, raw: unknown, mode: ImportMode) {
  return importWithStores(createSqliteStores(db), createServiceContext(), raw, mode);
}

function request(dbPath: string, content: string, mode: ImportMode) {
  return {
    database: { kind: 'sqlite' as const, path: dbPath },
    content,
    mode,
    actor: createServiceContext().actor,
    requestedAt: Date.UTC(2026, 0, 1),
  };
}

/** Everything an import writes: the estate, the assessments and the findings (without row ids). */
function storedState(db: Db) {
  const connection = sqliteOf(db);
  return {
    inventory: loadInventory(db),
    assessments: connection.prepare('SELECT * FROM vm_assessments ORDER BY vm_id').all(),
    findings: connection
      .prepare('SELECT vm_id, host_id, rule_id, message FROM findings ORDER BY vm_id, rule_id, message')
      .all(),
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

describe('inventory import in a worker thread', () => {
  it('leaves the event loop free while it runs and stores what a direct import stores', async () => {
    const estate = JSON.stringify(generateLargeEstate({ hosts: 20, vms: 400, seed: 7 }));
    const threaded = fileDatabase('threaded');
    const direct = fileDatabase('direct');
    const caller = createCaller(signedIn(threaded.db));

    // Hold the write lock from this thread: the import cannot commit until it is released, so it
    // is certainly still running while this thread answers a tRPC call and turns its event loop.
    sqliteOf(threaded.db).exec('BEGIN IMMEDIATE');
    const running = track(importInventoryInThread(request(threaded.dbPath, estate, 'replace')));
    const dashboard = await caller.dashboard.get();
    let turns = 0;
    while (turns < 100) {
      await nextTurn();
      turns++;
    }
    expect(dashboard.totals.vms).toBe(0);
    expect(turns).toBe(100);
    expect(running.settled()).toBe(false);
    sqliteOf(threaded.db).exec('COMMIT');

    const { threadId, ...result } = await running.promise;
    expect(threadId).not.toBe(mainThreadId);
    expect(result).toEqual(await importInventory(direct.db, estate, 'replace'));
    expect(storedState(threaded.db)).toEqual(storedState(direct.db));
    expect((await caller.dashboard.get()).totals.vms).toBe(400);
    expect(
      sqliteOf(threaded.db).prepare('SELECT requested_by, created_at, mode FROM inventory_imports').all(),
    ).toEqual([{ requested_by: 'system', created_at: Date.UTC(2026, 0, 1), mode: 'replace' }]);
  });

  it('merges like a direct merge', async () => {
    const lab = demoLabInventory();
    const threaded = fileDatabase('threaded');
    const direct = fileDatabase('direct');
    for (const { db } of [threaded, direct]) await importInventory(db, lab, 'replace');
    const update = JSON.stringify({
      hosts: [{ ...lab.hosts[0], name: 'renamed-by-merge' }],
      vms: [{ ...lab.vms[0], name: 'vm-renamed-by-merge' }],
    });

    const { threadId: _threadId, ...result } = await importInventoryInThread(
      request(threaded.dbPath, update, 'merge'),
    );

    expect(result).toEqual(await importInventory(direct.db, update, 'merge'));
    expect(storedState(threaded.db)).toEqual(storedState(direct.db));
  });

  it('answers a file with bad fields with the same field errors as a direct import, writing nothing', async () => {
    const threaded = fileDatabase('threaded');
    await importInventory(threaded.db, demoLabInventory(), 'replace');
    const before = storedState(threaded.db);
    const broken = JSON.stringify({
      hosts: [{ id: 'h', name: 'h', kind: 'vmware', version: '8', hasVssAwareProduct: true }],
      vms: [{ id: 'v2', name: 'v2', hostId: 'missing-host', osFamily: 'windows', powerState: 'on' }],
    });

    const error = await rejectionOf(importInventoryInThread(request(threaded.dbPath, broken, 'replace')));

    const expected = await rejectionOf(
      Promise.resolve().then(() => importInventory(threaded.db, broken, 'replace')),
    );
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toEqual(expected);
    expect((error as DomainError).fieldErrors.map((fieldError) => fieldError.path)).toEqual([
      'hosts[0].kind',
      'vms[0].powerState',
      'vms[0].hostId',
    ]);
    expect(storedState(threaded.db)).toEqual(before);
  });

  it('previews a replace in the thread as the caller would, and imports it only with that confirmation', async () => {
    const threaded = fileDatabase('threaded');
    await importInventory(threaded.db, demoLabInventory(), 'replace');
    const lab = demoLabInventory();
    const withoutFs = JSON.stringify({
      ...lab,
      vms: lab.vms.filter((vm) => vm.id !== 'vm-fs-01'),
      virtualDisks: lab.virtualDisks.filter((disk) => disk.vmId !== 'vm-fs-01'),
      guestVolumes: lab.guestVolumes.filter((volume) => volume.vmId !== 'vm-fs-01'),
    });
    const { mode: _mode, ...rest } = request(threaded.dbPath, withoutFs, 'replace');

    const { threadId, ...preview } = await previewReplaceInThread(rest);

    expect(threadId).not.toBe(mainThreadId);
    expect(preview).toEqual(await previewReplaceImport(createSqliteStores(threaded.db), withoutFs));
    expect(preview.removes.vms.names).toEqual(['fs-01']);
    const before = storedState(threaded.db);
    const unconfirmed = await rejectionOf(
      importInventoryInThread(request(threaded.dbPath, withoutFs, 'replace')),
    );
    expect((unconfirmed as DomainError).code).toBe('PRECONDITION_FAILED');
    expect(storedState(threaded.db)).toEqual(before);
    const confirmation = preview.confirmation ?? undefined;
    const { stored } = await importInventoryInThread({
      ...request(threaded.dbPath, withoutFs, 'replace'),
      confirmation,
    });
    expect(stored.vms).toBe(lab.vms.length - 1);
  });

  it('answers a JSON syntax error with its line and column, writing nothing', async () => {
    const threaded = fileDatabase('threaded');
    await importInventory(threaded.db, demoLabInventory(), 'replace');
    const before = countInventory(threaded.db);

    const error = await rejectionOf(
      importInventoryInThread(request(threaded.dbPath, '{\n "hosts": [}\n', 'merge')),
    );

    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).fieldErrors).toEqual([
      { path: '(file)', message: 'not valid JSON at line 2, column 12: unexpected "}" (expected a value)' },
    ]);
    expect(countInventory(threaded.db)).toEqual(before);
  });

  it('reports a failure of the thread itself as an error, not a hang', async () => {
    // The database's folder cannot be created: its parent is a file.
    const blocker = path.join(workDir, 'a-file');
    writeFileSync(blocker, '');

    const error = await rejectionOf(
      importInventoryInThread(request(path.join(blocker, 'migawka.db'), '{}', 'merge')),
    );

    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(DomainError);
    expect((error as Error).message).toMatch(/^The inventory import failed: E[A-Z]+: /);
  });
});

describe('importInventoryOffLoop', () => {
  it('imports into a private in-memory database in the caller (no other thread can open it)', async () => {
    const db = openDatabase(':memory:');
    opened.push(db);
    const result = await importInventoryOffLoop(
      { importDatabase: null, stores: createSqliteStores(db), service: createServiceContext() },
      JSON.stringify(demoLabInventory()),
      'replace',
    );
    expect(result.stored.vms).toBe(demoLabInventory().vms.length);
  });

  it('imports into a database file through a worker thread', async () => {
    const { db } = fileDatabase('console');
    const result = await importInventoryOffLoop(
      {
        importDatabase: { kind: 'sqlite', path: sqliteOf(db).name },
        stores: createSqliteStores(db),
        service: createServiceContext(),
      },
      JSON.stringify(demoLabInventory()),
      'replace',
    );
    expect(result).not.toHaveProperty('threadId');
    expect(countInventory(db).vms).toBe(demoLabInventory().vms.length);
  });
});
