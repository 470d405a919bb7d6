/**
 * Scale-out on PostgreSQL with real processes: three `migawka worker` processes (DATABASE_URL) share
 * one database and run many backups with overlapping scopes; one is killed with SIGKILL while it
 * holds a lease. Checked from the database afterwards: conflicting operations never overlapped
 * (the event log, numbered in commit order, replays every lock grant and release), every operation
 * ended exactly once, no VM got two points from one operation, no lock is left, nothing is running.
 *
 * Like crash-recovery.test.ts this waits on the wall clock on purpose: what is under test is
 * separate OS processes and a lease expiring after one of them died, which no test can tick. The
 * in-process equivalents (recovery.test.ts, the operation store contract) drive the same takeovers
 * with tick() and an injected clock.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import type { OperationEvent } from '../../db/stores/ports/operation-events';
import type { BackupPlanRequest } from '../engine/backup-plan';
import { createHarness, type Harness } from './test-harness';

const LEASE_MS = 800;
const dialects = await storeDialects('multiworker');
const postgres = dialects.find((dialect) => dialect.name === 'PostgreSQL');
const children: ChildProcess[] = [];
const outputs = new Map<string, string>();
let h: Harness | undefined;

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await h?.close();
});

function spawnWorker(name: string, databaseUrl: string, labDir: string): ChildProcess {
  const child = spawn(
    process.execPath,
    ['bin/migawka.mjs', 'worker', '--worker-id', name, '--lease-ms', String(LEASE_MS), '--poll-ms', '20'],
    {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        MIGAWKA_LAB_DIR: labDir,
        MIGAWKA_LAB_STEP_DELAY_MS: '300',
        MIGAWKA_LAB_SCRIPT_TIME_SCALE: '0.001',
        MIGAWKA_WORKER_CONCURRENCY: '2',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
    outputs.set(name, output);
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
    outputs.set(name, output);
  });
  child.on('exit', (code, signal) => {
    if (code !== null && code !== 0) console.error(`worker ${name} exited ${code} ${signal}\n${output}`);
  });
  children.push(child);
  return child;
}

const SCOPES = [['sql1'], ['app1'], ['sql1', 'app1'], ['legacy1'], ['app1', 'legacy1'], ['sql1', 'legacy1']];

function backupOf(vmIds: string[]): BackupPlanRequest {
  return { scope: { kind: 'vms', vmIds }, consistencyPolicy: 'fallback', passthroughPolicy: 'skip' };
}

describe.skipIf(!postgres || postgres.skip !== null)(
  'several worker processes on one PostgreSQL database',
  () => {
    it('run conflicting backups without overlap, each ending once, and take over from a killed worker', async () => {
      h = await createHarness({ dialect: postgres });
      const harness = h;
      const url = await postgres?.url?.();
      if (!url) throw new Error('no database URL for the worker processes');
      const operations = [];
      for (let n = 0; n < 18; n++)
        operations.push(await harness.enqueueBackup(backupOf(SCOPES[n % SCOPES.length] as string[])));
      const ids = operations.map((operation) => operation.id);

      const workers = ['w1', 'w2', 'w3'].map((name) => spawnWorker(name, url, harness.root));
      // Kill w1 as soon as it holds a lease: its operation must be taken over by another worker.
      const deadline = Date.now() + 90_000;
      let victim: string | undefined;
      while (!victim) {
        if (Date.now() > deadline) throw new Error(`w1 never took a lease:\n${outputs.get('w1')}`);
        for (const id of ids) {
          if ((await harness.stores.operations.get(id))?.leaseOwner === 'w1') victim = id;
        }
        if (!victim) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      workers[0]?.kill('SIGKILL');

      const done = await harness.waitForFinal(ids, 120_000);
      // A fallback backup of legacy1 may end 'succeeded with warnings' (saved state, not quiesced).
      const outcomes = done.map((operation) => operation.status);
      expect(
        outcomes.filter((status) => !status.startsWith('succeeded')),
        outcomes.join(', '),
      ).toEqual([]);
      const taken = done.find((operation) => operation.id === victim);
      expect(taken?.attempt, 'the killed worker’s operation was recovered by another').toBeGreaterThanOrEqual(
        1,
      );

      // Replay the event log in id (= commit) order: a lock is never granted while another holds it.
      const events: OperationEvent[] = [];
      for (let after = 0; ; ) {
        const page = await harness.stores.operations.readEventsAfter({ afterId: after, limit: 5000 });
        events.push(...page);
        if (page.length < 5000) break;
        after = page.at(-1)?.id ?? after;
      }
      const held = new Map<string, string>();
      const finished = new Map<string, number>();
      for (const event of events) {
        if (event.type === 'operation.started') {
          for (const key of (event as OperationEvent<'operation.started'>).payload.lockKeys) {
            expect(held.get(key), `${key} granted to ${event.operationId} while held`).toBeUndefined();
            held.set(key, event.operationId);
          }
        } else if (event.type === 'operation.finished') {
          finished.set(event.operationId, (finished.get(event.operationId) ?? 0) + 1);
          for (const [key, owner] of held) if (owner === event.operationId) held.delete(key);
        }
      }
      expect(ids.map((id) => finished.get(id))).toEqual(ids.map(() => 1));
      expect(
        events.some((event) => event.type === 'operation.recovered' && event.operationId === victim),
      ).toBe(true);
      for (const [n, id] of ids.entries()) {
        const vmIds = await harness.stores.restorePoints.vmIdsCataloguedBy(id);
        expect(vmIds, `points of ${id}`).toEqual([...(SCOPES[n % SCOPES.length] as string[])].sort());
      }
      expect(await harness.stores.operations.findLeakedLocks()).toEqual([]);
    }, 180_000);
  },
);
