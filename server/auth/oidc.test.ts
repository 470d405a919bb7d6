/**
 * Directory sign-in against a real OpenID Connect provider (the `oidc-provider` package) listening on
 * loopback: discovery, the authorization-code flow with PKCE, the signed ID token checked against the
 * provider's keys, and the groups claim mapped to a console role — on the first sign-in and again
 * when the directory changes the user's groups; a user in no mapped group is refused and gets no
 * session. The provider and its directory are server/auth/oidc-provider-test-support.ts.
 *
 * While a session lives, the directory is asked again every re-check interval with the refresh token
 * the sign-in kept: the test moves the console's clock (never sleeps), changes the directory, takes
 * the provider down, and reads what each request is allowed and what the audit trail says.
 */
import { eq } from 'drizzle-orm';
import superjson from 'superjson';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../db/client';
import type { DatabaseHandle } from '../../db/process-database';
import { storesOf } from '../../db/process-database';
import { auditEntries } from '../../db/schema';
import { storeDialects } from '../../db/stores/contract/dialects';
import type { OidcConfig } from '../config';
import type { Role } from '../engine/roles';
import { openEmptyOn } from '../test-rows';
import { openDemoLab } from '../test-support';
import { createTrpcHttpHandler } from '../trpc/http-handler';
import { contextFor, type Principal } from '../trpc/init';
import { type Auth, createAuth } from './auth';
import { createAccountDirectory } from './directory';
import { recordAuthEventIn } from './http';
import { CookieJar, type LoopbackDirectory, startLoopbackDirectory } from './oidc-provider-test-support';
import { createAuthRouteHandler } from './route';
import { principalFromHeaders } from './session';

const CONSOLE = 'http://127.0.0.1:3000';
const CLIENT_SECRET = 'a-client-secret-long-enough-for-hs256-0123456789';

let provider: LoopbackDirectory;
/** The directory: who exists, which groups they are in, who is disabled (the test changes it). */
let directory: LoopbackDirectory['people'];

beforeAll(async () => {
  provider = await startLoopbackDirectory({
    clientId: 'migawka',
    clientSecret: CLIENT_SECRET,
    redirectUri: `${CONSOLE}/api/auth/callback/oidc`,
  });
  directory = provider.people;
});

afterAll(() => provider.close());

let db: Db;
let authRoute: (request: Request) => Promise<Response>;
let auth: ReturnType<typeof createAuth>;

const MINUTE = 60_000;
/** The console's clock: sign-ins start the re-check interval on it, requests are judged against it. */
let clockMs = 0;
const now = () => new Date(clockMs);

/**
 * Re-checked every 10 minutes, the role kept 15 minutes while the provider does not answer, an
 * unanswered re-check tried again after 1. `isOffline` false: the console asks for no refresh token.
 */
function oidcConfig({ isOffline = true } = {}): OidcConfig {
  return {
    issuer: provider.issuer,
    clientId: 'migawka',
    clientSecret: CLIENT_SECRET,
    scopes: ['openid', 'email', 'profile', 'groups', ...(isOffline ? ['offline_access'] : [])],
    groupsClaim: 'groups',
    roleGroups: [
      { group: 'migawka-admins', role: 'admin' },
      { group: 'ops', role: 'operator' },
      { group: 'everyone', role: 'viewer' },
    ],
    label: 'Example Corp',
    recheck: { intervalMs: 10 * MINUTE, graceMs: 15 * MINUTE, retryMs: MINUTE },
    // This provider honours offline_access only with prompt=consent, as OpenID Connect asks.
    prompt: 'consent',
  };
}

/** The console over `database` (the demo lab's by default), its directory sign-in configured by `oidc`. */
function openConsole(oidc: OidcConfig, database: DatabaseHandle = db) {
  auth = consoleAuth(oidc, database);
  authRoute = createAuthRouteHandler({
    auth,
    accounts: createAccountDirectory(auth),
    now,
    lockout: { maxFailures: 5, minutes: 15 },
    log: { info: () => {}, warn: () => {} },
    audit: recordAuthEventIn(database, now),
  });
}

/** One web node's authentication: nodes over one database share its users, sessions and signing key. */
function consoleAuth(oidc: OidcConfig, database: DatabaseHandle) {
  // Every test signs in again from the same address: the per-address limit is not under test here.
  return createAuth(database, {
    secret: 's'.repeat(32),
    trustedProxy: false,
    oidc,
    now,
    signInsPerMinute: 1_000,
  });
}

beforeEach(() => {
  db = openDemoLab();
  clockMs = Date.now();
  provider.isDown = false;
  openConsole(oidcConfig());
  directory.alice = {
    email: 'alice@example.test',
    name: 'Alice Admin',
    groups: ['everyone', 'migawka-admins'],
  };
  directory.bob = { email: 'bob@example.test', name: 'Bob Ops', groups: ['ops'] };
  directory.carol = { email: 'carol@example.test', name: 'Carol Sales', groups: ['sales'] };
});

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
  expect(url.startsWith(`${provider.issuer}/auth`)).toBe(true);
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
  return principalFromHeaders(auth, new Headers({ cookie: jar.header(CONSOLE) }), { now });
}

describe('directory sign-in (OpenID Connect) against a real provider on loopback', () => {
  it('signs a directory admin in with the role their group maps to, and the API accepts the session', async () => {
    provider.loginAs = 'alice';
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
    provider.loginAs = 'bob';
    expect((await principalOf((await signInWithDirectory()).jar))?.role).toBe('operator');
    directory.bob = { ...(directory.bob as (typeof directory)['bob']), groups: ['everyone'] };
    expect((await principalOf((await signInWithDirectory()).jar))?.role).toBe('viewer');
  });

  it('refuses a directory user in no mapped group: no session, no account with a role', async () => {
    provider.loginAs = 'carol';
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
    provider.loginAs = 'bob';
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

/** The re-check's entries in the audit trail, oldest first, as [actor, action, outcome, message]. */
async function recheckTrail(database: DatabaseHandle) {
  const { items } = await storesOf(database).audit.list(
    { action: 'auth.directory-' },
    { limit: 50, cursor: null },
  );
  return items.reverse().map((entry) => [entry.actorName, entry.action, entry.outcome, entry.message]);
}

/** One moment of a session's life: the console's clock at `at` minutes after sign-in, and what a request may do then. */
interface Moment {
  at: number;
  /** What happens in the directory just before. */
  meanwhile?: () => void;
  role: Role | null;
}

const RECHECKS: {
  behaviour: string;
  /** The console asks for a refresh token (offline_access); false: the provider gives none. */
  isOffline?: boolean;
  /** What the directory does right after bob (ops: operator) signed in. */
  change: () => void;
  moments: Moment[];
  trail: [action: string, outcome: string, message: string | RegExp][];
}[] = [
  {
    behaviour:
      'groups changed at the provider: the new role applies once the interval has passed, not before',
    change: () => moveBob(['everyone']),
    moments: [
      { at: 9, role: 'operator' },
      { at: 10, role: 'viewer' },
      { at: 19, role: 'viewer' },
    ],
    trail: [
      [
        'auth.directory-role',
        'succeeded',
        'role of bob@example.test changed by the directory from operator to viewer',
      ],
    ],
  },
  {
    behaviour: 'groups unchanged: the role stands at every re-check and nothing is recorded',
    change: () => {},
    moments: [
      { at: 10, role: 'operator' },
      { at: 20, role: 'operator' },
    ],
    trail: [],
  },
  {
    behaviour: 'removed from every mapped group: the session ends at the re-check',
    change: () => moveBob(['sales']),
    moments: [
      { at: 9, role: 'operator' },
      { at: 10, role: null },
    ],
    trail: [
      [
        'auth.directory-session-end',
        'refused',
        'sessions of bob@example.test ended: the directory puts them in no group mapped to a Migawka role',
      ],
    ],
  },
  {
    behaviour:
      'disabled in the directory, the refresh refused (invalid_grant): the session ends at the re-check',
    change: () => Object.assign(directory.bob as object, { disabled: true }),
    moments: [
      { at: 9, role: 'operator' },
      { at: 10, role: null },
    ],
    trail: [
      [
        'auth.directory-session-end',
        'refused',
        /^sessions of bob@example.test ended: the directory refused to renew their sign-in \(invalid_grant/,
      ],
    ],
  },
  {
    behaviour: 'provider unreachable: the role is kept for the 15-minute grace, then the session ends',
    change: () => {},
    moments: [
      { at: 10, role: 'operator' },
      {
        at: 20,
        meanwhile: () => {
          provider.isDown = true;
          moveBob(['everyone']);
        },
        role: 'operator',
      },
      { at: 34, role: 'operator' },
      { at: 35, role: null },
    ],
    trail: [
      [
        'auth.directory-unanswered',
        'failed',
        /^the groups of bob@example.test could not be re-checked \(the directory's token endpoint did not answer: fetch failed.*\); their role operator is kept until .* unless the directory answers, then their sessions end$/,
      ],
      [
        'auth.directory-session-end',
        'refused',
        /^sessions of bob@example.test ended: the directory has given no answer since .* longer than the 15-minute grace$/,
      ],
    ],
  },
  {
    behaviour:
      'provider unreachable from the first re-check, back within the grace: its answer applies, the session goes on',
    change: () => {
      provider.isDown = true;
      moveBob(['everyone']);
    },
    moments: [
      { at: 10, role: 'operator' },
      { at: 12, meanwhile: () => (provider.isDown = false), role: 'viewer' },
      { at: 40, role: 'viewer' },
    ],
    trail: [
      [
        'auth.directory-unanswered',
        'failed',
        /^the groups of bob@example.test could not be re-checked \(the directory's discovery document could not be read: fetch failed/,
      ],
      [
        'auth.directory-role',
        'succeeded',
        'role of bob@example.test changed by the directory from operator to viewer',
      ],
    ],
  },
  {
    behaviour: 'a provider that gives no refresh token: the session lasts one re-check interval',
    isOffline: false,
    change: () => {},
    moments: [
      { at: 9, role: 'operator' },
      { at: 10, role: null },
    ],
    trail: [
      [
        'auth.directory-session-end',
        'refused',
        'sessions of bob@example.test ended: the directory gave no refresh token to re-check their groups with, so a directory session lasts one re-check interval',
      ],
    ],
  },
];

function moveBob(groups: string[]) {
  directory.bob = { ...(directory.bob as (typeof directory)['bob']), groups };
}

async function principalOn(on: Auth, jar: CookieJar): Promise<Principal | null> {
  return principalFromHeaders(on, new Headers({ cookie: jar.header(CONSOLE) }), { now });
}

const dialects = await storeDialects('oidc');

describe.each(dialects)('re-checking the directory while a session lives ($name)', (dialect) => {
  let database: DatabaseHandle;
  let close: () => Promise<void>;
  beforeEach(async (context) => {
    if (dialect.skip !== null) return context.skip();
    const opened = await openEmptyOn(dialect);
    database = opened.database;
    close = opened.close;
    openConsole(oidcConfig(), database);
  });
  afterEach(async () => {
    await close?.();
  });

  it.each(RECHECKS)('$behaviour', async ({ isOffline, change, moments, trail }) => {
    openConsole(oidcConfig({ isOffline }), database);
    provider.loginAs = 'bob';
    const signedInAt = clockMs;
    const { jar } = await signInWithDirectory();
    expect((await principalOf(jar))?.role).toBe('operator');
    const bob = await createAccountDirectory(auth).findUserByEmail('bob@example.test');
    change();
    for (const { at, meanwhile, role } of moments) {
      meanwhile?.();
      clockMs = signedInAt + at * MINUTE;
      expect((await principalOf(jar))?.role ?? null, `${at} minutes after sign-in`).toBe(role);
      // An ended session is revoked, not merely refused: nothing is left to come back to.
      if (role === null)
        expect(await createAccountDirectory(auth).listSessions(bob?.id as string)).toEqual([]);
    }
    expect(await recheckTrail(database)).toEqual(
      trail.map(([action, outcome, message]) => [
        'Directory (Example Corp)',
        action,
        outcome,
        typeof message === 'string' ? message : expect.stringMatching(message),
      ]),
    );
  });

  it('asks the provider once per interval, not per request: requests of a due user wait for one re-check', async () => {
    provider.loginAs = 'bob';
    const signedInAt = clockMs;
    const { jar } = await signInWithDirectory();
    provider.tokenRequests = 0;
    clockMs = signedInAt + 9 * MINUTE;
    await Promise.all([principalOf(jar), principalOf(jar)]);
    expect(provider.tokenRequests).toBe(0);
    moveBob(['everyone']);
    clockMs = signedInAt + 10 * MINUTE;
    const roles = await Promise.all(Array.from({ length: 5 }, () => principalOf(jar)));
    expect(roles.map((principal) => principal?.role)).toEqual(Array(5).fill('viewer'));
    expect(provider.tokenRequests).toBe(1);
    clockMs = signedInAt + 19 * MINUTE;
    for (let request = 0; request < 5; request += 1) expect((await principalOf(jar))?.role).toBe('viewer');
    expect(provider.tokenRequests).toBe(1);
    clockMs = signedInAt + 20 * MINUTE;
    expect((await principalOf(jar))?.role).toBe('viewer');
    expect(provider.tokenRequests).toBe(2);
  });

  it('two web nodes on one database re-check a due user once between them (the claim is on the row)', async () => {
    provider.loginAs = 'bob';
    const signedInAt = clockMs;
    const { jar } = await signInWithDirectory();
    const nodes = [auth, consoleAuth(oidcConfig(), database)];
    provider.tokenRequests = 0;
    moveBob(['everyone']);
    clockMs = signedInAt + 10 * MINUTE;
    const roles = await Promise.all(
      nodes.flatMap((node) => [principalOn(node, jar), principalOn(node, jar)]),
    );
    expect(provider.tokenRequests).toBe(1);
    // The winner's requests have the directory's new role; a request of the other node that read
    // the row before the answer was written still acts with the old one, never with none.
    expect(roles.map((principal) => principal?.role)).toContain('viewer');
    for (const principal of roles) expect(['operator', 'viewer']).toContain(principal?.role);
    for (const node of nodes) expect((await principalOn(node, jar))?.role).toBe('viewer');
    expect(provider.tokenRequests).toBe(1);
  });

  it('keeps the refresh token sealed with the session key, not as the provider issued it', async () => {
    provider.loginAs = 'bob';
    await signInWithDirectory();
    const bob = await createAccountDirectory(auth).findUserByEmail('bob@example.test');
    const library = await auth.$context;
    const [account] = await library.internalAdapter.findAccounts(bob?.id as string);
    expect(account?.refreshToken).toMatch(/^[0-9a-f]{64,}$/);
  });
});
