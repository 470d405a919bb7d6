/**
 * Which tRPC requests a query thread may answer, and which lane answers the next one.
 *
 * A query thread (thread.ts) has its own database connection and its own copy of the server's
 * modules, and shares nothing else with the main thread: no operation event bus, no worker, no lab
 * drivers, no in-process registry. So it answers only the estate's reads, whose answer is a
 * function of the database alone; everything else (mutations, live events, the lab, accounts,
 * approvals, secrets, anything that may one day read in-process state) stays on the main thread.
 * A request whose calls are not all on the list is answered by the main thread whole.
 */
const THREADABLE_PROCEDURES: ReadonlySet<string> = new Set([
  'vms.list',
  'vms.count',
  'vms.get',
  'hosts.list',
  'hosts.count',
  'hosts.get',
  'hosts.staleFacts',
  'volumes.list',
  'volumes.count',
  'volumes.get',
  'arrays.list',
  'arrays.count',
  'arrays.get',
  'findings.list',
  'restorePoints.list',
  'protection.vms',
  'operations.list',
  'search.estate',
]);

const TRPC_PREFIX = '/api/trpc/';

/** True when every call of this request (a GET: queries only) is one a query thread may answer. */
export function isForQueryThreads(method: string | undefined, url: string | undefined): boolean {
  if (method !== 'GET' || !url?.startsWith(TRPC_PREFIX)) return false;
  const query = url.indexOf('?');
  const paths = url.slice(TRPC_PREFIX.length, query === -1 ? undefined : query);
  if (paths.length === 0) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(paths);
  } catch {
    // A malformed path is the main thread's to refuse, with tRPC's own error.
    return false;
  }
  for (const procedure of decoded.split(',')) {
    if (!THREADABLE_PROCEDURES.has(procedure)) return false;
  }
  return true;
}

/** The lane of the next request: the main thread (-1) or a query thread's index. */
export const MAIN_LANE = -1;

/**
 * Past this many requests in flight on every thread, the main thread answers too: a thread that
 * is stuck on a long read must not hold the requests queued behind it.
 */
export const THREAD_BACKLOG = 64;

/** The main thread's share of the threadable requests, kept across them (pickLane). */
export interface LaneShare {
  /**
   * What the main thread is owed, in requests: each threadable request adds one, each one the
   * main thread answers takes 2n + 1 (n threads). Never below -(2n + 1).
   */
  mainCredit: number;
}

export function newLaneShare(): LaneShare {
  return { mainCredit: 0 };
}

/**
 * The lane of the next threadable request; `share` is updated. One that arrives alone (nothing in
 * flight on any lane) is the main thread's: handing it over would only add the two threads'
 * wake-ups (at one connection a thread cost 4.0 ms of CPU a request against 3.0 on the main thread
 * alone). Otherwise the main thread answers when it is owed a request, and the others go to the
 * thread with the fewest in flight (the first such); when every thread is backed up, the main
 * thread answers.
 *
 * The main thread answers one request in 2n + 1, counting those it answered alone or because the
 * threads were backed up: under load, a burst often finds nothing in flight (the main thread wrote
 * every answer of the last burst before it read the next one), and with a share by turn that came
 * on top (the main thread answered half the requests at 32 connections, the thread sat half idle;
 * docs/BENCHMARKS.md). The main thread also parses and writes every request and serves the pages
 * (~0.4 ms of a list page's ~1.4 ms), so with one thread it answering a third of them leaves both
 * threads equally busy. Requests in flight cannot balance the two: a thread's answers wait in the
 * busy main thread's queue and count as in flight there, so the main thread always looked the
 * less loaded and took almost every request.
 */
export function pickLane(share: LaneShare, mainInFlight: number, threadLoads: readonly number[]): number {
  if (threadLoads.length === 0) return MAIN_LANE;
  let lane = 0;
  let inFlight = mainInFlight + threadLoads[0];
  for (let i = 1; i < threadLoads.length; i++) {
    inFlight += threadLoads[i];
    if (threadLoads[i] < threadLoads[lane]) lane = i;
  }
  const price = 2 * threadLoads.length + 1;
  share.mainCredit += 1;
  const isMains = inFlight === 0 || share.mainCredit >= price || threadLoads[lane] >= THREAD_BACKLOG;
  if (!isMains) return lane;
  // A run of requests arriving alone (one connection) leaves no debt that would keep the main
  // thread from its share once they overlap.
  share.mainCredit = Math.max(share.mainCredit - price, -price);
  return MAIN_LANE;
}
