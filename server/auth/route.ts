/**
 * The HTTP face of the authentication library (/api/auth/*), narrowed to what the console uses:
 * sign in with email and password, sign out, read the session. Everything else the library could
 * serve (sign-up, its admin endpoints, password-reset mails) answers 404, so user administration
 * has one way in: the role-checked `users.*` procedures. The session's token stays in the httpOnly
 * cookie: the answers whose body would carry it too (sign-in, the session read) have it taken out.
 *
 * Sign-in also passes the account lockout: after `maxFailures` wrong passwords in a row an account
 * refuses every sign-in (right password or not) until `minutes` have passed on the injected clock
 * or an admin resets its password. The library's own rate limit (per client address) sits behind it.
 * The lockout reads the email from the body the way the library does (JSON or a form), and the
 * sign-ins of one account are judged one at a time, so neither a form post nor a burst of parallel
 * guesses gets more wrong passwords past it than `maxFailures`.
 */
import type { Logger } from 'pino';
import type { AuthConfig } from '../config';
import { type Actor, ANONYMOUS_ACTOR } from '../context';
import { isRole } from '../engine/roles';
import type { Auth } from './auth';
import type { AccountDirectory } from './directory';
import { withDirectoryAttempt } from './directory-attempt';
import { type OneAtATime, oneAtATimePerKey } from './one-at-a-time';
import { principalFromHeaders } from './session';
import { processSessionChecks } from './session-checks';

export const AUTH_BASE_PATH = '/api/auth';

const ROUTES: { method: string; path: string }[] = [
  { method: 'POST', path: '/sign-in/email' },
  { method: 'POST', path: '/sign-out' },
  { method: 'GET', path: '/get-session' },
  // Directory sign-in (OpenID Connect): start, and the provider's redirect back (query or form post).
  { method: 'POST', path: '/sign-in/social' },
  { method: 'GET', path: '/callback/oidc' },
  { method: 'POST', path: '/callback/oidc' },
];

export interface AuthRouteOptions {
  auth: Pick<Auth, 'handler' | 'api'>;
  accounts: AccountDirectory;
  now: () => Date;
  lockout: AuthConfig['lockout'];
  log: Pick<Logger, 'info' | 'warn'>;
  /**
   * Records a sign-in, failed sign-in or sign-out in the audit trail (with the request, for its
   * address and user agent). A failure to record is logged, never turned into a failed sign-in.
   */
  audit?: (event: AuthAuditEvent, request: Request) => Promise<void>;
}

export interface AuthAuditEvent {
  action: 'auth.sign-in' | 'auth.sign-out';
  outcome: 'succeeded' | 'refused';
  /** The account signed in or tried (a failed sign-in for an unknown email names the email). */
  actor: Actor;
  message: string | null;
}

export function createAuthRouteHandler(options: AuthRouteOptions): (request: Request) => Promise<Response> {
  const signIns = oneAtATimePerKey();
  return async (received) => {
    const request = asAddressed(received);
    const path = new URL(request.url).pathname.slice(AUTH_BASE_PATH.length);
    if (!ROUTES.some((route) => route.method === request.method && route.path === path)) {
      return Response.json({ message: 'Not found' }, { status: 404 });
    }
    if (request.method === 'POST' && !sameOrigin(request)) {
      // The library checks Origin only once a cookie is present; a sign-in from another site is refused too.
      return Response.json({ message: 'Sign in from the console itself' }, { status: 403 });
    }
    if (path === '/sign-in/email')
      return withoutSessionToken(await signInWithLockout(request, options, signIns));
    if (path === '/sign-out') return signOutRecorded(request, options);
    if (path === '/callback/oidc') return directoryCallback(request, options);
    if (path === '/get-session') return withoutSessionToken(await options.auth.handler(request));
    return options.auth.handler(request);
  };
}

/**
 * The library answers a sign-in and a session read with the session's token in the JSON body as
 * well as in the cookie (for clients that send it as a bearer). The console never reads it there,
 * and a token a page's script can read is what the httpOnly cookie is for keeping away from
 * scripts: it is taken out of the body. The cookie is left as the library set it.
 */
async function withoutSessionToken(response: Response): Promise<Response> {
  if (!response.headers.get('content-type')?.includes('application/json')) return response;
  const body: unknown = await response
    .clone()
    .json()
    .catch(() => null);
  if (!isRecord(body)) return response;
  const { token: _token, ...rest } = body;
  if (isRecord(rest.session)) {
    const { token: _sessionToken, ...session } = rest.session;
    rest.session = session;
  }
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return new Response(JSON.stringify(rest), {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type DirectoryUser = NonNullable<Awaited<ReturnType<AccountDirectory['findUserByEmail']>>>;

function actorOfUser(user: Pick<DirectoryUser, 'id' | 'name' | 'email' | 'role'>): Actor {
  return isRole(user.role)
    ? { kind: 'user', id: user.id, name: user.name, email: user.email, role: user.role }
    : { ...ANONYMOUS_ACTOR, name: user.email };
}

async function recordAuthEvent(options: AuthRouteOptions, request: Request, event: AuthAuditEvent) {
  if (!options.audit) return;
  try {
    await options.audit(event, request);
  } catch (error) {
    options.log.warn({ err: error, action: event.action }, 'audit entry could not be recorded');
  }
}

/** Sign-out, recorded for the user whose session it ends (read before the library deletes it). */
async function signOutRecorded(request: Request, options: AuthRouteOptions): Promise<Response> {
  const principal = await principalFromHeaders(options.auth, request.headers).catch(() => null);
  const response = await options.auth.handler(request);
  // The session's answer shared by its requests (server/auth/session.ts) goes with it.
  processSessionChecks().noteChanged();
  if (principal && response.ok) {
    await recordAuthEvent(options, request, {
      action: 'auth.sign-out',
      outcome: 'succeeded',
      actor: { kind: 'user', ...principal.user, role: principal.role },
      message: null,
    });
  }
  return response;
}

/**
 * The provider's redirect back after directory sign-in. A refusal the library answers as an error
 * (no mapped group, a disabled user) goes back to the sign-in page, which says why; either way
 * the attempt is recorded.
 */
async function directoryCallback(request: Request, options: AuthRouteOptions): Promise<Response> {
  const { result, attempt } = await withDirectoryAttempt(() => options.auth.handler(request));
  let response = result;
  const location = response.headers.get('location');
  const refusedWith =
    response.status >= 400
      ? ((
          (await response
            .clone()
            .json()
            .catch(() => ({}))) as { message?: string }
        ).message ?? `HTTP ${response.status}`)
      : location && /[?&]error=/.test(location)
        ? (new URL(location, request.url).searchParams.get('error_description') ??
          new URL(location, request.url).searchParams.get('error'))
        : null;
  if (response.status >= 400) {
    const back = new URL('/sign-in', request.url);
    back.searchParams.set('error', refusedWith ?? 'directory sign-in refused');
    response = new Response(null, { status: 302, headers: { location: `${back.pathname}${back.search}` } });
  }
  const cookie = response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  const principal = refusedWith
    ? null
    : await principalFromHeaders(options.auth, new Headers({ cookie })).catch(() => null);
  await recordAuthEvent(options, request, {
    action: 'auth.sign-in',
    outcome: principal ? 'succeeded' : 'refused',
    actor: principal
      ? { kind: 'user', ...principal.user, role: principal.role }
      : {
          ...ANONYMOUS_ACTOR,
          name: attempt.email ? `directory account ${attempt.email}` : 'unknown directory account',
        },
    message: principal
      ? 'Directory sign-in (OpenID Connect)'
      : `Directory sign-in refused: ${refusedWith ?? 'no session'}`,
  });
  return response;
}

/** Why a sign-in was refused, in the words the trail keeps. */
async function refusalOf(response: Response): Promise<string> {
  if (response.status === 401) return 'Wrong email or password';
  if (response.status === 429) return 'Too many sign-in attempts from this address';
  if (response.status === 403) {
    const body = (await response
      .clone()
      .json()
      .catch(() => ({}))) as { message?: string };
    return body.message ?? 'Sign-in refused';
  }
  return `Sign-in refused (HTTP ${response.status})`;
}

/**
 * The request with the URL the browser addressed (its Host header): Next may rebuild `request.url`
 * with its own host name (localhost for 127.0.0.1), and the library derives the console's origin,
 * which it checks sign-ins against, from that URL.
 */
function asAddressed(request: Request): Request {
  const host = request.headers.get('host');
  const url = new URL(request.url);
  if (!host || url.host === host) return request;
  return new Request(new URL(`${url.pathname}${url.search}`, `${url.protocol}//${host}`), {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal: request.signal,
    // Required by Node's fetch for a streamed request body.
    duplex: 'half',
  } as RequestInit);
}

/** A browser always sends Origin with a POST; a script without one is not a cross-site request. */
function sameOrigin(request: Request): boolean {
  const origin = request.headers.get('origin');
  if (!origin) return true;
  try {
    return new URL(origin).host === new URL(request.url).host;
  } catch {
    return false;
  }
}

/**
 * The email a sign-in names, read as the library reads the body (better-call): a form when the
 * content type says so, where the last of repeated fields wins; JSON otherwise. Null when there is
 * none to read.
 */
async function emailOf(request: Request): Promise<string | null> {
  const type = (request.headers.get('content-type') ?? '').toLowerCase();
  try {
    let email: unknown;
    if (type.includes('application/x-www-form-urlencoded')) {
      (await request.clone().formData()).forEach((value, key) => {
        if (key === 'email') email = value;
      });
    } else {
      email = ((await request.clone().json()) as { email?: unknown } | null)?.email;
    }
    return typeof email === 'string' ? email.trim().toLowerCase() : null;
  } catch {
    return null;
  }
}

async function signInWithLockout(
  request: Request,
  options: AuthRouteOptions,
  oneAtATime: OneAtATime,
): Promise<Response> {
  const email = await emailOf(request);
  if (email === null) {
    // The library would refuse it too; asked anyway, it would check a password the lockout never saw.
    await recordAuthEvent(options, request, {
      action: 'auth.sign-in',
      outcome: 'refused',
      actor: { ...ANONYMOUS_ACTOR, name: 'no email given' },
      message: 'No email given',
    });
    return Response.json(
      { code: 'EMAIL_REQUIRED', message: 'Sign in with your email and password' },
      { status: 400 },
    );
  }
  // Each attempt on an account sees the failures of the ones before it in this process; web nodes
  // sharing one PostgreSQL database judge their own, and every node's failures are counted
  // (AccountDirectory.recordFailedSignIn).
  return oneAtATime(email, () => judgeSignIn(request, options, email));
}

async function judgeSignIn(request: Request, options: AuthRouteOptions, email: string): Promise<Response> {
  const { accounts, now, lockout, log } = options;
  const user = await accounts.findUserByEmail(email);
  if (user?.lockedUntil && user.lockedUntil > now()) {
    log.warn({ userId: user.id }, 'sign-in refused: account locked');
    await recordAuthEvent(options, request, {
      action: 'auth.sign-in',
      outcome: 'refused',
      actor: actorOfUser(user),
      message: `Account locked until ${user.lockedUntil.toISOString()}`,
    });
    return lockedResponse(user.lockedUntil, now(), lockout.maxFailures);
  }
  const response = await options.auth.handler(request);
  await recordAuthEvent(options, request, {
    action: 'auth.sign-in',
    outcome: response.ok ? 'succeeded' : 'refused',
    actor: user ? actorOfUser(user) : { ...ANONYMOUS_ACTOR, name: `unknown account ${email}` },
    message: response.ok ? null : await refusalOf(response),
  });
  if (!user) return response;
  if (response.status === 401) {
    const lockUntil = new Date(now().getTime() + lockout.minutes * 60_000);
    const counted = await accounts.recordFailedSignIn(user.id, {
      maxFailures: lockout.maxFailures,
      lockUntil,
    });
    if (counted?.lockedUntil) {
      const { failures, lockedUntil } = counted;
      log.warn({ userId: user.id, lockedUntil }, 'account locked after repeated failed sign-ins');
      await recordAuthEvent(options, request, {
        action: 'auth.sign-in',
        outcome: 'refused',
        actor: actorOfUser(user),
        message: `Account locked until ${lockedUntil.toISOString()} after ${failures} failed sign-ins`,
      });
    }
  } else if (response.ok && (user.failedSignIns > 0 || user.lockedUntil)) {
    await accounts.updateUser(user.id, { failedSignIns: 0, lockedUntil: null });
  }
  return response;
}

function lockedResponse(until: Date, now: Date, maxFailures: number): Response {
  const retryAfter = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  return Response.json(
    {
      code: 'ACCOUNT_LOCKED',
      message: `This account is locked after ${maxFailures} failed sign-ins until ${until.toISOString().slice(11, 16)} UTC. Try again then, or ask an admin to reset the password.`,
      lockedUntil: until.toISOString(),
    },
    { status: 429, headers: { 'Retry-After': String(retryAfter) } },
  );
}
