/**
 * The console's own query thread (thread.ts, bundled as `npm start` bundles it) on a real SQLite
 * file, behind the pool and a real HTTP server: it answers an estate read as the main thread's
 * endpoint does, byte for byte, refuses an anonymous one, and refuses a signed-out session at once
 * (its shared session answer is forgotten when the main thread notes the sign-out).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, openDatabase, sqliteOf } from '../../db/client';
import { ensureDemoLab } from '../../db/seed/ensure-demo-lab';
import { authFor } from '../auth/auth';
import { createAccountDirectory } from '../auth/directory';
import { createAuthRouteHandler } from '../auth/route';
import { processSessionChecks } from '../auth/session-checks';
import { loadConfig, replaceConfigForTests } from '../config';
import { createServiceContext } from '../context';
import { withGzip } from '../http-compression';
import { createAccount } from '../services/account-service';
import { makeTempDir } from '../test-support';
import { createTrpcHttpHandler } from '../trpc/http-handler';
import { contextForRequest } from '../trpc/init';
import { bundleQueryThread } from './bundle';
import { type QueryThreadPool, startQueryThreads } from './pool';

const PASSWORD = 'query thread password';
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const dir = makeTempDir('query-thread');
const env = {
  MIGAWKA_DATA_DIR: dir.path,
  MIGAWKA_DB_PATH: path.join(dir.path, 'migawka.db'),
  MIGAWKA_AUTH_SECRET: 'a-session-signing-secret-shared-by-the-threads',
  MIGAWKA_SEED_DEMO: '1',
  LOG_LEVEL: 'warn',
};
const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));

let db: Db;
let pool: QueryThreadPool;
let server: http.Server;
let origin: string;
let stopListening: () => void;
let mainEndpoint: (request: Request) => Promise<Response>;
let authRoute: (request: Request) => Promise<Response>;
const heldOnMain: http.ServerResponse[] = [];
let onMainHeld: () => void;
const mainHeld = new Promise<void>((resolve) => {
  onMainHeld = resolve;
});
let mainHold: Promise<string>;

beforeAll(async () => {
  // The thread reads its configuration from the environment, as the console's threads do.
  Object.assign(process.env, env);
  replaceConfigForTests(loadConfig({ ...process.env, ...env }));
  db = openDatabase(env.MIGAWKA_DB_PATH);
  ensureDemoLab(db, { seedDemo: true });
  const accounts = createAccountDirectory(authFor(db));
  await createAccount(accounts, createServiceContext({ log: silent as never }), {
    email: 'viewer@example.test',
    name: 'viewer',
    role: 'viewer',
    password: PASSWORD,
  });
  authRoute = createAuthRouteHandler({
    auth: authFor(db),
    accounts,
    now: () => new Date(),
    lockout: { maxFailures: 5, minutes: 15 },
    log: silent,
  });
  mainEndpoint = createTrpcHttpHandler({
    maxRequestBytes: 1024 * 1024,
    maxImportBytes: 1024 * 1024,
    maxBatchSize: 20,
    edge: { allowedHosts: ['127.0.0.1'], allowedOrigins: [] },
    createContext: (request) => contextForRequest(db, request),
  });
  pool = await startQueryThreads({ count: 1, entry: await bundleQueryThread(), logger: silent });
  stopListening = processSessionChecks().onChanged(() => pool.noteSessionsChanged());
  server = http.createServer((request, response) =>
    pool.serve(request, response, () => {
      if (request.url === '/main-hold') {
        heldOnMain.push(response);
        return onMainHeld();
      }
      response.writeHead(299);
      response.end('the main thread');
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A request that arrives alone is the main thread's: one held there makes every later one overlap.
  mainHold = fetch(`${origin}/main-hold`).then((response) => response.text());
  await mainHeld;
}, 60_000);

afterAll(async () => {
  for (const response of heldOnMain) response.end();
  await mainHold;
  stopListening?.();
  await pool?.close();
  await new Promise((resolve) => server?.close(resolve));
  sqliteOf(db).close();
  replaceConfigForTests(null);
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  dir.remove();
});

/** Through the pool: the requests the main thread takes in its share, then the one the thread answers. */
async function onThread(url: string, cookie?: string): Promise<Response> {
  for (;;) {
    const response = await fetch(`${origin}${url}`, { headers: cookie ? { cookie } : {} });
    if (response.status !== 299) return response;
    await response.text();
  }
}

async function signIn(): Promise<string> {
  const response = await authRoute(
    new Request(`${origin}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ email: 'viewer@example.test', password: PASSWORD }),
    }),
  );
  const cookie = response.headers.getSetCookie().find((line) => line.includes('session_token='));
  if (!cookie) throw new Error(`sign-in answered ${response.status}`);
  return cookie.split(';')[0];
}

const VMS_PAGE = `/api/trpc/vms.list?input=${encodeURIComponent(JSON.stringify({ json: { limit: 5 } }))}`;

describe("the console's query thread", () => {
  it('answers an estate read as the main thread does, with the same headers', async () => {
    const cookie = await signIn();
    const threaded = await onThread(VMS_PAGE, cookie);
    // The main thread's answer as the console's server sends it (server/console-server.ts).
    const request = new Request(`${origin}${VMS_PAGE}`, { headers: { cookie } });
    const main = await withGzip(request, await mainEndpoint(request));
    expect(threaded.status).toBe(200);
    const body = await threaded.text();
    expect(body).toBe(await main.text());
    expect(JSON.parse(body).result.data.json.items).toHaveLength(5);
    for (const name of ['content-type', 'content-security-policy', 'x-content-type-options', 'vary'])
      expect(threaded.headers.get(name)).toBe(main.headers.get(name));
  });

  it('gzips its answer for a client that accepts it', async () => {
    const cookie = await signIn();
    const response = await fetch(`${origin}${VMS_PAGE}`, { headers: { cookie, 'accept-encoding': 'gzip' } });
    const threaded = response.status === 299 ? await onThread(VMS_PAGE, cookie) : response;
    expect(threaded.status).toBe(200);
    expect(threaded.headers.get('content-encoding')).toBe('gzip');
    expect(JSON.parse(await threaded.text()).result.data.json.items).toHaveLength(5);
  });

  it('refuses a request without a session', async () => {
    const response = await onThread(VMS_PAGE);
    expect(response.status).toBe(401);
  });

  it('refuses a session signed out on the main thread from the next request on', async () => {
    const cookie = await signIn();
    // The thread now shares its answer for this session.
    expect((await onThread(VMS_PAGE, cookie)).status).toBe(200);
    const signedOut = await authRoute(
      new Request(`${origin}/api/auth/sign-out`, { method: 'POST', headers: { cookie, origin } }),
    );
    expect(signedOut.status).toBe(200);
    expect((await onThread(VMS_PAGE, cookie)).status).toBe(401);
  });
});
