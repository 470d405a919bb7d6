/**
 * A fake XAPI pool on loopback over real HTTPS (node:https, a committed self-signed certificate per
 * host): one server per host, the master answers JSON-RPC 2.0 on `POST /jsonrpc` with the documented
 * envelope, `GET /export_raw_vdi` and `PUT /import_raw_vdi` move real bytes; a member answers
 * every call with `HOST_IS_SLAVE [master address]`. Sessions, the 5 s delay on a failed login (on
 * the fake's clock), `Async.*` tasks that progress as the clock moves, `task.cancel`, `event.from`
 * with tokens and EVENTS_LOST. Tests steer it: `failNext` (an error code for the next calls of a
 * method), `hang` (a method that never answers), `cutNextExport`, `corruptNextImport`,
 * `invalidateSessions`, `presentCertificate` (another certificate from the next handshake).
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type FakeClock, realClock } from './fake-clock';
import { FakeFault, genericMethod, METHODS } from './fake-methods';
import type { FakePool, XapiRecord } from './fake-pool';

const CERT_DIR = path.join(import.meta.dirname, 'certs');

export function fakeCertificate(name: 'pool-a' | 'pool-b') {
  return {
    key: readFileSync(path.join(CERT_DIR, `${name}.key`)),
    cert: readFileSync(path.join(CERT_DIR, `${name}.crt`)),
  };
}

export interface FakeXapiOptions {
  pool: FakePool;
  users?: Record<string, string>;
  clock?: FakeClock;
  /** How long an Async task takes on the fake's clock (progress moves in quarters). 0: at once. */
  taskDurationMs?: number;
  /** The certificate every host presents (default pool-a). */
  certificate?: 'pool-a' | 'pool-b';
}

interface HostServer {
  hostRef: string;
  server: https.Server;
  port: number;
}

const LOGIN_FAILURE_DELAY_MS = 5000;

export class FakeXapi {
  readonly pool: FakePool;
  readonly clock: FakeClock;
  private readonly users: Record<string, string>;
  private readonly sessions = new Map<string, string>();
  private readonly failures = new Map<string, { code: string; params: string[]; remaining: number }>();
  private readonly hung = new Set<string>();
  private exportCut: number | null = null;
  private importCorrupted = false;
  private servers: HostServer[] = [];
  private nextSession = 1;
  taskDurationMs: number;
  /** Every method called, in order (tests read what the connector asked for). */
  readonly calls: string[] = [];
  private callWatchers: { method: string; resolve: () => void }[] = [];

  constructor(private readonly options: FakeXapiOptions) {
    this.pool = options.pool;
    this.users = options.users ?? { root: 's3cret' };
    this.clock = options.clock ?? realClock;
    this.taskDurationMs = options.taskDurationMs ?? 0;
    this.pool.now = () => this.clock.now();
  }

  /** Starts one HTTPS server per host and writes each host's `address` (`127.0.0.1:<port>`). */
  async start(): Promise<void> {
    for (const hostRef of this.pool.table('host').keys()) {
      const certificate = fakeCertificate(this.options.certificate ?? 'pool-a');
      const server = https.createServer(certificate, (request, response) => {
        this.handle(hostRef, request, response).catch((error: unknown) => {
          if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/html' });
          response.end(`<html>${String(error)}</html>`);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      this.servers.push({ hostRef, server, port });
      this.pool.mod('host', hostRef, { address: `127.0.0.1:${port}` });
    }
  }

  address(hostRef = this.pool.masterRef): string {
    const found = this.servers.find((entry) => entry.hostRef === hostRef);
    if (!found) throw new Error(`fake host ${hostRef} is not started`);
    return `127.0.0.1:${found.port}`;
  }

  async stop(): Promise<void> {
    for (const { server } of this.servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    this.servers = [];
  }

  /**
   * Every host presents this certificate from the next handshake on (a reinstall, a renewal, or
   * someone in between); connections already open are closed.
   */
  presentCertificate(name: 'pool-a' | 'pool-b'): void {
    for (const { server } of this.servers) {
      server.setSecureContext(fakeCertificate(name));
      server.closeAllConnections();
    }
  }

  /** The next `times` calls of `method` (with or without Async.) fail with `code`. */
  failNext(method: string, code: string, params: string[] = [], times = 1): void {
    this.failures.set(method, { code, params, remaining: times });
  }

  /** Calls of `method` are accepted and never answered (a host that stopped responding). */
  hang(method: string): void {
    this.hung.add(method);
  }

  unhang(method: string): void {
    this.hung.delete(method);
  }

  /** The next `/export_raw_vdi` closes its connection after `bytes` bytes (xapi or its host died). */
  cutNextExport(bytes: number): void {
    this.exportCut = bytes;
  }

  /** The next `/import_raw_vdi` stores its first byte altered (a storage path that corrupts silently). */
  corruptNextImport(): void {
    this.importCorrupted = true;
  }

  /** Resolves when `method` is next called (or at once if it was already). */
  whenCalled(method: string): Promise<void> {
    if (this.calls.includes(method)) return Promise.resolve();
    return new Promise((resolve) => this.callWatchers.push({ method, resolve }));
  }

  private record(method: string): void {
    this.calls.push(method);
    const due = this.callWatchers.filter((watcher) => watcher.method === method);
    this.callWatchers = this.callWatchers.filter((watcher) => watcher.method !== method);
    for (const watcher of due) watcher.resolve();
  }

  /** The pool forgets every session (xapi restarted). */
  invalidateSessions(): void {
    this.sessions.clear();
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  private async handle(hostRef: string, request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'https://fake');
    if (request.method === 'POST' && url.pathname === '/jsonrpc') {
      const body = await readBody(request);
      let envelope: { method?: unknown; params?: unknown; id?: unknown };
      try {
        envelope = JSON.parse(body.toString('utf8'));
      } catch {
        response.writeHead(500, { 'content-type': 'text/html' });
        response.end('<html><body>malformed request</body></html>');
        return;
      }
      const { method, params, id } = envelope;
      if (typeof method !== 'string' || !Array.isArray(params) || id === undefined || id === null) {
        response.writeHead(500, { 'content-type': 'text/html' });
        response.end('<html><body>malformed request</body></html>');
        return;
      }
      this.record(method);
      if (this.hung.has(method)) return; // never answers; the connection stays open
      const reply = (payload: object) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ jsonrpc: '2.0', id, ...payload }));
      };
      try {
        if (hostRef !== this.pool.masterRef) {
          throw new FakeFault('HOST_IS_SLAVE', [this.address(this.pool.masterRef)]);
        }
        const abort = new AbortController();
        response.on('close', () => abort.abort());
        reply({ result: await this.dispatch(method, params, abort.signal) });
      } catch (error) {
        if (!(error instanceof FakeFault)) throw error;
        reply({ error: { code: 1, message: error.code, data: error.params } });
      }
      return;
    }
    if (url.pathname === '/export_raw_vdi' || url.pathname === '/import_raw_vdi') {
      await this.handleDisk(url, request, response);
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('not found');
  }

  private async handleDisk(url: URL, request: IncomingMessage, response: ServerResponse) {
    const session = url.searchParams.get('session_id') ?? '';
    if (!this.sessions.has(session)) {
      response.writeHead(401, { 'content-type': 'text/plain' });
      response.end('SESSION_INVALID');
      return;
    }
    const vdi = url.searchParams.get('vdi') ?? '';
    const bytes = this.pool.vdiBytes.get(vdi);
    if (!bytes || url.searchParams.get('format') !== 'raw') {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end(bytes ? 'FORMAT_UNSUPPORTED' : 'HANDLE_INVALID');
      return;
    }
    this.record(`${request.method} ${url.pathname}`);
    if (this.hung.has(url.pathname)) return;
    if (url.pathname === '/export_raw_vdi') {
      // As xapi answers: no Content-Length, the body ends when the connection closes (CONNECTORS.md
      // §7), so a host that stops mid-way (cutExports) looks to the client like a complete disk.
      response.useChunkedEncodingByDefault = false;
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      const cut = this.exportCut;
      this.exportCut = null;
      response.end(cut === null ? bytes : bytes.subarray(0, cut));
      return;
    }
    const written = await readBody(request);
    if (written.length !== bytes.length) {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('VDI_IO_ERROR');
      return;
    }
    if (this.importCorrupted && written.length > 0) {
      this.importCorrupted = false;
      written[0] ^= 0xff;
    }
    this.pool.vdiBytes.set(vdi, written);
    this.pool.onVdiWrite(vdi, written);
    this.pool.mod('VDI', vdi, {});
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('');
  }

  private injected(method: string): FakeFault | null {
    const plain = method.replace(/^Async\./, '');
    const failure = this.failures.get(method) ?? this.failures.get(plain);
    if (!failure) return null;
    failure.remaining -= 1;
    if (failure.remaining <= 0) {
      this.failures.delete(method);
      this.failures.delete(plain);
    }
    return new FakeFault(failure.code, failure.params);
  }

  private async dispatch(method: string, params: unknown[], signal: AbortSignal): Promise<unknown> {
    if (method === 'session.login_with_password') return this.login(params);
    if (method === 'session.logout') {
      this.sessions.delete(String(params[0]));
      return '';
    }
    const [session, ...rest] = params;
    if (typeof session !== 'string' || !this.sessions.has(session)) {
      throw new FakeFault('SESSION_INVALID', [String(session)]);
    }
    if (method === 'event.from') return this.eventFrom(rest, signal);
    if (method === 'task.cancel') return this.cancelTask(String(rest[0]));
    if (method === 'task.destroy') {
      if (!this.pool.get('task', String(rest[0])))
        throw new FakeFault('HANDLE_INVALID', ['task', String(rest[0])]);
      this.pool.del('task', String(rest[0]));
      return '';
    }
    if (method.startsWith('Async.')) return this.startTask(method, rest);
    const failure = this.injected(method);
    if (failure) throw failure;
    return this.invoke(method, rest);
  }

  private invoke(method: string, params: unknown[]): unknown {
    const implementation = METHODS[method];
    if (implementation) return implementation(this.pool, params) ?? '';
    const generic = genericMethod(this.pool, method, params);
    if (generic.found) return generic.value;
    throw new FakeFault('MESSAGE_METHOD_UNKNOWN', [method]);
  }

  private async login(params: unknown[]): Promise<string> {
    const [user, password] = params.map(String);
    if (this.users[user] === undefined || this.users[user] !== password) {
      // xapi sleeps before answering a failed login, against password guessing.
      await this.clock.sleep(LOGIN_FAILURE_DELAY_MS);
      throw new FakeFault('SESSION_AUTHENTICATION_FAILED', [user, 'Authentication failure']);
    }
    const ref = `OpaqueRef:session-${this.nextSession++}`;
    this.sessions.set(ref, user);
    return ref;
  }

  private startTask(method: string, params: unknown[]): string {
    const plain = method.slice('Async.'.length);
    const task = this.pool.add('task', {
      uuid: crypto.randomUUID(),
      name_label: method,
      status: 'pending',
      progress: 0,
      result: '',
      error_info: [],
      created: '20261124T02:00:01Z',
      finished: '19700101T00:00:00Z',
      other_config: {},
    });
    void this.runTask(task, plain, params);
    return task;
  }

  private async runTask(task: string, method: string, params: unknown[]): Promise<void> {
    const quarter = this.taskDurationMs / 4;
    for (let step = 1; step <= 3 && quarter > 0; step += 1) {
      await this.clock.sleep(quarter);
      if (this.pool.get('task', task)?.status !== 'pending') return;
      this.pool.mod('task', task, { progress: step / 4 });
    }
    if (quarter > 0) await this.clock.sleep(quarter);
    else await new Promise((resolve) => setImmediate(resolve));
    if (this.pool.get('task', task)?.status !== 'pending') return;
    try {
      const failure = this.injected(method);
      if (failure) throw failure;
      const value = this.invoke(method, params);
      const result = typeof value === 'string' && value !== '' ? `<value>${value}</value>` : '';
      this.pool.mod('task', task, { status: 'success', progress: 1, result, finished: '20261124T02:00:05Z' });
    } catch (error) {
      if (!(error instanceof FakeFault)) throw error;
      this.pool.mod('task', task, {
        status: 'failure',
        progress: 1,
        error_info: [error.code, ...error.params],
      });
    }
  }

  private cancelTask(task: string): string {
    const record = this.pool.get('task', task);
    if (!record) throw new FakeFault('HANDLE_INVALID', ['task', task]);
    if (record.status === 'pending') this.pool.mod('task', task, { status: 'cancelled' });
    return '';
  }

  /** event.from(classes, token, timeout): events after the token, waiting up to `timeout` s for one. */
  private async eventFrom(params: unknown[], signal: AbortSignal) {
    const classes = (params[0] as string[]) ?? [];
    const token = String(params[1] ?? '');
    const timeoutS = Number(params[2] ?? 0);
    if (token === '') {
      // A fresh token: every current object of the classes as an `add`, and the token after them.
      const events: XapiRecord[] = [];
      for (const name of this.pool.objects.keys()) {
        if (!classes.map((c) => c.toLowerCase()).includes(name.toLowerCase())) continue;
        for (const [ref, snapshot] of this.pool.table(name)) {
          events.push({ id: '0', class: name.toLowerCase(), operation: 'add', ref, snapshot });
        }
      }
      return { events, valid_ref_counts: {}, token: String(this.pool.lastEventId) };
    }
    const after = Number(token);
    // The long poll's own timeout runs on real time: tests always end a wait with an event or by
    // dropping the connection, and a fake-clock sleeper here would be mistaken for the login delay.
    let isTimedOut = false;
    for (;;) {
      const found = this.pool.eventsAfter(after, classes);
      if (found === null) throw new FakeFault('EVENTS_LOST', []);
      if (found.length > 0 || signal.aborted || isTimedOut) {
        return {
          events: found.map((event) => ({ ...event, id: String(event.id) })),
          valid_ref_counts: {},
          token: String(this.pool.lastEventId),
        };
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          isTimedOut = true;
          resolve();
        }, timeoutS * 1000);
        timer.unref();
        void this.pool.changed(signal).then(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startFakeXapi(options: FakeXapiOptions): Promise<FakeXapi> {
  const fake = new FakeXapi(options);
  await fake.start();
  return fake;
}
