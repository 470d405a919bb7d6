/**
 * Cross-node wake-ups for the event relay: every transaction that appends operation events sends
 * `pg_notify` on one channel (transaction.ts), delivered at commit. A node LISTENs on a connection
 * of its own and reads the new events from the table when told, instead of waiting for its next
 * poll. A notification carries no event: the table stays the one source (resumable by id), so a
 * notification lost while the connection was down costs nothing but latency.
 *
 * A lost connection (the server restarted, a network cut, the backend terminated) is retried with
 * exponential backoff; after each reconnect the listener is called once, because events committed
 * while nobody listened were announced to no one.
 */
import type pg from 'pg';
import { EVENTS_CHANNEL } from './transaction';

export interface ListenOptions {
  /** First reconnect delay (ms); doubled after each failed attempt up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Told each time the connection listens (first and after every reconnect). */
  onListening?: () => void;
  /** Told about each lost connection and failed reconnect (the relay logs them). */
  onConnectionError?: (error: unknown, nextAttemptInMs: number) => void;
}

/**
 * Calls `onNewEvents` soon after any process commits operation events (or, with `channel`
 * WORK_CHANNEL, work for a worker); returns stop().
 */
export function listenForNewEvents(
  pool: pg.Pool,
  onNewEvents: () => void,
  options: ListenOptions = {},
  channel: string = EVENTS_CHANNEL,
): () => void {
  const firstDelay = options.retryDelayMs ?? 250;
  const maxDelay = options.maxRetryDelayMs ?? 10_000;
  let stopped = false;
  let client: pg.PoolClient | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let delay = firstDelay;

  const drop = (broken: boolean) => {
    const current = client;
    client = null;
    current?.removeAllListeners('notification');
    current?.removeAllListeners('error');
    // A broken connection must not go back to the pool; a healthy one stops listening first.
    current?.release(broken ? true : undefined);
  };

  const scheduleReconnect = (error: unknown) => {
    if (stopped || retry) return;
    drop(true);
    options.onConnectionError?.(error, delay);
    retry = setTimeout(() => {
      retry = null;
      void connect(true);
    }, delay);
    retry.unref?.();
    delay = Math.min(delay * 2, maxDelay);
  };

  async function connect(isReconnect: boolean): Promise<void> {
    try {
      const connection = await pool.connect();
      if (stopped) {
        connection.release();
        return;
      }
      client = connection;
      connection.on('notification', (message) => {
        if (message.channel === channel) onNewEvents();
      });
      connection.on('error', scheduleReconnect);
      await connection.query(`LISTEN ${channel}`);
      delay = firstDelay;
      options.onListening?.();
      if (isReconnect) onNewEvents();
    } catch (error) {
      scheduleReconnect(error);
    }
  }

  void connect(false);
  return () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    const current = client;
    if (current) {
      void current
        .query(`UNLISTEN ${channel}`)
        .catch(() => undefined)
        .finally(() => {
          if (client === current) drop(false);
        });
    }
  };
}
