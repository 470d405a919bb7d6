/**
 * Who a request is from: the session its cookie names, read by the authentication library (which
 * checks the signature and expiry), with the user's current role. A disabled user, or one whose
 * stored role is not a console role, is treated as signed out.
 *
 * The library's answer for a cookie is shared by the requests that bring the same cookie within
 * SESSION_CHECK_MAX_AGE_MS (server/auth/session-checks.ts): a session revoked, or a user disabled
 * or given a new role, in this process is seen by the next request; from another process (the
 * command line, another web node) within that window. Only a session that exists is shared: a
 * cookie the library refuses is asked again every time (and takes no room). Expiry, the disabled
 * flag and the role are judged on every request.
 *
 * A directory user's role is the directory's: once per re-check interval their groups are read from
 * the provider again (server/auth/directory-recheck.ts) — by the request that finds them due, which
 * waits for the answer; every other request judges from the user row alone.
 */
import { isRole, type Role } from '../engine/roles';
import type { Auth } from './auth';
import { processSessionChecks, type SessionChecks } from './session-checks';

export interface SessionPrincipal {
  user: { id: string; name: string; email: string };
  role: Role;
  session: { id: string; token: string };
}

type SessionAuth = Pick<Auth, 'api'> & Partial<Pick<Auth, 'directoryRecheck'>>;
type LibrarySession = Awaited<ReturnType<SessionAuth['api']['getSession']>>;

/** Each authentication (one per database) has its own answers: a cookie of one means nothing to another. */
const authIds = new WeakMap<SessionAuth, number>();
let authCount = 0;

function keyOf(auth: SessionAuth, cookie: string): string {
  let id = authIds.get(auth);
  if (id === undefined) {
    id = ++authCount;
    authIds.set(auth, id);
  }
  return `principal ${id} ${cookie}`;
}

export interface PrincipalLookUp {
  /** Shared answers (the process's by default). */
  checks?: SessionChecks<unknown>;
  /** The clock expiry is judged against. */
  now?: () => Date;
}

export async function principalFromHeaders(
  auth: SessionAuth,
  headers: Headers,
  { checks = processSessionChecks(), now = () => new Date() }: PrincipalLookUp = {},
): Promise<SessionPrincipal | null> {
  const cookie = headers.get('cookie');
  // Without a cookie there is no session to share; the library answers for itself.
  const found = cookie
    ? ((await checks.lookUp(keyOf(auth, cookie), () => auth.api.getSession({ headers }), {
        keep: (answer) => answer !== null,
      })) as LibrarySession)
    : await auth.api.getSession({ headers });
  if (!found) return null;
  const { user, session } = found;
  // The library refuses an expired session itself; a shared answer may have expired since.
  if (session.expiresAt < now()) return null;
  if (user.banned === true || !isRole(user.role)) return null;
  const role = auth.directoryRecheck
    ? await auth.directoryRecheck.roleOf({ ...user, role: user.role }, now())
    : user.role;
  if (!role) return null;
  return {
    user: { id: user.id, name: user.name, email: user.email },
    role,
    session: { id: session.id, token: session.token },
  };
}
