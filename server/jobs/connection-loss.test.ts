/**
 * A lost database connection never costs the worker its step nor leaves one half-claimed (issue 12
 * §2). The worker's PostgreSQL pool goes through a TCP proxy on loopback that the test cuts: every
 * open connection is dropped and new ones are refused until it is restored, as when the database
 * server restarts or the network between a worker and it fails. Or it drops one connection
 * between a COMMIT and its answer: a claim that landed unseen, whose step nobody runs, is recovered
 * once its lease expires, by the worker itself as by any other. The real local PostgreSQL is
 * behind the proxy; an observer reads it directly. The lease timer and the pauses between retries
 * are driven by hand (manualTimers), the lease's expiry by the harness clock: nothing sleeps.
 */
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openPgDatabase, type PgDatabase } from '../../db/pg/client';
import { truncateAll } from '../../db/pg/test-database';
import { isConnectionLost } from '../../db/stores/busy-error';
import { type StoreDialect, storeDialects } from '../../db/stores/contract/dialects';
import type { Stores } from '../../db/stores/ports';
import { createPgStores } from '../../db/stores/postgres';
import { isFinalOperationStatus } from '../engine/statuses';
import { logger } from '../logger';
import { rowsOf } from '../test-rows';
import { createHarness, type Harness } from './test-harness';
import { MAX_REFUSED_PASS_DELAY_MS, refusedPassDelay } from './worker';
import {
  arrayBackup,
  LEASE_MS,
  manualWorker,
  tickUntilSnapshotWaits,
  warningsAbout,
} from './worker-test-support';

/** A COMMIT sent by node-postgres, as a simple query or a statement to parse (NUL-terminated). */
const COMMIT = /commit\0/i;
/** PostgreSQL's ReadyForQuery message: it ends every answer, a COMMIT's after the commit is durable. */
const READY_FOR_QUERY = Buffer.from([0x5a, 0, 0, 0, 5]);

/**
 * A loopback TCP proxy to PostgreSQL that the test can cut (drop every connection, refuse new ones),
 * or make lose one answer: the next COMMIT reaches the server and commits, and its connection is
 * dropped before the answer reaches the client.
 */
async function startCuttableProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  let isCut = false;
  let onCommitAnswerLost: (() => void) | null = null;
  const server = net.createServer((client) => {
    if (isCut) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', close);
      socket.on('close', close);
    }
    let answerLost: (() => void) | null = null;
    client.on('data', (chunk: Buffer) => {
      if (onCommitAnswerLost && COMMIT.test(chunk.toString('latin1'))) {
        answerLost = onCommitAnswerLost;
        onCommitAnswerLost = null;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!answerLost) client.write(chunk);
      else if (chunk.includes(READY_FOR_QUERY)) {
        close();
        answerLost();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    cut() {
      isCut = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      isCut = false;
    },
    /** The next COMMIT lands and its answer is lost; resolves once its connection is dropped. */
    loseAnswerToNextCommit: () =>
      new Promise<void>((resolve) => {
        onCommitAnswerLost = resolve;
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Awaits database round trips (no timers) until `check` holds; fails after `tries`. */
async function eventually(check: () => Promise<boolean>, what: string, tries = 500): Promise<void> {
  for (let n = 0; n < tries; n++) if (await check()) return;
  throw new Error(`never: ${what}`);
}

/** The warnings logged about the database. */
const databaseWarnings = (warn: { mock: { calls: unknown[][] } }) => warningsAbout(warn, 'database');

const dialects = await storeDialects('connloss');
const postgres = dialects.find((dialect) => dialect.name === 'PostgreSQL') as StoreDialect;

describe('refusedPassDelay: a worker whose passes the database refuses waits longer each time, up to a bound', () => {
  it.each([
    { pollMs: 500, refused: 0, delay: 500, why: 'a pass that went through: the usual poll' },
    { pollMs: 500, refused: 1, delay: 500, why: 'the first refusal: the usual poll' },
    { pollMs: 500, refused: 3, delay: 2_000, why: 'doubled after each refusal' },
    { pollMs: 20, refused: 1, delay: 250, why: 'a fast poll still waits a quarter second' },
    { pollMs: 500, refused: 30, delay: MAX_REFUSED_PASS_DELAY_MS, why: 'never longer than the bound' },
  ])('$why', ({ pollMs, refused, delay }) => {
    expect(refusedPassDelay(pollMs, refused)).toBe(delay);
  });
});

describe.skipIf(postgres.skip !== null)('worker on PostgreSQL: a lost connection is retried', () => {
  let h: Harness;
  let proxy: Awaited<ReturnType<typeof startCuttableProxy>>;
  let observer: PgDatabase;
  let seen: Stores;

  beforeEach(async () => {
    const url = await postgres.url?.();
    if (!url) throw new Error('no database URL');
    proxy = await startCuttableProxy(new URL(url));
    // The harness's stores (the worker's) go through the proxy; the observer does not.
    const proxied: StoreDialect = {
      name: 'PostgreSQL',
      skip: null,
      async open(options = {}) {
        const pg = await openPgDatabase(proxy.url, {
          skipMigrations: true,
          maxConnections: options.maxConnections ?? 5,
        });
        await truncateAll(pg);
        return { dialect: 'postgres', pg, stores: createPgStores(pg.db), close: () => pg.close() };
      },
    };
    h = await createHarness({ dialect: proxied });
    observer = await openPgDatabase(url, { skipMigrations: true, maxConnections: 2 });
    seen = createPgStores(observer.db);
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    proxy.restore();
    await h.close();
    await observer.close();
    await proxy.close();
  });

  it('recognises what node-postgres says when the connection is gone', async () => {
    proxy.cut();
    const failure = await h.stores.operations.get('op-none').catch((error: unknown) => error);
    expect(isConnectionLost(failure)).toBe(true);
    proxy.restore();
    expect(await h.stores.operations.get('op-none')).toBeNull();
  });

  it('a renewal and a completion that lose the connection are retried, and the backup succeeds once', async () => {
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const { worker, manual, errors } = manualWorker(h);
    const op = await h.enqueueBackup(arrayBackup);
    const { inFlight, snapshot } = await tickUntilSnapshotWaits(h, worker);
    const claimedLease = (await seen.operations.get(op.id))?.leaseExpiresAt;

    // The network to the database fails while the snapshot runs; the renewal due 5 s later fails.
    proxy.cut();
    h.clock.advance(5_000);
    manual.beat();
    const first = await manual.nextPause();
    expect(first.ms).toBe(100);
    // Not read as a lost lease: the step is still in flight and the operation still ours.
    expect(await seen.operations.get(op.id)).toMatchObject({ status: 'running', leaseOwner: 'me' });
    // Still cut: the retry fails too and waits longer.
    h.clock.advance(2_000);
    first.resume();
    const second = await manual.nextPause();
    expect(second.ms).toBe(200);

    // The network is back: the retry reconnects and extends the lease from now.
    proxy.restore();
    h.clock.advance(1_000);
    second.resume();
    const renewedTo = new Date(h.clock.now().getTime() + LEASE_MS);
    await eventually(
      async () => (await seen.operations.get(op.id))?.leaseExpiresAt?.getTime() === renewedTo.getTime(),
      'the lease renewed after the reconnect',
    );
    expect(renewedTo.getTime()).toBeGreaterThan(claimedLease?.getTime() ?? 0);

    // The step ends while the connection is cut again: its completion waits, then lands once.
    proxy.cut();
    snapshot.release();
    const third = await manual.nextPause();
    const steps = await seen.operations.steps(op.id);
    expect(steps.find((step) => step.kind === 'array-snapshot')?.status).toBe('running');
    proxy.restore();
    third.resume();
    // Pauses asked for log lines that failed meanwhile resume too.
    let settled = false;
    void inFlight.finally(() => {
      settled = true;
    });
    while (!settled) {
      if (manual.pending() > 0) (await manual.nextPause()).resume();
      else await Promise.race([inFlight, manual.nextPause().then((pause) => pause.resume())]);
    }
    const after = await seen.operations.steps(op.id);
    expect(after.find((step) => step.kind === 'array-snapshot')).toMatchObject({
      status: 'succeeded',
      attempts: 1,
    });

    const [done] = await h.tickUntilFinal(worker, [op.id]);
    expect(done).toMatchObject({ status: 'succeeded', attempt: 0 });
    const events = await seen.operations.readEventsAfter({ operationId: op.id, limit: 5000 });
    expect(events.some((event) => event.type === 'operation.recovered')).toBe(false);
    expect(events.filter((event) => event.type === 'operation.finished')).toHaveLength(1);
    expect(errors).toEqual([]);
    expect(databaseWarnings(warn)).toEqual(
      expect.arrayContaining([
        'lease renewal refused: the database connection was lost; retrying',
        'step completion refused: the database connection was lost; retrying',
      ]),
    );
  });

  it('a pass while the connection is cut claims nothing, is a warning, and the next pass claims', async () => {
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const { worker, errors } = manualWorker(h);
    const op = await h.enqueueBackup(arrayBackup);
    proxy.cut();
    await worker.tick();
    expect(await seen.operations.get(op.id)).toMatchObject({ status: 'queued', leaseOwner: null });
    expect(await seen.operations.steps(op.id)).not.toContainEqual(
      expect.objectContaining({ status: 'running' }),
    );
    expect(databaseWarnings(warn)).toEqual(['worker pass refused: the database connection was lost']);
    proxy.restore();
    const [done] = await h.tickUntilFinal(worker, [op.id]);
    expect(done?.status).toBe('succeeded');
    expect(errors).toEqual([]);
  });
  it.each([
    { who: 'the worker itself', rescuer: 'me' },
    { who: 'another worker', rescuer: 'other' },
  ])(
    'a claim whose COMMIT landed but whose answer was lost: $who recovers the step once its lease expires',
    async ({ rescuer }) => {
      const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
      // The worker's first claim commits on the server, and its connection drops before the answer.
      const operations = h.stores.operations;
      let answerLost: Promise<void> | null = null;
      const losingTheClaim: typeof operations = Object.create(operations);
      losingTheClaim.claimNext = (options) => {
        answerLost ??= proxy.loseAnswerToNextCommit();
        return operations.claimNext(options);
      };
      const { worker, errors } = manualWorker(h, { stores: { ...h.stores, operations: losingTheClaim } });
      const op = await h.enqueueBackup(arrayBackup);
      await worker.tick();
      await answerLost;
      expect(databaseWarnings(warn)).toEqual(['worker pass refused: the database connection was lost']);
      // Claimed in the database, run by nobody: the worker has no step in flight.
      expect(worker.activeSteps).toBe(0);
      expect(await seen.operations.get(op.id)).toMatchObject({ status: 'running', leaseOwner: 'me' });
      const [lost] = (await seen.operations.steps(op.id)).filter((step) => step.status === 'running');
      expect(lost).toMatchObject({ attempts: 1 });

      // While the lease lasts, that step is not claimed again nor recovered, by anyone.
      h.clock.advance(LEASE_MS - 1_000);
      const other = manualWorker(h, { workerId: 'other' });
      await worker.tick();
      await other.worker.tick();
      expect(await seen.operations.get(op.id)).toMatchObject({ status: 'running', leaseOwner: 'me' });
      expect((await seen.operations.steps(op.id)).find((step) => step.id === lost?.id)).toMatchObject({
        status: 'running',
        attempts: 1,
      });

      // Expired: recovered, the step run again, and the backup succeeds.
      h.clock.advance(2_000);
      const [done] = await h.tickUntilFinal(rescuer === 'me' ? worker : other.worker, [op.id]);
      expect(done).toMatchObject({ status: 'succeeded', attempt: 1 });
      const events = await seen.operations.readEventsAfter({ operationId: op.id, limit: 5000 });
      expect(events.filter((event) => event.type === 'operation.recovered')).toEqual([
        expect.objectContaining({
          payload: expect.objectContaining({ decision: 'resume', previousOwner: 'me' }),
        }),
      ]);
      // The worker itself knows it did not stop; another can only presume it did.
      const recovered = events.find((event) => event.type === 'operation.recovered');
      expect((recovered?.payload as { reason?: string } | undefined)?.reason).toMatch(
        rescuer === 'me' ? /^worker me lost track of "/ : /^worker me stopped during "/,
      );
      const steps = await seen.operations.steps(op.id);
      expect(steps.find((step) => step.id === lost?.id)).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(steps.every((step) => step.status === 'succeeded')).toBe(true);
      // Nothing left running, no lock left behind.
      const observed = rowsOf({ kind: 'postgres', pg: observer });
      expect((await observed.all('operations')).filter((row) => !isFinalOperationStatus(row.status))).toEqual(
        [],
      );
      expect(await observed.all('locks')).toEqual([]);
      expect([...errors, ...other.errors]).toEqual([]);
    },
  );
});
