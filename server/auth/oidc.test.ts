/**
 * Directory sign-in against a real OpenID Connect provider (the `oidc-provider` package) listening on
 * loopback: discovery, the authorization-code flow with PKCE, the signed ID token checked against the
 * provider's keys, and the groups claim mapped to a console role — on the first sign-in and again
 * when the directory changes the user's groups; a user in no mapped group is refused and gets no
 * session. The "person" at the provider's login page is the test: its interaction route logs in the
 * account the test names and grants the scopes asked for.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import Provider from 'oidc-provider';
import superjson from 'superjson';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../db/client';
import { auditEntries } from '../../db/schema';
import type { OidcConfig } from '../config';
import { openDemoLab } from '../test-support';
import { createTrpcHttpHandler } from '../trpc/http-handler';
import { contextFor, type Principal } from '../trpc/init';
import { createAuth } from './auth';
import { createAccountDirectory } from './directory';
import { recordAuthEventIn } from './http';
import { createAuthRouteHandler } from './route';
import { principalFromHeaders } from './session';

const CONSOLE = 'http://127.0.0.1:3000';
const CLIENT_SECRET = 'a-client-secret-long-enough-for-hs256-0123456789';

/** The directory: who exists and which groups they are in (the test changes it). */
const directory: Record<string, { email: string; name: string; groups: string[] }> = {};

let server: Server;
let issuer: string;
/** The account the provider's login page signs in next. */
let loginAs = 'alice';

async function interaction(provider: Provider, req: IncomingMessage, res: ServerResponse) {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'login') {
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: loginAs } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  const grant = new provider.Grant({
    accountId: details.session?.accountId,
    clientId: String(details.params.client_id),
  });
  grant.addOIDCScope(String(details.params.scope));
  await provider.interactionFinished(
    req,
    res,
    { consent: { grantId: await grant.save() } },
    { mergeWithLastSubmission: true },
  );
}

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'migawka',
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${CONSOLE}/api/auth/callback/oidc`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: ['cookie-signing-key-for-the-test'] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, found: { uid: string }) => `/interaction/${found.uid}` },
    findAccount: (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: () => {
        const person = directory[id];
        return person
          ? { sub: id, email: person.email, email_verified: true, name: person.name, groups: person.groups }
          : { sub: id };
      },
    }),
  });
  const handle = provider.callback();
  server.on('request', (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(provider, req, res).catch((error) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    } else handle(req, res);
  });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

let db: Db;
let authRoute: (request: Request) => Promise<Response>;
let auth: ReturnType<typeof createAuth>;

function oidcConfig(): OidcConfig {
  return {
    issuer,
    clientId: 'migawka',
    clientSecret: CLIENT_SECRET,
    scopes: ['openid', 'email', 'profile', 'groups'],
    groupsClaim: 'groups',
    roleGroups: [
      { group: 'migawka-admins', role: 'admin' },
      { group: 'ops', role: 'operator' },
      { group: 'everyone', role: 'viewer' },
    ],
    label: 'Example Corp',
  };
}

beforeEach(() => {
  db = openDemoLab();
  auth = createAuth(db, { secret: 's'.repeat(32), trustedProxy: false, oidc: oidcConfig() });
  authRoute = createAuthRouteHandler({
    auth,
    accounts: createAccountDirectory(auth),
    now: () => new Date(),
    lockout: { maxFailures: 5, minutes: 15 },
    log: { info: () => {}, warn: () => {} },
    audit: recordAuthEventIn(db),
  });
  directory.alice = {
    email: 'alice@example.test',
    name: 'Alice Admin',
    groups: ['everyone', 'migawka-admins'],
  };
  directory.bob = { email: 'bob@example.test', name: 'Bob Ops', groups: ['ops'] };
  directory.carol = { email: 'carol@example.test', name: 'Carol Sales', groups: ['sales'] };
});

/** Cookies per host, as a browser keeps them (name=value only: the test does not need attributes). */
class CookieJar {
  private readonly byHost = new Map<string, Map<string, string>>();
  store(url: string, response: Response) {
    const host = new URL(url).host;
    const jar = this.byHost.get(host) ?? new Map<string, string>();
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = (pair ?? '').indexOf('=');
      const name = (pair ?? '').slice(0, at);
      const value = (pair ?? '').slice(at + 1);
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    this.byHost.set(host, jar);
  }
  header(url: string): string {
    const jar = this.byHost.get(new URL(url).host);
    return jar ? [...jar].map(([name, value]) => `${name}=${value}`).join('; ') : '';
  }
}

/**
 * A browser signing in with the directory: the console's start, the provider's redirects and login,
 * back to the console's callback. Returns the console's answer to the callback and the cookies.
 */
async function signInWithDirectory(): Promise<{ callback: Response; jar: CookieJar }> {
  const jar = new CookieJar();
  const start = await authRoute(
    new Request(`${CONSOLE}/api/auth/sign-in/social`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: CONSOLE },
      body: JSON.stringify({ provider: 'oidc', callbackURL: '/' }),
    }),
  );
  expect(start.status, await start.clone().text()).toBe(200);
  jar.store(CONSOLE, start);
  let url = ((await start.json()) as { url: string }).url;
  expect(url.startsWith(`${issuer}/auth`)).toBe(true);
  for (let hop = 0; hop < 10; hop += 1) {
    if (url.startsWith(CONSOLE)) {
      const callback = await authRoute(new Request(url, { headers: { cookie: jar.header(CONSOLE) } }));
      jar.store(CONSOLE, callback);
      return { callback, jar };
    }
    const response = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header(url) } });
    jar.store(url, response);
    const location = response.headers.get('location');
    if (!location)
      throw new Error(`${url} answered ${response.status} without a redirect: ${await response.text()}`);
    url = new URL(location, url).toString();
  }
  throw new Error('too many redirects');
}

function signInsRecorded() {
  return db
    .select()
    .from(auditEntries)
    .where(eq(auditEntries.action, 'auth.sign-in'))
    .all()
    .map((entry) => [entry.actorName, entry.outcome, entry.message]);
}

async function principalOf(jar: CookieJar): Promise<Principal | null> {
  return principalFromHeaders(auth, new Headers({ cookie: jar.header(CONSOLE) }));
}

describe('directory sign-in (OpenID Connect) against a real provider on loopback', () => {
  it('signs a directory admin in with the role their group maps to, and the API accepts the session', async () => {
    loginAs = 'alice';
    const { callback, jar } = await signInWithDirectory();
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/');
    const principal = await principalOf(jar);
    expect(principal).toMatchObject({
      user: { email: 'alice@example.test', name: 'Alice Admin' },
      role: 'admin',
    });

    const trpc = createTrpcHttpHandler({
      maxRequestBytes: 1024 * 1024,
      maxImportBytes: 1024 * 1024,
      maxBatchSize: 10,
      edge: { allowedHosts: ['127.0.0.1'], allowedOrigins: [] },
      createContext: async () => contextFor(db, {}, await principalOf(jar)),
    });
    const me = await trpc(
      new Request(`${CONSOLE}/api/trpc/account.me`, { headers: { cookie: jar.header(CONSOLE) } }),
    );
    expect(me.status).toBe(200);
    expect(superjson.deserialize((await me.json()).result.data)).toMatchObject({
      role: 'admin',
      roleLabel: 'Admin',
    });
  });

  it('follows the directory: a user moved to another group has that role at the next sign-in', async () => {
    loginAs = 'bob';
    expect((await principalOf((await signInWithDirectory()).jar))?.role).toBe('operator');
    directory.bob = { ...(directory.bob as (typeof directory)['bob']), groups: ['everyone'] };
    expect((await principalOf((await signInWithDirectory()).jar))?.role).toBe('viewer');
  });

  it('refuses a directory user in no mapped group: no session, no account with a role', async () => {
    loginAs = 'carol';
    const { callback, jar } = await signInWithDirectory();
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toMatch(/error=/);
    expect(await principalOf(jar)).toBeNull();
    expect(await createAccountDirectory(auth).findUserByEmail('carol@example.test')).toBeNull();
    expect(signInsRecorded()).toEqual([
      ['directory account carol@example.test', 'refused', expect.stringContaining('gives access to Migawka')],
    ]);
  });

  it('an admin disabling a directory user keeps them out even though the directory still lets them in', async () => {
    loginAs = 'bob';
    await signInWithDirectory();
    const accounts = createAccountDirectory(auth);
    const bob = await accounts.findUserByEmail('bob@example.test');
    await accounts.updateUser(bob?.id as string, { disabled: true });
    const { jar } = await signInWithDirectory();
    expect(await principalOf(jar)).toBeNull();
    // The refused attempt names the directory account that tried, not an anonymous "someone".
    expect(signInsRecorded().at(-1)?.slice(0, 2)).toEqual(['directory account bob@example.test', 'refused']);
  });
});
