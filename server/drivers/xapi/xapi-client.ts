/**
 * A small typed XAPI client: JSON-RPC 2.0 over pinned HTTPS (xapi-transport.ts), answers
 * validated with zod (xapi-records.ts). It keeps one session per pool and follows the pool's
 * rules (CONNECTORS.md §1):
 * - it logs in to the master; a member answers `HOST_IS_SLAVE [master]` and the client moves there;
 * - `SESSION_INVALID` (the pool restarted, the session expired) means one fresh login and a retry;
 * - a password the pool refused is not sent again until it changes: every failed login costs 5 s
 *   on the pool by design, and hammering it would only lock the account's owner out longer;
 * - every call has a deadline (`callWithDeadline`), and a cancel reaches the request in flight;
 * - long calls go through `Async.*`: the task id is stored in the task journal before the client
 *   waits on it, so a restarted worker waits on the same task instead of starting a second one; the
 *   wait follows `event.from` on tasks (no polling timer), reports progress, and on abort asks the
 *   pool to `task.cancel` it.
 * Failures come out as `XapiError` (the pool's code and parameters); the driver maps them to fault
 * codes (xapi-errors.ts) at its boundary, where it knows what was being done.
 */
import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { DriverError } from '../../engine/driver';
import { type CallOptions, callWithDeadline } from '../call';
import { XapiError } from './xapi-errors';
import {
  type EventBatch,
  eventBatchSchema,
  parseTaskResult,
  rpcResponseSchema,
  type TaskRecord,
  taskRecordSchema,
} from './xapi-records';
import {
  type Endpoint,
  endpointFromAddress,
  endpointLabel,
  readText,
  requestPinned,
  type TrustStore,
} from './xapi-transport';

export interface XapiCredentials {
  username: string;
  password: string;
}

/** Where the pool account comes from (the secrets vault in the app; a literal in tests). */
export interface CredentialSource {
  credentials(): Promise<XapiCredentials>;
}

/** Where a long call's task id is kept while the client waits on it (survives a worker restart). */
export interface TaskJournal {
  find(key: string): Promise<string | null>;
  record(key: string, taskRef: string): Promise<void>;
  forget(key: string): Promise<void>;
}

export function memoryTaskJournal(): TaskJournal & { tasks: Map<string, string> } {
  const tasks = new Map<string, string>();
  return {
    tasks,
    find: async (key) => tasks.get(key) ?? null,
    record: async (key, taskRef) => {
      tasks.set(key, taskRef);
    },
    forget: async (key) => {
      tasks.delete(key);
    },
  };
}

export interface XapiClientOptions {
  /** For messages: "xapi pool lab1". */
  label: string;
  /** The configured pool address, `host` or `host:port` (port 443 when absent). */
  address: string;
  credentials: CredentialSource;
  trust: TrustStore;
  journal?: TaskJournal;
}

export interface AsyncCallOptions extends CallOptions {
  /** The task's progress (0..1) as the pool reports it. */
  onProgress?: (fraction: number) => void;
  /** Key under which the task id is journaled; a second call with the same key waits on that task. */
  journalKey?: string;
}

/** How long the long poll of event.from may block on the pool (seconds); the call's deadline adds a margin. */
const EVENT_WAIT_S = 30;
/** Redirections from member to master followed in one login (a pool in the middle of an election). */
const MAX_MASTER_HOPS = 3;
const API_VERSION = '2.21';
const ORIGINATOR = 'migawka';

function sameCredentials(a: XapiCredentials | null, b: XapiCredentials): boolean {
  return a !== null && a.username === b.username && a.password === b.password;
}

export class XapiClient {
  readonly label: string;
  private endpoint: Endpoint;
  private readonly defaultPort: number;
  private session: string | null = null;
  private loggingIn: Promise<string> | null = null;
  private refusedCredentials: XapiCredentials | null = null;
  private requestId = 0;

  constructor(private readonly options: XapiClientOptions) {
    this.label = options.label;
    this.endpoint = endpointFromAddress(options.address, 443);
    this.defaultPort = this.endpoint.port;
  }

  /** The host the client talks to now (the master, once a member redirected it). */
  get master(): Endpoint {
    return this.endpoint;
  }

  get sessionRef(): string | null {
    return this.session;
  }

  /** Calls `method` with the session as first parameter and validates the result with `schema`. */
  call<S extends z.ZodType>(
    method: string,
    params: unknown[],
    schema: S,
    options: CallOptions,
  ): Promise<z.infer<S>> {
    return callWithDeadline(`${this.label} ${method}`, options, async ({ signal }) => {
      const result = await this.withSession(signal, (session) =>
        this.rpc(this.endpoint, method, [session, ...params], signal),
      );
      return this.validate(method, schema, result);
    });
  }

  /**
   * Runs `Async.<method>`, journals the task id before waiting, waits for the task and returns its
   * result (an XML-RPC fragment turned into a string: a ref, or '' for void calls).
   */
  callAsync(method: string, params: unknown[], options: AsyncCallOptions): Promise<string> {
    return callWithDeadline(`${this.label} Async.${method}`, options, async ({ signal }) => {
      const { journal } = this.options;
      const key = options.journalKey;
      if (journal && key) {
        const known = await journal.find(key);
        if (known) {
          const outcome = await this.awaitKnownTask(known, method, signal, options.onProgress);
          if (outcome.found) {
            await journal.forget(key);
            return outcome.result;
          }
          await journal.forget(key); // the pool no longer has it (restarted): start again
        }
      }
      const taskRef = await this.withSession(signal, (session) =>
        this.rpc(this.endpoint, `Async.${method}`, [session, ...params], signal),
      );
      if (typeof taskRef !== 'string') throw this.malformed(`Async.${method}`, 'a task reference');
      if (journal && key) await journal.record(key, taskRef);
      try {
        const result = await this.awaitTask(taskRef, method, signal, options.onProgress);
        if (journal && key) await journal.forget(key);
        return result;
      } catch (error) {
        // The task ended in failure (read and destroyed): a retry must start a new one. A cut-off
        // wait (abort, deadline, lost connection) keeps the entry so the next attempt waits on it.
        if (journal && key && error instanceof XapiError && !signal.aborted) await journal.forget(key);
        throw error;
      }
    });
  }

  private async awaitKnownTask(
    taskRef: string,
    method: string,
    signal: AbortSignal,
    onProgress?: (fraction: number) => void,
  ): Promise<{ found: true; result: string } | { found: false }> {
    try {
      return { found: true, result: await this.awaitTask(taskRef, method, signal, onProgress) };
    } catch (error) {
      if (error instanceof XapiError && error.code === 'HANDLE_INVALID') return { found: false };
      throw error;
    }
  }

  /** Waits on a task through event.from; on abort asks the pool to cancel it, then rethrows. */
  private async awaitTask(
    taskRef: string,
    method: string,
    signal: AbortSignal,
    onProgress?: (fraction: number) => void,
  ): Promise<string> {
    try {
      let record = await this.taskRecord(taskRef, signal);
      let token = '';
      onProgress?.(record.progress);
      while (record.status === 'pending' || record.status === 'cancelling') {
        const batch = await this.eventsFrom(['task'], token, signal);
        token = batch.token;
        for (const event of batch.events) {
          if (event.ref !== taskRef) continue;
          if (event.operation === 'del') throw new XapiError('HANDLE_INVALID', ['task', taskRef], method);
          const previous = record.progress;
          record = taskRecordSchema.parse(event.snapshot);
          if (record.status === 'pending' && record.progress !== previous) onProgress?.(record.progress);
        }
      }
      return await this.finishTask(taskRef, record, method, signal);
    } catch (error) {
      if (signal.aborted) await this.cancelTask(taskRef);
      throw error;
    }
  }

  private async taskRecord(taskRef: string, signal: AbortSignal): Promise<TaskRecord> {
    const result = await this.withSession(signal, (session) =>
      this.rpc(this.endpoint, 'task.get_record', [session, taskRef], signal),
    );
    return this.validate('task.get_record', taskRecordSchema, result);
  }

  private async finishTask(
    taskRef: string,
    record: TaskRecord,
    method: string,
    signal: AbortSignal,
  ): Promise<string> {
    // The task is ours to destroy once read: the pool keeps finished tasks until someone does.
    await this.withSession(signal, (session) =>
      this.rpc(this.endpoint, 'task.destroy', [session, taskRef], signal),
    ).catch(() => undefined);
    if (record.status === 'success') return parseTaskResult(record.result);
    if (record.status === 'cancelled') throw new XapiError('TASK_CANCELLED', [taskRef], method);
    const [code = 'INTERNAL_ERROR', ...params] = record.error_info;
    throw new XapiError(code, params, method);
  }

  /** Best effort, on its own short deadline: the caller's signal is already aborted. */
  private async cancelTask(taskRef: string): Promise<void> {
    const signal = AbortSignal.timeout(10_000);
    await this.withSession(signal, (session) =>
      this.rpc(this.endpoint, 'task.cancel', [session, taskRef], signal),
    ).catch(() => undefined);
  }

  /**
   * One event.from long poll: blocks on the pool until something changes or EVENT_WAIT_S pass.
   * `afterLostSession: 'throw'` hands a SESSION_INVALID to the caller (the session is dropped, the
   * next call logs in) instead of logging in and polling again with a token the pool may no longer
   * know: a watcher resyncs at once rather than after a long poll that may see nothing.
   */
  eventsFrom(
    classes: string[],
    token: string,
    signal: AbortSignal,
    afterLostSession: 'retry' | 'throw' = 'retry',
  ): Promise<EventBatch> {
    return this.withSession(
      signal,
      async (session) =>
        this.validate(
          'event.from',
          eventBatchSchema,
          await this.rpc(this.endpoint, 'event.from', [session, classes, token, EVENT_WAIT_S], signal),
        ),
      afterLostSession,
    );
  }

  /** Streams a disk out of the pool (`/export_raw_vdi`), following the pool's 302 to the host with the SR. */
  async exportVdi(
    vdiRef: string,
    signal: AbortSignal,
  ): Promise<{ body: IncomingMessage; bytes: number | null }> {
    return this.withSession(signal, async (session) => {
      const query = new URLSearchParams({ session_id: session, vdi: vdiRef, format: 'raw' });
      const response = await this.followRedirect(
        { method: 'GET', path: `/export_raw_vdi?${query}` },
        signal,
        '/export_raw_vdi',
      );
      const length = response.headers['content-length'];
      return { body: response, bytes: length === undefined ? null : Number(length) };
    });
  }

  /** Writes a disk's bytes into an existing VDI (`PUT /import_raw_vdi`). */
  async importVdi(
    vdiRef: string,
    bytes: number,
    body: AsyncIterable<Uint8Array>,
    signal: AbortSignal,
  ): Promise<void> {
    await this.withSession(signal, async (session) => {
      const query = new URLSearchParams({ session_id: session, vdi: vdiRef, format: 'raw' });
      const response = await this.followRedirect(
        {
          method: 'PUT',
          path: `/import_raw_vdi?${query}`,
          headers: { 'content-length': bytes, 'content-type': 'application/octet-stream' },
          body,
        },
        signal,
        '/import_raw_vdi',
      );
      await readText(response);
    });
  }

  private async followRedirect(
    request: Parameters<typeof requestPinned>[2],
    signal: AbortSignal,
    what: string,
  ): Promise<IncomingMessage> {
    let endpoint = this.endpoint;
    let path = request.path;
    for (let hop = 0; hop <= MAX_MASTER_HOPS; hop += 1) {
      const response = await requestPinned(endpoint, this.options.trust, { ...request, path }, signal);
      const status = response.statusCode ?? 0;
      if (status === 302 && response.headers.location) {
        response.resume();
        const target = new URL(response.headers.location, `https://${endpointLabel(endpoint)}`);
        endpoint = { host: target.hostname, port: Number(target.port || 443) };
        path = `${target.pathname}${target.search}`;
        continue;
      }
      if (status === 200) return response;
      const text = await readText(response);
      const code = /^[A-Z_]+/.exec(text.trim())?.[0];
      if (status === 401 || status === 403) throw new XapiError('SESSION_INVALID', [], what);
      if (code) throw new XapiError(code, [], what);
      throw new DriverError('host-unreachable', `${this.label} ${what} answered HTTP ${status}`);
    }
    throw new DriverError('host-unreachable', `${this.label} ${what}: too many redirections`);
  }

  /** Runs `work` with a session; on SESSION_INVALID logs in once more and runs it again (or rethrows). */
  private async withSession<T>(
    signal: AbortSignal,
    work: (session: string) => Promise<T>,
    afterLostSession: 'retry' | 'throw' = 'retry',
  ): Promise<T> {
    const session = await this.ensureSession(signal);
    try {
      return await work(session);
    } catch (error) {
      if (!(error instanceof XapiError && error.code === 'SESSION_INVALID')) throw error;
      if (this.session === session) this.session = null;
      if (afterLostSession === 'throw') throw error;
      return work(await this.ensureSession(signal));
    }
  }

  private ensureSession(signal: AbortSignal): Promise<string> {
    if (this.session) return Promise.resolve(this.session);
    // One login at a time: concurrent calls after a restart share it.
    this.loggingIn ??= this.login(signal).finally(() => {
      this.loggingIn = null;
    });
    return this.loggingIn;
  }

  private async login(signal: AbortSignal): Promise<string> {
    const credentials = await this.options.credentials.credentials();
    if (sameCredentials(this.refusedCredentials, credentials)) {
      throw new XapiError(
        'SESSION_AUTHENTICATION_FAILED',
        [credentials.username, 'refused earlier; not sent again until the password changes'],
        'session.login_with_password',
      );
    }
    for (let hop = 0; hop <= MAX_MASTER_HOPS; hop += 1) {
      try {
        const session = await this.rpc(
          this.endpoint,
          'session.login_with_password',
          [credentials.username, credentials.password, API_VERSION, ORIGINATOR],
          signal,
        );
        if (typeof session !== 'string') throw this.malformed('session.login_with_password', 'a session');
        this.session = session;
        this.refusedCredentials = null;
        return session;
      } catch (error) {
        if (error instanceof XapiError && error.code === 'HOST_IS_SLAVE' && error.params[0]) {
          this.endpoint = endpointFromAddress(error.params[0], this.defaultPort);
          continue;
        }
        if (error instanceof XapiError && error.code === 'SESSION_AUTHENTICATION_FAILED') {
          this.refusedCredentials = credentials;
        }
        throw error;
      }
    }
    throw new DriverError('host-unreachable', `${this.label}: the pool keeps redirecting to another master`);
  }

  /** Logs out (best effort): the pool keeps at most a few hundred sessions per user. */
  async logout(): Promise<void> {
    const session = this.session;
    this.session = null;
    if (!session) return;
    const signal = AbortSignal.timeout(10_000);
    await this.rpc(this.endpoint, 'session.logout', [session], signal).catch(() => undefined);
  }

  /** One JSON-RPC request; an error answer becomes an XapiError with the pool's code. */
  private async rpc(endpoint: Endpoint, method: string, params: unknown[], signal: AbortSignal) {
    this.requestId += 1;
    const body = JSON.stringify({ jsonrpc: '2.0', method, params, id: this.requestId });
    const response = await requestPinned(
      endpoint,
      this.options.trust,
      {
        method: 'POST',
        path: '/jsonrpc',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        body,
      },
      signal,
    );
    const text = await readText(response);
    const type = response.headers['content-type'] ?? '';
    if (response.statusCode !== 200 || !type.includes('json')) {
      throw new DriverError(
        'connector-missing',
        `${this.label} ${method}: ${endpointLabel(endpoint)} answered HTTP ${response.statusCode} ` +
          `${type || 'without a content type'} instead of JSON-RPC (a release before JSON-RPC, or not XAPI)`,
        { isRetryable: false },
      );
    }
    let parsed: z.infer<typeof rpcResponseSchema>;
    try {
      parsed = rpcResponseSchema.parse(JSON.parse(text));
    } catch {
      throw this.malformed(method, 'a JSON-RPC answer');
    }
    const { error } = parsed;
    if (error) {
      const [code, ...rest] = Array.isArray(error) ? error : [error.message, ...(error.data ?? [])];
      throw new XapiError(String(code), rest.map(String), method);
    }
    return parsed.result;
  }

  private validate<S extends z.ZodType>(method: string, schema: S, value: unknown): z.infer<S> {
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw this.malformed(method, `${issue?.path.join('.') || 'the result'}: ${issue?.message}`);
    }
    return parsed.data;
  }

  private malformed(method: string, expected: string): DriverError {
    return new DriverError('host-unreachable', `${this.label} ${method}: unexpected answer (${expected})`, {
      isRetryable: false,
    });
  }
}
