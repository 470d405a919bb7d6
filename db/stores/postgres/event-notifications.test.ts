/**
 * Cross-node wake-ups on PostgreSQL: a store on one pool (one node) is told when a transaction on
 * another pool (another node) commits operation events, and keeps being told after its listening
 * connection is killed (it reconnects and, once reconnected, asks for a read because anything
 * committed meanwhile was announced to no one).
 *
 * Waiting here is on promises the listener resolves, never on a timer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openPgDatabase, type PgDatabase } from '../../pg/client';
import type { DialectHandle } from '../contract/dialects';
import { storeDialects } from '../contract/dialects';
import { backupPlanOf, T0 } from '../contract/operation-store.contract';
import { createPgStores } from '.';

const postgres = (await storeDialects('notifications')).find((dialect) => dialect.name === 'PostgreSQL');
if (!postgres) throw new Error('the PostgreSQL dialect is missing');

/** A queue of wake-ups: `next()` resolves at the next one (or at once if one is waiting). */
function wakeUps() {
  let waiting = 0;
  let resolveNext: (() => void) | null = null;
  return {
    wake() {
      if (resolveNext) {
        resolveNext();
        resolveNext = null;
      } else waiting++;
    },
    next(): Promise<void> {
      if (waiting > 0) {
        waiting--;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        resolveNext = resolve;
      });
    },
    get pending() {
      return waiting;
    },
  };
}

describe.skipIf(postgres.skip !== null)('event notifications across nodes (LISTEN/NOTIFY)', () => {
  let writer: DialectHandle;
  let reader: PgDatabase;
  let stop: (() => void) | undefined;

  afterEach(async () => {
    stop?.();
    await reader?.close();
    await writer?.close();
  });

  it('wake a node when another commits events, and again after its listening connection is killed', async () => {
    writer = await postgres.open();
    reader = await openPgDatabase(await (postgres.url as () => Promise<string>)(), { skipMigrations: true });
    const store = createPgStores(reader.db).operations;
    const events = wakeUps();
    const listening = wakeUps();
    const lost: unknown[] = [];
    stop = store.watchNewEvents?.(events.wake, {
      retryDelayMs: 1,
      onListening: listening.wake,
      onConnectionError: (error) => lost.push(error),
    });
    expect(stop, 'the PostgreSQL store offers a watch').toBeTypeOf('function');
    await listening.next();

    await writer.stores.operations.enqueue(
      backupPlanOf(['vm1']),
      {},
      { id: 'op-1', now: T0, requestedBy: 'system' },
    );
    await events.next();
    expect(await store.readEventsAfter({ afterId: 0 })).toHaveLength(
      (await writer.stores.operations.readEventsAfter({ afterId: 0 })).length,
    );

    if (writer.dialect !== 'postgres') throw new Error('expected PostgreSQL');
    // Kill the listening connection from the server side, as a restart or a network cut would.
    const killed = await writer.pg.pool.query(
      "select pg_terminate_backend(pid) as done from pg_stat_activity where query = 'LISTEN migawka_operation_events' and datname = current_database()",
    );
    expect(killed.rows).toEqual([{ done: true }]);
    await listening.next();
    expect(lost.length).toBeGreaterThanOrEqual(1);
    // Reconnected: one wake-up to read what was committed while nobody listened.
    await events.next();
    expect(events.pending).toBe(0);

    await writer.stores.operations.enqueue(
      backupPlanOf(['vm2']),
      {},
      { id: 'op-2', now: T0, requestedBy: 'system' },
    );
    await events.next();
    const seen = await store.readEventsAfter({ afterId: 0 });
    expect(seen.map((event) => event.operationId)).toContain('op-2');
  });

  it('wake workers on another node for work (an enqueue), not for a log line or progress', async () => {
    writer = await postgres.open();
    reader = await openPgDatabase(await (postgres.url as () => Promise<string>)(), { skipMigrations: true });
    const store = createPgStores(reader.db).operations;
    const work = wakeUps();
    const listening = wakeUps();
    stop = store.watchWork?.(work.wake, { onListening: listening.wake });
    expect(stop, 'the PostgreSQL store offers a work signal').toBeTypeOf('function');
    await listening.next();

    const enqueue = (id: string, vmId: string) =>
      writer.stores.operations.enqueue(backupPlanOf([vmId]), {}, { id, now: T0, requestedBy: 'system' });
    await enqueue('op-1', 'vm1');
    await work.next();
    // Events, but no work: the events channel is told, the work channel is not.
    await writer.stores.operations.appendEvent(
      'op-1',
      'step.log',
      { stepKey: 'x', level: 'info', message: 'hello' },
      T0,
    );
    await enqueue('op-2', 'vm2');
    // Notifications arrive in commit order: had the log line notified, a second wake-up would wait.
    await work.next();
    expect(work.pending).toBe(0);
  });
});
