/**
 * A small ONTAP REST client (CONNECTORS.md §3): HTTP Basic with the account from the vault, over
 * HTTPS pinned to the cluster's certificate fingerprint (trust on first use, a change refused before
 * the password is sent: xapi-transport.ts does the pinning for both connectors), a deadline and a
 * cancel on every call, answers validated with zod (ontap-records.ts).
 *
 * Asynchronous calls answer 202 with a job. The job's uuid is stored in a journal **before** the
 * client waits on it, so a worker that restarts polls the same job instead of starting a second
 * snapshot. ONTAP deletes a finished job 300 s after it ends; a worker that comes back later gets a
 * 404, and then asks the caller's `recover` (e.g. "does the snapshot of that name exist?") what
 * became of it. Polling sleeps on an injected clock, as do the retries of "temporarily locked".
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import { DriverError } from '../../engine/driver';
import { type CallOptions, callWithDeadline } from '../call';
import {
  type Endpoint,
  endpointFromAddress,
  endpointLabel,
  readText,
  requestPinned,
  type TrustStore,
} from '../xapi/xapi-transport';
import { OntapError } from './ontap-errors';
import {
  collectionSchema,
  errorEnvelopeSchema,
  jobLinkSchema,
  jobSchema,
  type OntapJob,
} from './ontap-records';

export interface OntapCredentials {
  username: string;
  password: string;
}

/** Where the array account comes from (the secrets vault in the app; a literal in tests). */
export interface OntapCredentialSource {
  credentials(): Promise<OntapCredentials>;
}

/** Time as the client sees it: polling and lock back-off sleep here, so tests move it by hand. */
export interface OntapClock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const realOntapClock: OntapClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(signal.reason);
        },
        { once: true },
      );
    }),
};

export interface JournaledJob {
  jobUuid: string;
  /** When the job was started (clock ms): past 300 s after its end ONTAP no longer knows it. */
  startedAt: number;
}

/** Where a job's uuid is kept while the client waits on it (the step's record in the app). */
export interface OntapJobJournal {
  find(key: string): Promise<JournaledJob | null>;
  record(key: string, job: JournaledJob): Promise<void>;
  forget(key: string): Promise<void>;
}

export function memoryJobJournal(): OntapJobJournal & { jobs: Map<string, JournaledJob> } {
  const jobs = new Map<string, JournaledJob>();
  return {
    jobs,
    find: async (key) => jobs.get(key) ?? null,
    record: async (key, job) => {
      jobs.set(key, job);
    },
    forget: async (key) => {
      jobs.delete(key);
    },
  };
}

export interface OntapClientOptions {
  /** For messages: "ONTAP cluster1". */
  label: string;
  /** The cluster or SVM management address, `host` or `host:port` (443 when absent). */
  address: string;
  credentials: OntapCredentialSource;
  trust: TrustStore;
  journal?: OntapJobJournal;
  clock?: OntapClock;
  /** Between two polls of a running job. */
  pollIntervalMs?: number;
  /** "temporarily locked" answers: how many retries, and the first wait (doubling after). */
  lockedRetries?: number;
  lockedFirstDelayMs?: number;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface OntapRequest {
  method: HttpMethod;
  /** Path under the cluster, with its query (`/api/storage/volumes?fields=…`). */
  path: string;
  body?: unknown;
}

export interface OntapResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface JobCallOptions extends CallOptions {
  /** The journal key of this job (the step's stable key plus what it does). */
  journalKey: string;
  /**
   * Asked when the journaled job is gone (ONTAP deleted it 300 s after it ended, or the cluster
   * restarted): 'done' when its effect is there (the snapshot of that name exists), 'absent' when
   * the request must be sent again.
   */
  recover: (signal: AbortSignal) => Promise<'done' | 'absent'>;
}

export interface JobOutcome {
  /** The 202's `Location` header when there was one (a CG start names its snapshot there). */
  location: string | null;
  /** True when the result was found by `recover`, after ONTAP had forgotten the job. */
  wasRecovered: boolean;
}

const DEFAULT_POLL_MS = 1000;
const LOCKED = /temporarily locked/i;

/** `/api/x?y` of a link, whether ONTAP wrote it as a path or as a whole URL. */
const pathOf = (href: string): string => {
  const url = new URL(href, 'https://cluster.invalid');
  return `${url.pathname}${url.search}`;
};

export class OntapClient {
  readonly label: string;
  private readonly endpoint: Endpoint;
  private readonly clock: OntapClock;

  constructor(private readonly options: OntapClientOptions) {
    this.label = options.label;
    this.endpoint = endpointFromAddress(options.address, 443);
    this.clock = options.clock ?? realOntapClock;
  }

  get address(): string {
    return endpointLabel(this.endpoint);
  }

  /** GET of one record, validated. */
  get<S extends z.ZodType>(path: string, schema: S, options: CallOptions): Promise<z.infer<S>> {
    return callWithDeadline(`${this.label} GET ${path}`, options, async ({ signal }) => {
      const response = await this.send({ method: 'GET', path }, signal);
      return this.validate(`GET ${path}`, schema, response.body);
    });
  }

  /**
   * GET of a collection; the records only (the connector asks with fields= and filters). Every page
   * is read, following `_links.next` under the one deadline: a first page that ONTAP cut short
   * (return_timeout, max_records) is never taken for the whole collection.
   */
  list<S extends z.ZodType>(path: string, record: S, options: CallOptions): Promise<z.infer<S>[]> {
    return callWithDeadline(`${this.label} GET ${path}`, options, async ({ signal }) => {
      const schema = collectionSchema(record);
      const records: z.infer<S>[] = [];
      const read = new Set<string>();
      for (let page: string | undefined = path; page !== undefined; ) {
        if (read.has(page)) throw this.malformed(`GET ${path}`, `the next page ${page} was read already`);
        read.add(page);
        const response = await this.send({ method: 'GET', path: page }, signal);
        const body: z.infer<typeof schema> = this.validate(`GET ${page}`, schema, response.body);
        records.push(...(body.records as z.infer<S>[]));
        const next: string | undefined = body._links?.next?.href;
        // The link names a path on the cluster (`/api/…?…`): it is asked of the pinned address.
        page = next === undefined ? undefined : pathOf(next);
      }
      return records;
    });
  }

  /** A synchronous call (one that answers 200/201, e.g. creating a LUN map). */
  call(request: OntapRequest, options: CallOptions): Promise<OntapResponse> {
    return callWithDeadline(`${this.label} ${request.method} ${request.path}`, options, ({ signal }) =>
      this.send(request, signal),
    );
  }

  /**
   * A call that may answer 202 + job: sends it (unless the journal already holds its job), stores
   * the job before waiting, polls it to its end. A failed job throws its code as an OntapError.
   */
  runJob(request: OntapRequest, options: JobCallOptions): Promise<JobOutcome> {
    const what = `${this.label} ${request.method} ${request.path}`;
    return callWithDeadline(what, options, async ({ signal }) => {
      const { journal } = this.options;
      const known = journal ? await journal.find(options.journalKey) : null;
      if (known) {
        const job = await this.readJob(known.jobUuid, signal);
        if (job === null) {
          // ONTAP forgot the job: what the job was to make tells whether it happened.
          if ((await options.recover(signal)) === 'done') {
            await journal?.forget(options.journalKey);
            return { location: null, wasRecovered: true };
          }
        } else {
          await this.finishJob(known.jobUuid, job, what, options.journalKey, signal);
          return { location: null, wasRecovered: false };
        }
      }
      const response = await this.send(request, signal);
      const location = typeof response.headers.location === 'string' ? response.headers.location : null;
      if (response.status !== 202) return { location, wasRecovered: false };
      const { job } = this.validate(what, jobLinkSchema, response.body);
      await journal?.record(options.journalKey, { jobUuid: job.uuid, startedAt: this.clock.now() });
      const first = await this.readJob(job.uuid, signal);
      if (first === null) throw this.malformed(what, `job ${job.uuid} vanished right after it started`);
      await this.finishJob(job.uuid, first, what, options.journalKey, signal);
      return { location, wasRecovered: false };
    });
  }

  private async finishJob(uuid: string, start: OntapJob, what: string, key: string, signal: AbortSignal) {
    let job = start;
    while (job.state === 'queued' || job.state === 'running' || job.state === 'paused') {
      await this.clock.sleep(this.options.pollIntervalMs ?? DEFAULT_POLL_MS, signal);
      const next = await this.readJob(uuid, signal);
      if (next === null) throw this.malformed(what, `job ${uuid} vanished while it ran`);
      job = next;
    }
    // A finished job is done with either way: a retry after a failure must start a new one.
    await this.options.journal?.forget(key);
    if (job.state === 'failure') {
      throw new OntapError({
        code: job.error?.code ?? String(job.code),
        message: job.error?.message ?? job.message,
        httpStatus: 200,
        call: what,
      });
    }
  }

  /** The job's record; null when ONTAP no longer has it (404 / code 4). */
  private async readJob(uuid: string, signal: AbortSignal): Promise<OntapJob | null> {
    const path = `/api/cluster/jobs/${encodeURIComponent(uuid)}?fields=uuid,state,message,code,error,description`;
    try {
      const response = await this.send({ method: 'GET', path }, signal);
      return this.validate(`GET ${path}`, jobSchema, response.body);
    } catch (error) {
      if (error instanceof OntapError && error.httpStatus === 404) return null;
      throw error;
    }
  }

  /** One request with the "temporarily locked" retry around it (back-off on the clock). */
  private async send(request: OntapRequest, signal: AbortSignal): Promise<OntapResponse> {
    const retries = this.options.lockedRetries ?? 3;
    let delay = this.options.lockedFirstDelayMs ?? 5000;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.sendOnce(request, signal);
      } catch (error) {
        const isLocked = error instanceof OntapError && LOCKED.test(error.message);
        if (!isLocked || attempt >= retries) throw error;
        await this.clock.sleep(delay, signal);
        delay *= 2;
      }
    }
  }

  private async sendOnce(request: OntapRequest, signal: AbortSignal): Promise<OntapResponse> {
    const { username, password } = await this.options.credentials.credentials();
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const headers: Record<string, string | number> = {
      authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
      accept: 'application/hal+json, application/json',
    };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const response = await requestPinned(
      this.endpoint,
      this.options.trust,
      { method: request.method as 'GET', path: request.path, headers, body },
      signal,
    );
    const text = await readText(response);
    const status = response.statusCode ?? 0;
    const call = `${request.method} ${request.path.split('?')[0]}`;
    const parsed = text === '' ? {} : this.parseJson(call, text, status);
    if (status >= 200 && status < 300) return { status, headers: response.headers, body: parsed };
    const envelope = errorEnvelopeSchema.safeParse(parsed);
    if (!envelope.success) {
      throw new OntapError({
        code: status === 401 ? '6' : `http-${status}`,
        message: `HTTP ${status}`,
        httpStatus: status,
        call,
      });
    }
    const { error } = envelope.data;
    throw new OntapError({
      code: error.code,
      message: error.message,
      httpStatus: status,
      target: error.target,
      call,
    });
  }

  private parseJson(call: string, text: string, status: number): unknown {
    try {
      return JSON.parse(text);
    } catch {
      if (status === 401) return {};
      throw new DriverError(
        'connector-missing',
        `${this.label} ${call}: ${this.address} answered HTTP ${status} without JSON (not ONTAP 9.6+ REST?)`,
        { isRetryable: false },
      );
    }
  }

  private validate<S extends z.ZodType>(what: string, schema: S, value: unknown): z.infer<S> {
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw this.malformed(what, `${issue?.path.join('.') || 'the answer'}: ${issue?.message}`);
    }
    return parsed.data;
  }

  private malformed(what: string, detail: string): DriverError {
    return new DriverError('host-unreachable', `${this.label} ${what}: unexpected answer (${detail})`, {
      isRetryable: false,
    });
  }
}
