/**
 * SIGKILL a real `migawka worker` process mid-operation, start another one, and check the
 * promises of issue 3 §2: nothing stays running, no lock outlives its operation, no restore
 * point is duplicated; an operation killed inside a guest freeze ends `interrupted` with its
 * thaw done.
 *
 * The one test that waits on the wall clock, on purpose: what is under test is a separate OS
 * process dying and another taking over through lease expiry, and no test can tick another
 * process. It polls the shared database (waitUntil, waitForFinal) with deadlines; the in-process
 * equivalents (recovery.test.ts) drive the same takeovers with tick() and an injected clock.
 *
 * On SQLite the workers share the test's database file; on PostgreSQL this test file's database
 * (DATABASE_URL), as scale-out-proof.test.ts hands it to its processes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StoreDialect, storeDialects } from '../../db/stores/contract/dialects';
import { rowsOf } from '../test-rows';
import { makeTempDir } from '../test-support';
import { createHarness, type Harness } from './test-harness';

const LEASE_MS = 800;
/**
 * How long a worker process may take to start (loading the server through tsx takes over 20 s, a
 * minute and more on two cores busy with other test files), and then to get somewhere.
 */
const PROCESS_START_MS = 150_000;
const PROCESS_WAIT_MS = 60_000;
/** A test's bound: two workers started, each then given its wait. */
const TEST_MS = 2 * (PROCESS_START_MS + PROCESS_WAIT_MS);
let h: Harness;
let directory: ReturnType<typeof makeTempDir>;
/** Where the worker processes find the database: the SQLite file, or PostgreSQL's URL. */
let databaseEnv: Record<string, string>;
const children: ChildProcess[] = [];
const dialects = await storeDialects('crash');

async function openShared(dialect: StoreDialect): Promise<void> {
  directory = makeTempDir('crash');
  if (dialect.name === 'SQLite') {
    const file = path.join(directory.path, 'migawka.db');
    h = await createHarness({ dbFile: file });
    databaseEnv = { MIGAWKA_DB_PATH: file };
    return;
  }
  h = await createHarness({ dialect });
  const url = await dialect.url?.();
  if (!url) throw new Error('no database URL for the worker processes');
  databaseEnv = { DATABASE_URL: url };
}

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await h.close();
  directory.remove();
});

/** A `migawka worker` process; resolves once it says it started (it then claims at once). */
async function spawnWorker(name: string, stepDelayMs = 250): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['bin/migawka.mjs', 'worker', '--worker-id', name, '--lease-ms', String(LEASE_MS), '--poll-ms', '20'],
    {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env: {
        ...process.env,
        ...databaseEnv,
        LOG_LEVEL: 'info', // its "worker started" line says when it is up
        MIGAWKA_LAB_DIR: h.root,
        MIGAWKA_LAB_STEP_DELAY_MS: String(stepDelayMs),
        MIGAWKA_LAB_SCRIPT_TIME_SCALE: '0.001',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  child.on('exit', (code, signal) => {
    if (code !== null && code !== 0) console.error(`worker ${name} exited ${code} ${signal}\n${output}`);
  });
  children.push(child);
  // Told by the process itself: its "worker started" line, or its exit; the bound only catches a hang.
  await new Promise<void>((resolve, reject) => {
    const fail = () => reject(new Error(`worker ${name} did not start:\n${output}`));
    const bound = setTimeout(fail, PROCESS_START_MS);
    const seen = () => {
      if (!output.includes('worker started')) return;
      clearTimeout(bound);
      child.stdout?.off('data', seen);
      resolve();
    };
    child.stdout?.on('data', seen);
    child.once('exit', () => {
      clearTimeout(bound);
      if (!output.includes('worker started')) fail();
    });
  });
  return child;
}

async function waitUntil(
  what: string,
  predicate: () => Promise<boolean>,
  timeoutMs = PROCESS_WAIT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

async function stepOf(operationId: string, key: string) {
  return (await h.stores.operations.steps(operationId)).find((step) => step.key === key);
}

async function stepStatus(operationId: string, key: string): Promise<string | undefined> {
  return (await stepOf(operationId, key))?.status;
}

/** Rows of a table, on either database (what the ports do not expose: locks, points). */
const rows = {
  locks: () => rowsOf(h.database).all('locks'),
  restorePoints: async (operationId: string) =>
    (await rowsOf(h.database).all('restorePoints')).filter((point) => point.operationId === operationId),
  operations: () => rowsOf(h.database).all('operations'),
};

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('crash safety with a real worker process', () => {
    beforeEach(() => openShared(dialect));

    it(
      'a worker killed mid-copy: the next worker resumes, one point per VM, no lock left',
      async () => {
        const op = await h.enqueueBackup({
          scope: { kind: 'host-volume', hostVolumeId: 'hv1-d' },
          methodByVm: { app1: 'wsb-volume', sql1: 'wsb-volume' },
          consistencyPolicy: 'fallback',
          passthroughPolicy: 'skip',
        });
        const first = await spawnWorker('first');
        await waitUntil(
          'the first copy step runs',
          async () => (await stepStatus(op.id, 'vm:app1:copy-to-repository')) === 'running',
        );
        first.kill('SIGKILL');
        await new Promise((resolve) => first.once('exit', resolve));
        const stuck = await h.stores.operations.get(op.id);
        expect(stuck?.status).toBe('running');
        expect(stuck?.leaseOwner).toBe('first');
        expect((await rows.locks()).length).toBeGreaterThan(0);

        await spawnWorker('second');
        const [done] = await h.waitForFinal([op.id], PROCESS_WAIT_MS);
        expect(done.status).toBe('succeeded');
        expect(done.attempt).toBe(1);
        const steps = await h.stores.operations.steps(op.id);
        expect(steps.every((step) => step.status === 'succeeded')).toBe(true);
        expect(steps.find((step) => step.key === 'vm:app1:copy-to-repository')?.attempts).toBe(2);
        const points = await rows.restorePoints(op.id);
        expect(points.map((point) => point.vmId).sort()).toEqual(['app1', 'sql1']);
        expect(await rows.locks()).toEqual([]);
        expect(await h.stores.operations.findLeakedLocks()).toEqual([]);
      },
      TEST_MS,
    );

    it(
      'a worker killed while a guest is frozen: the operation ends interrupted after the thaw ran',
      async () => {
        const op = await h.enqueueBackup({
          scope: { kind: 'array-volume', arrayVolumeId: 'lun1' },
          methodByVm: { app1: 'array-snapshot', sql1: 'array-snapshot' },
          consistencyPolicy: 'require',
          passthroughPolicy: 'skip',
        });
        // The first snapshot attempt fails and waits 2 s for its retry: the worker dies in that window.
        h.driver.faults.inject({ fault: 'host-unreachable', action: 'createSnapshot', remaining: 1 });
        const first = await spawnWorker('first');
        await waitUntil('the snapshot waits for its retry while sql1 is frozen', async () => {
          const snapshot = await stepOf(op.id, 'array-volumes:lun1:array-snapshot');
          return (
            (await stepStatus(op.id, 'vm:sql1:guest-freeze')) === 'succeeded' &&
            snapshot?.status === 'pending' &&
            snapshot.attempts === 1
          );
        });
        first.kill('SIGKILL');
        await new Promise((resolve) => first.once('exit', resolve));

        await spawnWorker('second');
        const [done] = await h.waitForFinal([op.id], PROCESS_WAIT_MS);
        expect(done.status).toBe('interrupted');
        expect(done.error).toMatch(/stopped after "Freeze the file systems of [^"]+" and before the thaw/);
        expect(await stepStatus(op.id, 'vm:sql1:guest-thaw')).toBe('succeeded');
        const active = (await rows.operations()).filter((operation) =>
          ['running', 'cancelling', 'queued', 'waiting'].includes(operation.status),
        );
        expect(active).toEqual([]);
        expect(await rows.locks()).toEqual([]);
        expect(await rows.restorePoints(op.id)).toEqual([]);
      },
      TEST_MS,
    );
  });
});
