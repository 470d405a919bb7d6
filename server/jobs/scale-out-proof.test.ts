/**
 * The scale-out proof on PostgreSQL, with real processes: two web nodes (the console's API route
 * handlers, scripts/web-node.ts) and three `migawka worker` processes share one database and run
 * 1,000 backups whose scopes conflict at random (a seeded generator: the same run every time).
 * Work is enqueued both from this process and through the web nodes' API while the workers run;
 * workers are killed with SIGKILL at chosen moments while they hold leases, and replaced.
 *
 * Checked from the database afterwards: conflicting operations never overlapped (the event log,
 * numbered in commit order, replays every lock grant and release), every operation ended exactly
 * once, each got one point per VM of its scope and no more, no lock is left, nothing is running,
 * every killed worker's operations were recovered by another. And from the web nodes: an SSE
 * stream on each node, opened with one session signed in on node A, received every event of the
 * run — written by workers on other processes — in order, without a gap.
 *
 * Like crash-recovery.test.ts this waits on the wall clock on purpose: what is under test is
 * separate OS processes and leases expiring after one of them died, which no test can tick. The
 * in-process equivalents (recovery.test.ts, the operation store contract) drive the same takeovers
 * with tick() and an injected clock.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import path from 'node:path';
import { createTRPCClient, httpLink } from '@trpc/client';
import pg from 'pg';
import superjson from 'superjson';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pick, seededRandom } from '../../db/seed/random';
import { storeDialects } from '../../db/stores/contract/dialects';
import type { OperationEvent } from '../../db/stores/ports/operation-events';
import { getConfig } from '../config';
import type { BackupPlanRequest } from '../engine/backup-plan';
import type { Inventory } from '../engine/inventory';
import { isFinalOperationStatus } from '../engine/statuses';
import { makeTempDir, readSseEvents } from '../test-support';
import type { AppRouter } from '../trpc/root';
import { bundleProcesses, type ProcessBundles } from './process-bundle';
import { createHarness, type Harness } from './test-harness';

/**
 * 1,000, the full proof, in the test suite (~10 min on a loaded two-core machine:
 * docs/BENCHMARKS.md); MIGAWKA_TEST_PROOF_OPERATIONS=100 for a quick run.
 */
const OPERATIONS = getConfig().testProofOperations;
/** One in ten is asked for through a web node's API (one VM, "back up now"); the rest straight in the store. */
const THROUGH_THE_API_EVERY = 10;
const KILLS = 3;
/** Operations enqueued and not yet ended, at most (see the loop). */
const BACKLOG = 40;
const LEASE_MS = 3_000;
const ROOT = path.resolve(import.meta.dirname, '../..');
const ADMIN = { email: 'admin@scale-out.example.test', password: 'scale-out proof password' };
const dialects = await storeDialects('scaleout');
const postgres = dialects.find((dialect) => dialect.name === 'PostgreSQL');
const children: ChildProcess[] = [];
const outputs = new Map<string, string>();
let h: Harness | undefined;
const dataDirs: { remove(): void }[] = [];
const openStreams: { stop(): Promise<void> }[] = [];
/** The worker and web node compiled once (./process-bundle.ts), not by tsx in every process. */
let bundles: ProcessBundles | undefined;
/** The proof's own connection, reading which sessions the killed workers left (sessionsEnded). */
let sessionWatcher: pg.Client | undefined;

beforeAll(async () => {
  if (postgres?.skip === null) bundles = await bundleProcesses('scale-out');
}, 120_000);

afterAll(() => bundles?.remove());

afterEach(async () => {
  for (const stream of openStreams.splice(0)) await stream.stop();
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await h?.close();
  await sessionWatcher?.end();
  sessionWatcher = undefined;
  for (const dir of dataDirs.splice(0)) dir.remove();
});

function spawnNode(name: string, args: string[], env: Record<string, string | undefined>): ChildProcess {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk;
    outputs.set(name, output);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('exit', (code, signal) => {
    if (code !== null && code !== 0) console.error(`${name} exited ${code} ${signal}\n${output}`);
  });
  children.push(child);
  return child;
}

function bundled(): ProcessBundles {
  if (!bundles) throw new Error('the processes were not compiled (beforeAll)');
  return bundles;
}

/** The database URL with the worker's name as its sessions' application name (sessionsEnded). */
function namedSessions(databaseUrl: string, name: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set('application_name', name);
  return url.toString();
}

/**
 * Once the server holds no session of worker `name`. A worker killed just after sending a COMMIT
 * has it carried out by the server after the process is gone: until then, what the worker held
 * reads as still held, though the step was done and no recovery will follow. Bounded at 10 s.
 */
async function sessionsEnded(admin: pg.Client, name: string): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 50) {
    const { rows } = await admin.query<{ n: number }>(
      'select count(*)::int as n from pg_stat_activity where application_name = $1',
      [name],
    );
    if (rows[0]?.n === 0) return;
    await pause(50);
  }
  throw new Error(`the database still holds sessions of the killed worker ${name}`);
}

function spawnWorker(name: string, databaseUrl: string, labDir: string): ChildProcess {
  return spawnNode(
    name,
    [bundled().cli, 'worker', '--worker-id', name, '--lease-ms', String(LEASE_MS), '--poll-ms', '1000'],
    {
      DATABASE_URL: namedSessions(databaseUrl, name),
      MIGAWKA_LAB_DIR: labDir,
      // No VM workloads: three workers sharing one lab would each write every VM's disks (and a
      // freeze in one would not stop the others' writes); they were a quarter of each worker's CPU
      // (docs/BENCHMARKS.md). What is under test is claims, locks and leases across processes;
      // the backups still snapshot and copy the VMs' disk files.
      MIGAWKA_LAB_WORKLOADS: '0',
      MIGAWKA_LAB_STEP_DELAY_MS: '2',
      MIGAWKA_LAB_SCRIPT_TIME_SCALE: '0.0001',
      MIGAWKA_WORKER_CONCURRENCY: '2',
    },
  );
}

/** A web node on a free port, without a worker of its own; resolves with its origin once it listens. */
async function startWebNode(name: string, databaseUrl: string, labDir: string): Promise<string> {
  const dataDir = makeTempDir(`scaleout-${name}`);
  dataDirs.push(dataDir);
  const child = spawnNode(name, [bundled().webNode, '0'], {
    DATABASE_URL: databaseUrl,
    MIGAWKA_DATA_DIR: dataDir.path,
    MIGAWKA_DB_PATH: undefined,
    MIGAWKA_DB_POOL_MAX: '4',
    MIGAWKA_LAB_DIR: labDir,
    MIGAWKA_WORKER: '0',
    MIGAWKA_DEMO_ADMIN: `${ADMIN.email}:${ADMIN.password}`,
    // Every web node signs sessions with the same secret: a session from one is good on the others.
    MIGAWKA_AUTH_SECRET: 'the-session-signing-secret-every-web-node-shares',
  });
  return new Promise((resolve, reject) => {
    const seen = (chunk: Buffer) => {
      const port = /listening (\d+)/.exec(String(chunk))?.[1];
      if (port) resolve(`http://127.0.0.1:${port}`);
    };
    child.stdout?.on('data', seen);
    child.on('exit', () => reject(new Error(`web node ${name} stopped:\n${outputs.get(name)}`)));
  });
}

async function signIn(origin: string): Promise<string> {
  const response = await fetch(`${origin}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin },
    body: JSON.stringify(ADMIN),
  });
  const cookie = response.headers
    .getSetCookie()
    .find((line) => line.includes('session_token='))
    ?.split(';')[0];
  if (!cookie) throw new Error(`sign-in on ${origin} answered ${response.status} without a session`);
  return cookie;
}

function apiOf(origin: string, cookie: string) {
  return createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${origin}/api/trpc`, transformer: superjson, headers: { cookie, origin } })],
  });
}

/** Every event of every operation, from the first, as one web node streams them (SSE); stop() ends it. */
async function watchEverything(origin: string, cookie: string) {
  const events: OperationEvent[] = [];
  const gone = new AbortController();
  const response = await fetch(
    `${origin}/api/trpc/operations.events?input=${encodeURIComponent(
      JSON.stringify(superjson.serialize({ lastEventId: '0' })),
    )}`,
    { headers: { cookie, origin, accept: 'text/event-stream' }, signal: gone.signal },
  );
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const reading = readSseEvents<OperationEvent>(response, (event) => {
    events.push(event);
    return false;
  }).catch((error: unknown) => {
    if (!gone.signal.aborted) throw error;
    return [];
  });
  const stream = {
    events,
    /** Waits (wall clock) until the stream has delivered the event with id `lastId`. */
    async until(lastId: number, timeoutMs: number): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while ((events.at(-1)?.id ?? 0) < lastId && Date.now() < deadline) await pause(50);
    },
    async stop(): Promise<void> {
      gone.abort();
      await reading;
    },
  };
  openStreams.push(stream);
  return stream;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Hyper-V hosts of the proof: each runs at most two backups at once (the default per-host limit). */
const HOSTS = ['hv1', 'hv2', 'hv3'];
/** Extra VMs spread over those hosts: scopes of one to three of ~24 VMs conflict sometimes, not always. */
const EXTRA_VMS = 21;

/**
 * The lab test inventory with two more Hyper-V hosts like hv1 (volumes D: and E: of their own) and
 * 21 more running Windows VMs spread over the three, two disks each. With every VM on one host the
 * per-host limit alone let two operations run at a time, whatever the workers: the run was a queue.
 */
function widerEstate(inventory: Inventory): Inventory {
  const sql1 = inventory.vms.find((vm) => vm.id === 'sql1');
  const hv1 = inventory.hosts.find((host) => host.id === 'hv1');
  const [os, data] = inventory.virtualDisks.filter((disk) => disk.vmId === 'sql1');
  const [volumeD, volumeE] = inventory.hostVolumes.filter((volume) => volume.hostId === 'hv1');
  if (!sql1 || !hv1 || !os || !data || !volumeD || !volumeE)
    throw new Error('the lab test inventory has no hv1 with two volumes and sql1 with two disks');
  const newHosts = HOSTS.filter((id) => id !== 'hv1');
  const extra = Array.from({ length: EXTRA_VMS }, (_, n) => ({
    id: `vm${n + 1}`,
    hostId: HOSTS[n % HOSTS.length] as string,
  }));
  return {
    ...inventory,
    hosts: [...inventory.hosts, ...newHosts.map((id) => ({ ...hv1, id, name: id }))],
    hostVolumes: [
      ...inventory.hostVolumes,
      ...newHosts.flatMap((hostId) => [
        { ...volumeD, id: `${hostId}-d`, hostId, shadowStorageVolumeId: `${hostId}-d`, arrayVolumeId: null },
        { ...volumeE, id: `${hostId}-e`, hostId, shadowStorageVolumeId: `${hostId}-e` },
      ]),
    ],
    vms: [...inventory.vms, ...extra.map(({ id, hostId }) => ({ ...sql1, id, name: id, hostId }))],
    virtualDisks: [
      ...inventory.virtualDisks,
      ...extra.flatMap(({ id, hostId }, n) => [
        { ...os, id: `${id}-os`, vmId: id, name: `${id}-os`, hostVolumeId: `${hostId}-d` },
        {
          ...data,
          id: `${id}-data`,
          vmId: id,
          name: `${id}-data`,
          hostVolumeId: `${hostId}-${n % 2 ? 'd' : 'e'}`,
        },
      ]),
    ],
  };
}

function backupOf(vmIds: string[]): BackupPlanRequest {
  return { scope: { kind: 'vms', vmIds }, consistencyPolicy: 'fallback', passthroughPolicy: 'skip' };
}

/** Replays the event log in id (= commit) order: a lock is never granted while another holds it. */
function checkLocksNeverOverlap(events: OperationEvent[]): Map<string, number> {
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
  return finished;
}

/** Median and 90th percentile of some durations (ms), rounded. */
function spread(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return `median ${at(0.5)} ms, p90 ${at(0.9)} ms (${sorted.length})`;
}

/**
 * Where the run's time went, from the event log's timestamps (each written by the process that did
 * the work): printed so a run's figures can be compared with docs/BENCHMARKS.md's, never asserted.
 */
function timingsOf(events: OperationEvent[], wallMs: number): string {
  const time = (event: OperationEvent) => new Date(event.at).getTime();
  const queuedAt = new Map<string, number>();
  const startedAt = new Map<string, number>();
  const stepStartedAt = new Map<string, number>();
  const waiting: number[] = [];
  const running: number[] = [];
  const steps: number[] = [];
  for (const event of events) {
    const at = time(event);
    const id = event.operationId;
    if (event.type === 'operation.queued') queuedAt.set(id, at);
    else if (event.type === 'operation.started') {
      startedAt.set(id, at);
      waiting.push(at - (queuedAt.get(id) ?? at));
    } else if (event.type === 'operation.finished') running.push(at - (startedAt.get(id) ?? at));
    else if (event.type === 'step.started') {
      stepStartedAt.set(id, at);
    } else if (event.type === 'step.finished') {
      steps.push(at - (stepStartedAt.get(id) ?? at));
    }
  }
  const first = Math.min(...queuedAt.values());
  const last = Math.max(...events.filter((event) => event.type === 'operation.finished').map(time));
  const perOperation = (ms: number) => Math.round(ms / Math.max(1, running.length));
  return [
    `${running.length} operations: ${Math.round(wallMs / 1000)} s with start-up (${perOperation(wallMs)} ms each), ` +
      `${Math.round((last - first) / 1000)} s from the first enqueue to the last end (${perOperation(last - first)} ms each)`,
    `queued to started: ${spread(waiting)}`,
    `started to finished: ${spread(running)}`,
    `a step, claimed to recorded: ${spread(steps)}`,
  ].join('\n');
}

describe.skipIf(!postgres || postgres.skip !== null)(
  'two web nodes and three workers on one PostgreSQL',
  () => {
    it(`run ${OPERATIONS.toLocaleString('en')} conflicting backups exactly once, without overlap, through worker kills, streamed to both nodes`, async () => {
      const runStartedAt = Date.now();
      h = await createHarness({ dialect: postgres, inventory: widerEstate });
      const harness = h;
      const url = await postgres?.url?.();
      if (!url) throw new Error('no database URL for the processes');
      const random = seededRandom(20261130);
      const vmIds = harness.index.inventory.vms
        .map((vm) => vm.id)
        .filter((id) => id !== 'fs1' && id !== 'app1');

      // Web node A first (it creates the demo admin), then B; one session serves both.
      const nodeA = await startWebNode('webA', url, harness.root);
      const nodeB = await startWebNode('webB', url, harness.root);
      const cookie = await signIn(nodeA);
      const apis = [apiOf(nodeA, cookie), apiOf(nodeB, cookie)];
      const streams = [await watchEverything(nodeA, cookie), await watchEverything(nodeB, cookie)];

      let workerCount = 0;
      const workers = new Map<string, ChildProcess>();
      const addWorker = () => {
        const name = `w${++workerCount}`;
        workers.set(name, spawnWorker(name, url, harness.root));
      };
      for (let n = 0; n < 3; n++) addWorker();
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      sessionWatcher = admin;

      const ids: string[] = [];
      const scopes = new Map<string, string[]>();
      const enqueue = async (n: number) => {
        if (n % THROUGH_THE_API_EVERY === 0) {
          const vmId = pick(random, vmIds);
          const api = apis[(n / THROUGH_THE_API_EVERY) % 2] as (typeof apis)[0];
          const started = await api.operations.backupVm.mutate({ vmId });
          ids.push(started.operationId);
          scopes.set(started.operationId, [vmId]);
          return;
        }
        const scope = [
          ...new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(random, vmIds))),
        ];
        // Enqueued at the wall clock's time, as the web nodes enqueue: the timings below compare them.
        const operation = await harness.enqueueBackup(backupOf(scope), { now: new Date() });
        ids.push(operation.id);
        scopes.set(operation.id, scope);
      };

      // Kill a worker that holds a lease each time this many operations have ended, and replace it.
      // The moments fall in the first two thirds, leaving time for a kill that caught its worker
      // between steps (it counts for nothing) to be followed by one that does.
      const killAt = Array.from({ length: KILLS }, () =>
        Math.floor(OPERATIONS * (0.1 + random() * 0.5)),
      ).sort((a, b) => a - b);
      const victims: string[] = [];
      const deadline = Date.now() + 1_500_000;
      // A final status never changes: only the operations not yet ended are asked about again.
      const endedIds = new Set<string>();
      for (;;) {
        const statuses = await harness.stores.operations.statusesOf(ids.filter((id) => !endedIds.has(id)));
        for (const [id, status] of statuses) if (isFinalOperationStatus(status)) endedIds.add(id);
        const running = ids.filter((id) => statuses.get(id) === 'running');
        const ended = endedIds.size;
        // Work arrives while the workers run, BACKLOG operations ahead of them: enough that every
        // worker always finds some and conflicting ones wait on each other, as in a backup window.
        while (ids.length < OPERATIONS && ids.length - ended < BACKLOG) await enqueue(ids.length);
        if (ended === OPERATIONS) break;
        if (Date.now() > deadline) throw new Error(`only ${ended} of ${OPERATIONS} ended in time`);
        if (killAt.length > 0 && ended >= (killAt[0] as number)) {
          const leased = await Promise.all(running.map((id) => harness.stores.operations.get(id)));
          const owner = leased.find(
            (operation) => operation?.leaseOwner && workers.has(operation.leaseOwner),
          )?.leaseOwner;
          const worker = owner ? workers.get(owner) : undefined;
          if (owner && worker) {
            worker.kill('SIGKILL');
            await new Promise((resolve) => worker.once('exit', resolve));
            workers.delete(owner);
            await sessionsEnded(admin, owner);
            // What it held when it died: it may have finished what it held a moment before, and then
            // the kill counts for nothing and the next worker holding a lease is killed.
            const afterDeath = await Promise.all(running.map((id) => harness.stores.operations.get(id)));
            const held = afterDeath.filter((operation) => operation?.leaseOwner === owner);
            victims.push(...held.map((operation) => operation?.id as string));
            if (held.length > 0) killAt.shift();
            addWorker();
          }
        }
        await pause(50);
      }

      const done = await harness.waitForFinal(ids, 60_000);
      // A fallback backup may end 'succeeded with warnings' (legacy1: saved state, not quiesced).
      const notSucceeded = done.filter((operation) => !operation.status.startsWith('succeeded'));
      expect(notSucceeded.map((operation) => `${operation.id}: ${operation.status}`)).toEqual([]);
      expect(victims.length).toBeGreaterThanOrEqual(KILLS);

      const events: OperationEvent[] = [];
      for (let after = 0; ; ) {
        const page = await harness.stores.operations.readEventsAfter({ afterId: after, limit: 5000 });
        events.push(...page);
        if (page.length < 5000) break;
        after = page.at(-1)?.id ?? after;
      }
      console.info(
        `scale-out proof\n${timingsOf(events, Date.now() - runStartedAt)}\nload ${loadavg()
          .map((load) => load.toFixed(1))
          .join(' ')}`,
      );
      const finished = checkLocksNeverOverlap(events);
      expect(ids.filter((id) => finished.get(id) !== 1)).toEqual([]);
      for (const victim of victims) {
        expect(
          events.some((event) => event.type === 'operation.recovered' && event.operationId === victim),
          `${victim}, held by a killed worker, was recovered by another`,
        ).toBe(true);
      }
      for (const id of ids) {
        const catalogued = await harness.stores.restorePoints.vmIdsCataloguedBy(id);
        expect(catalogued, `points of ${id}`).toEqual([...(scopes.get(id) ?? [])].sort());
      }
      expect(await harness.stores.operations.findLeakedLocks()).toEqual([]);

      // Both web nodes streamed the whole run, in commit order, though neither ran a step of it.
      const lastId = events.at(-1)?.id ?? 0;
      for (const stream of streams) {
        await stream.until(lastId, 30_000);
        await stream.stop();
        expect(stream.events.map((event) => event.id)).toEqual(events.map((event) => event.id));
      }
    }, 1_800_000);
  },
);
