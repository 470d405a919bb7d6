/** The messages between the console's main thread (pool.ts) and a query thread (thread.ts). */

/** A request to answer: a GET of the tRPC endpoint, with the headers the main thread settled. */
export interface QueryRequestMessage {
  kind: 'request';
  id: number;
  url: string;
  headers: [string, string][];
}

/**
 * A session was revoked or a user changed on the main thread: the thread forgets its shared session
 * answers. Sent on the port the requests take, so every request sent after it is judged afresh.
 */
export interface SessionsChangedMessage {
  kind: 'sessions-changed';
}

export type ToQueryThreadMessage = QueryRequestMessage | SessionsChangedMessage;

/** The endpoint's answer, its body whole (gzipped when the request accepted it). */
export interface QueryAnswerMessage {
  kind: 'answer';
  id: number;
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

/** The thread could not answer (the endpoint threw): the main thread answers it instead. */
export interface QueryUnansweredMessage {
  kind: 'unanswered';
  id: number;
  message: string;
}

/** The thread opened its database and serves; or could not, and says why. */
export type QueryThreadStartMessage = { kind: 'ready' } | { kind: 'failed'; message: string };

export type QueryThreadMessage = QueryAnswerMessage | QueryUnansweredMessage | QueryThreadStartMessage;
