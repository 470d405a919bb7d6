/**
 * Session look-ups shared by the live streams of one session, and by the requests of one session
 * (server/auth/session.ts: the library's answer for a session cookie).
 *
 * A live stream asks before every event whether its session still stands (revoked, expired, user
 * disabled or role changed: the stream ends). Asked per stream, one operation event sent to 500
 * open tabs of one session cost 500 look-ups through the authentication library; under a burst of
 * events the streams fell minutes behind and piled events up in memory (the bench's SSE scenario
 * counted them lost). Here the streams of one session share one look-up: a look-up in flight is
 * joined, and an answer is reused for at most `maxAgeMs`, unless a session or user changed in this
 * process since (a session revoked, a user disabled or given a new role, through the account directory): then the
 * next question looks again at once. A change made by another process (the command line) is seen
 * within `maxAgeMs` — tighter than a quiet stream's recheck (SESSION_RECHECK_MS).
 *
 * Requests: under load one session sends many requests a second, and the library's own look-up
 * (signature, session and user rows, its endpoint machinery) was a tenth of each request's CPU;
 * within the window they share one, with the same rule for changes.
 *
 * What is cached is what the store said (the session and its user, or nothing); expiry and role
 * are judged by the caller on every question, against its own clock.
 */

export interface SessionChecks<T> {
  /**
   * The answer of `lookUp` for this token, shared with every other caller within the window. An
   * answer `keep` refuses is shared only while it is in flight, then asked again by the next caller.
   */
  lookUp(token: string, lookUp: () => Promise<T>, options?: { keep?: (answer: T) => boolean }): Promise<T>;
  /** A session or user changed: answers cached before now are not reused. */
  noteChanged(): void;
  /**
   * Calls `listener` after each change noted here (the console's query threads forget their own
   * answers then: server/query-threads). Returns the way to stop.
   */
  onChanged(listener: () => void): () => void;
}

interface Cached<T> {
  answer: Promise<T>;
  askedAt: number;
  generation: number;
}

export function createSessionChecks<T>(options: { maxAgeMs: number; now: () => number }): SessionChecks<T> {
  const byToken = new Map<string, Cached<T>>();
  const listeners = new Set<() => void>();
  let generation = 0;
  const forgetStale = (now: number) => {
    for (const [token, cached] of byToken) {
      if (cached.generation !== generation || now - cached.askedAt >= options.maxAgeMs) byToken.delete(token);
    }
  };
  return {
    lookUp(token, lookUp, { keep } = {}) {
      const now = options.now();
      const cached = byToken.get(token);
      if (cached && cached.generation === generation && now - cached.askedAt < options.maxAgeMs) {
        return cached.answer;
      }
      // One entry per signed-in session at most; the stale ones go when the map grows.
      if (byToken.size >= 1_000) forgetStale(now);
      const answer = lookUp();
      const entry: Cached<T> = { answer, askedAt: now, generation };
      byToken.set(token, entry);
      const forget = () => {
        if (byToken.get(token) === entry) byToken.delete(token);
      };
      // A failed look-up is not an answer: the next question asks again.
      answer.then((found) => {
        if (keep && !keep(found)) forget();
      }, forget);
      return answer;
    },
    noteChanged() {
      generation += 1;
      byToken.clear();
      for (const listener of listeners) listener();
    },
    onChanged(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** How long a live stream's session answer is reused by the other streams of the session. */
export const SESSION_CHECK_MAX_AGE_MS = 1_000;

/**
 * The process-wide instance (on globalThis, like the operation event bus: route bundles may load
 * this module more than once, and a change noted by one must reach the streams of all).
 */
export function processSessionChecks<T>(): SessionChecks<T> {
  const holder = globalThis as typeof globalThis & { __migawkaSessionChecks?: SessionChecks<unknown> };
  holder.__migawkaSessionChecks ??= createSessionChecks<unknown>({
    maxAgeMs: SESSION_CHECK_MAX_AGE_MS,
    now: () => Date.now(),
  });
  return holder.__migawkaSessionChecks as SessionChecks<T>;
}
