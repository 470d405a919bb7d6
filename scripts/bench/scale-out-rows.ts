/**
 * The scale-out scenario's arithmetic, kept pure so it is unit-tested: each round's throughput
 * (steps — claim + complete — and operations finished per second of the round), its per-step
 * median and p95 over every worker's steps, and the rows that put PostgreSQL beside SQLite.
 *
 * What each row's ratio means (docs/BENCHMARKS.md):
 * - throughput (steps/s): to the same store's 1-worker round: how the store scales out;
 * - per step (ms) and list pages (ms): PostgreSQL's to SQLite's for the same work, 1 = as fast.
 */
import type { Row } from './report';
import { type Summary, summarize, type Target } from './stats';

export type StoreName = 'SQLite' | 'PostgreSQL';

/** One round: `workers` processes claiming and completing steps on one store at once. */
export interface ClaimRound {
  store: StoreName;
  workers: number;
  /** From 'go' to the last worker's report. */
  elapsedMs: number;
  /** Operations that finished during the round. */
  operations: number;
  /** Every worker's steps (claim + complete), in milliseconds. */
  stepMs: number[];
  /** Claims that found nothing runnable. */
  emptyClaims: number;
  /** Calls refused because the database was busy (repeated by the worker). */
  busyRetries: number;
  /** Operations still queued or waiting after the round: 0 means the round ran out of work. */
  queuedAfter: number;
}

/** count per second of `elapsedMs`; NaN when nothing was timed. */
export function perSecond(count: number, elapsedMs: number): number {
  return elapsedMs > 0 && Number.isFinite(elapsedMs) ? (count * 1000) / elapsedMs : Number.NaN;
}

const single = (value: number, count: number): Summary => ({ median: value, p95: Number.NaN, count });
const workersOf = (n: number) => `${n} worker${n === 1 ? '' : 's'}`;

function figure(value: number): string {
  return Number.isFinite(value) ? value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2) : '—';
}

/**
 * Throughput counts steps (one claim + one completion each): the queue's backups differ in size (a
 * VM on the shared volume brings its 100 neighbours' steps), so the operations finished in a short
 * round say more about which operations came up than about the store; they are in the note.
 */
function throughputRow(round: ClaimRound, oneWorker: ClaimRound | undefined, target?: Target): Row {
  const steps = round.stepMs.length;
  const step = summarize(round.stepMs);
  const isScaled = oneWorker !== undefined && oneWorker !== round;
  const notes = [
    `${steps} steps and ${round.operations} operations finished (${figure(perSecond(round.operations, round.elapsedMs))}/s) in ${(round.elapsedMs / 1000).toFixed(1)} s`,
    `per step ${figure(step.median)} ms median, ${figure(step.p95)} ms p95`,
    round.emptyClaims > 0 ? `${round.emptyClaims} claims found nothing` : '',
    round.busyRetries > 0 ? `${round.busyRetries} busy retries` : '',
    round.queuedAfter === 0 ? 'the queue ran dry' : '',
    isScaled ? `floor: 1 worker on ${round.store}` : '',
  ];
  return {
    scenario: `claims, ${workersOf(round.workers)}, ${round.store}: claim + complete per second`,
    unit: 'steps/s',
    value: single(perSecond(steps, round.elapsedMs), steps),
    floor: isScaled
      ? single(perSecond(oneWorker.stepMs.length, oneWorker.elapsedMs), oneWorker.stepMs.length)
      : undefined,
    target,
    note: notes.filter(Boolean).join('; '),
  };
}

function stepRow(round: ClaimRound, sqlite: ClaimRound | undefined): Row {
  const isBeside = round.store === 'PostgreSQL' && sqlite !== undefined;
  return {
    scenario: `claims, ${workersOf(round.workers)}, ${round.store}: claim + complete per step`,
    unit: 'ms',
    value: summarize(round.stepMs),
    floor: isBeside ? summarize(sqlite.stepMs) : undefined,
    note: isBeside ? `floor: ${workersOf(round.workers)} on SQLite` : undefined,
  };
}

/**
 * Per worker count, SQLite's round then PostgreSQL's: throughput rows (ratio to the store's own
 * 1-worker round) and per-step rows (PostgreSQL's ratio to SQLite's). `targets` bounds the
 * throughput ratio of a store at a worker count ("PostgreSQL:2").
 */
export function claimRoundRows(
  rounds: readonly ClaimRound[],
  targets: Partial<Record<`${StoreName}:${number}`, Target>> = {},
): Row[] {
  const find = (store: StoreName, workers: number) =>
    rounds.find((round) => round.store === store && round.workers === workers);
  const counts = [...new Set(rounds.map((round) => round.workers))].sort((a, b) => a - b);
  const rows: Row[] = [];
  for (const workers of counts) {
    for (const store of ['SQLite', 'PostgreSQL'] as const) {
      const round = find(store, workers);
      if (round) rows.push(throughputRow(round, find(store, 1), targets[`${store}:${workers}`]));
    }
    for (const store of ['SQLite', 'PostgreSQL'] as const) {
      const round = find(store, workers);
      if (round) rows.push(stepRow(round, find('SQLite', workers)));
    }
  }
  return rows;
}

/** A list page on both stores, measured interleaved: SQLite's row, then PostgreSQL's beside it. */
export function listPageRows(
  name: string,
  samples: { sqlite: number[]; postgres: number[] },
  note?: string,
): Row[] {
  const sqlite = summarize(samples.sqlite);
  return [
    { scenario: `${name}, router in process, SQLite`, unit: 'ms', value: sqlite, note },
    {
      scenario: `${name}, router in process, PostgreSQL`,
      unit: 'ms',
      value: summarize(samples.postgres),
      floor: sqlite,
      note: note ? `${note}; floor: SQLite` : 'floor: SQLite',
    },
  ];
}
