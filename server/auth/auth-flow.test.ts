/**
 * Accounts over HTTP, end to end inside the process: the /api/auth handler (better-auth behind the
 * console's route and lockout) and the tRPC handler reading the session cookie it set. Time for
 * the lockout comes from an injected clock.
 */
import superjson from 'superjson';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../db/client';
import { createServiceContext } from '../context';
import { createAccount, setAccountDisabled } from '../services/account-service';
import { openDemoLab } from '../test-support';
import { createTrpcHttpHandler } from '../trpc/http-handler';
import { contextForRequest } from '../trpc/init';
import { createCaller } from '../trpc/root';
import { authFor, createAuth } from './auth';
import { type AccountDirectory, createAccountDirectory } from './directory';
import { createAuthRouteHandler } from './route';

const ORIGIN = 'http://127.0.0.1:3000';
const PASSWORD = 'correct horse battery';
const silent = { info: () => {}, warn: () => {} };

let db: Db;
let accounts: AccountDirectory;
let clock: Date;
let authRoute: (request: Request) => Promise<Response>;
let trpc: (request: Request) => Promise<Response>;
/** Each test signs in from its own address: the library's per-address rate limit lives for the process. */
let clientIp = 0;
let client: string;

async function addUser(email: string, role: string) {
  return createAccount(accounts, createServiceContext({ log: silent as never }), {
    email,
    name: email.split('@')[0],
    role,
    password: PASSWORD,
  });
}

beforeEach(async () => {
  client = `10.0.0.${++clientIp}`;
  db = openDemoLab();
  accounts = createAccountDirectory(authFor(db));
  clock = new Date('2026-03-28T12:00:00Z');
  authRoute = createAuthRouteHandler({
    auth: authFor(db),
    accounts,
    now: () => clock,
    lockout: { maxFailures: 3, minutes: 15 },
    log: silent,
  });
  trpc = createTrpcHttpHandler({
    maxRequestBytes: 1024 * 1024,
    maxImportBytes: 1024 * 1024,
    maxBatchSize: 10,
    edge: { allowedHosts: ['127.0.0.1'], allowedOrigins: [] },
    createContext: (request) => contextForRequest(db, request),
  });
  await addUser('viewer@example.test', 'viewer');
  await addUser('operator@example.test', 'operator');
});

function signIn(email: string, password = PASSWORD, origin = ORIGIN): Promise<Response> {
  return authRoute(
    new Request(`${ORIGIN}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin, 'x-forwarded-for': client },
      body: JSON.stringify({ email, password }),
    }),
  );
}

/** The `name=value` of the session cookie a sign-in set. */
function sessionCookieOf(response: Response): string {
  const cookie = response.headers.getSetCookie().find((line) => line.includes('session_token='));
  if (!cookie) throw new Error(`no session cookie in ${response.status} answer`);
  return cookie.split(';')[0];
}

async function signedInCookie(email: string): Promise<string> {
  const response = await signIn(email);
  expect(response.status).toBe(200);
  return sessionCookieOf(response);
}

function query(path: string, cookie: string | null, input: unknown = undefined): Promise<Response> {
  const search =
    input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`;
  return trpc(new Request(`${ORIGIN}/api/trpc/${path}${search}`, { headers: cookie ? { cookie } : {} }));
}

function mutate(path: string, cookie: string | null, input: unknown): Promise<Response> {
  return trpc(
    new Request(`${ORIGIN}/api/trpc/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN, ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(superjson.serialize(input)),
    }),
  );
}

async function dataOf<T>(response: Response): Promise<T> {
  expect(response.status, await response.clone().text()).toBe(200);
  return superjson.deserialize((await response.json()).result.data) as T;
}

describe('signing in', () => {
  it('sets an httpOnly, SameSite=Lax session cookie (not Secure on plain HTTP) that the API accepts', async () => {
    const response = await signIn('operator@example.test');
    expect(response.status).toBe(200);
    const line = response.headers.getSetCookie().find((cookie) => cookie.includes('session_token=')) ?? '';
    expect(line).toMatch(/HttpOnly/i);
    expect(line).toMatch(/SameSite=Lax/i);
    expect(line).not.toMatch(/Secure/i);

    const me = await dataOf<{ user: { email: string }; role: string; capabilities: Record<string, boolean> }>(
      await query('account.me', sessionCookieOf(response)),
    );
    expect(me).toMatchObject({
      user: { email: 'operator@example.test' },
      role: 'operator',
      capabilities: { runBackups: true, restoreDestructive: false, importInventory: false },
    });
  });

  it('keeps the session token in the httpOnly cookie: neither the sign-in nor the session read has it in its body', async () => {
    const response = await signIn('operator@example.test');
    const cookie = sessionCookieOf(response);
    const token = decodeURIComponent(cookie.split('=')[1]).split('.')[0];
    expect(token.length).toBeGreaterThan(20);
    const signedIn = await response.text();
    expect(signedIn).toContain('operator@example.test');
    expect(signedIn).not.toContain(token);

    const read = await authRoute(
      new Request(`${ORIGIN}/api/auth/get-session`, { headers: { cookie, 'x-forwarded-for': client } }),
    );
    expect(read.status).toBe(200);
    const session = await read.text();
    expect(session).toContain('operator@example.test');
    expect(session).not.toContain(token);
  });

  it('marks the cookie Secure behind a trusted HTTPS proxy', async () => {
    const secured = createAuth(db, { secret: 's'.repeat(32), trustedProxy: true });
    const response = await secured.handler(
      new Request('https://migawka.example.test/api/auth/sign-in/email', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'https://migawka.example.test' },
        body: JSON.stringify({ email: 'viewer@example.test', password: PASSWORD }),
      }),
    );
    expect(response.status).toBe(200);
    const line = response.headers.getSetCookie().find((cookie) => cookie.includes('session_token=')) ?? '';
    expect(line).toMatch(/; Secure/i);
    expect(line).toMatch(/HttpOnly/i);
  });

  it('refuses a wrong password and a sign-in from a foreign origin', async () => {
    expect((await signIn('viewer@example.test', 'not the password')).status).toBe(401);
    expect((await signIn('viewer@example.test', PASSWORD, 'http://evil.example')).status).toBe(403);
  });

  it('limits sign-in attempts per client address: the 4th within a minute is refused', async () => {
    const limited = createAuthRouteHandler({
      auth: createAuth(db, { secret: 's'.repeat(32), trustedProxy: false, signInsPerMinute: 3 }),
      accounts,
      now: () => clock,
      lockout: { maxFailures: 100, minutes: 15 },
      log: silent,
    });
    const attempt = (email: string, from: string) =>
      limited(
        new Request(`${ORIGIN}/api/auth/sign-in/email`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: ORIGIN, 'x-forwarded-for': from },
          body: JSON.stringify({ email, password: 'whatever password' }),
        }),
      );
    for (const email of ['a@example.test', 'b@example.test', 'c@example.test']) {
      expect((await attempt(email, '10.1.0.1')).status).toBe(401);
    }
    const refused = await attempt('operator@example.test', '10.1.0.1');
    expect(refused.status).toBe(429);
    expect((await attempt('operator@example.test', '10.1.0.2')).status).toBe(401);
  });

  it('answers 404 for what the console does not use: sign-up, the library admin endpoints', async () => {
    for (const path of ['/sign-up/email', '/admin/list-users', '/admin/set-role', '/update-user']) {
      const response = await authRoute(
        new Request(`${ORIGIN}/api/auth${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: ORIGIN },
          body: JSON.stringify({ email: 'mallory@example.test', password: PASSWORD, name: 'M' }),
        }),
      );
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
    }
    expect(await accounts.findUserByEmail('mallory@example.test')).toBeNull();
  });
});

describe('the API with and without a session', () => {
  it('answers anonymous calls with 401 and names the sign-in', async () => {
    const response = await query('vms.list', null, {});
    expect(response.status).toBe(401);
    expect(await response.text()).toContain('Sign in');
    expect((await mutate('operations.backupVm', null, { vmId: 'vm-web-01' })).status).toBe(401);
  });

  it('lets a viewer read but refuses a backup with 403, starting nothing', async () => {
    const cookie = await signedInCookie('viewer@example.test');
    expect((await query('vms.list', cookie, {})).status).toBe(200);
    const refused = await mutate('operations.backupVm', cookie, { vmId: 'vm-web-01' });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('needs the Operator role');
    const operations = await dataOf<{ items: unknown[] }>(await query('operations.list', cookie, {}));
    expect(operations.items).toEqual([]);
  });

  it('records the signed-in operator as the one who started a backup', async () => {
    const cookie = await signedInCookie('operator@example.test');
    const started = await dataOf<{ operationId: string }>(
      await mutate('operations.backupVm', cookie, { vmId: 'vm-web-01' }),
    );
    const detail = await dataOf<{ operation: { requestedBy: string } }>(
      await query('operations.get', cookie, { id: started.operationId }),
    );
    const operator = await accounts.findUserByEmail('operator@example.test');
    expect(detail.operation.requestedBy).toBe(`user:${operator?.id}`);
  });

  it('signs out: the cookie no longer opens the API, even just after it did', async () => {
    const cookie = await signedInCookie('viewer@example.test');
    expect((await query('account.me', cookie)).status).toBe(200);
    const out = await authRoute(
      new Request(`${ORIGIN}/api/auth/sign-out`, { method: 'POST', headers: { cookie, origin: ORIGIN } }),
    );
    expect(out.status).toBe(200);
    expect((await query('account.me', cookie)).status).toBe(401);
  });

  it('a disabled user is signed out everywhere at once and cannot sign in again', async () => {
    const cookie = await signedInCookie('viewer@example.test');
    expect((await query('account.me', cookie)).status).toBe(200);
    const viewer = await accounts.findUserByEmail('viewer@example.test');
    await setAccountDisabled(accounts, createServiceContext({ log: silent as never }), {
      userId: viewer?.id,
      disabled: true,
    });
    expect((await query('account.me', cookie)).status).toBe(401);
    expect((await signIn('viewer@example.test')).status).toBe(403);
  });
});

describe('lockout after repeated failures', () => {
  it('locks the account after 3 wrong passwords, even for the right one, until 15 minutes pass', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await signIn('viewer@example.test', 'wrong password')).status).toBe(401);
    }
    const locked = await signIn('viewer@example.test');
    expect(locked.status).toBe(429);
    const body = await locked.json();
    expect(body.message).toContain('locked after 3 failed sign-ins until 12:15 UTC');
    expect(locked.headers.get('retry-after')).toBe(String(15 * 60));

    clock = new Date('2026-03-28T12:14:59Z');
    expect((await signIn('viewer@example.test')).status).toBe(429);
    clock = new Date('2026-03-28T12:15:00Z');
    expect((await signIn('viewer@example.test')).status).toBe(200);
    expect(await accounts.findUserByEmail('viewer@example.test')).toMatchObject({
      failedSignIns: 0,
      lockedUntil: null,
    });
  });

  it('a success in between starts the count again', async () => {
    await signIn('viewer@example.test', 'wrong password');
    await signIn('viewer@example.test', 'wrong password');
    expect((await signIn('viewer@example.test')).status).toBe(200);
    await signIn('viewer@example.test', 'wrong password');
    await signIn('viewer@example.test', 'wrong password');
    expect((await signIn('viewer@example.test')).status).toBe(200);
  });

  it('does not lock one account for another one failures', async () => {
    for (let attempt = 0; attempt < 3; attempt++) await signIn('viewer@example.test', 'wrong password');
    expect((await signIn('operator@example.test')).status).toBe(200);
  });
});

describe('live event streams', () => {
  it('end with UNAUTHORIZED once their session is revoked', async () => {
    const cookie = await signedInCookie('viewer@example.test');
    const request = new Request(`${ORIGIN}/api/trpc/operations.events`, { headers: { cookie } });
    const viewerContext = await contextForRequest(db, request);
    const controller = new AbortController();
    const stream = await createCaller(viewerContext, { signal: controller.signal }).operations.events({});
    const iterator = stream[Symbol.asyncIterator]();

    const operatorCookie = await signedInCookie('operator@example.test');
    const first = iterator.next();
    await dataOf(await mutate('operations.backupVm', operatorCookie, { vmId: 'vm-web-01' }));
    expect((await first).done).toBe(false);

    const sessions = await accounts.listSessions(viewerContext.principal?.user.id ?? '');
    await accounts.revokeSession(sessions[0].id);
    const next = iterator.next();
    await dataOf(await mutate('operations.backupVm', operatorCookie, { vmId: 'vm-web-xen-01' }));
    await expect(next).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    controller.abort();
  });
});

describe('the addressed host', () => {
  it('signs in when the server names itself differently from the Host the browser addressed', async () => {
    const response = await authRoute(
      new Request('http://localhost:3000/api/auth/sign-in/email', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          host: '127.0.0.1:3000',
          origin: 'http://127.0.0.1:3000',
          'x-forwarded-for': client,
        },
        body: JSON.stringify({ email: 'viewer@example.test', password: PASSWORD }),
      }),
    );
    expect(response.status).toBe(200);
  });
});
