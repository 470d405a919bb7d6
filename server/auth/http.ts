/** The process-wide /api/auth handler: the route handler of server/auth/route.ts over the process's database. */
import { type Db, getDb } from '../../db/client';
import { createSqliteStores } from '../../db/stores/sqlite';
import { getConfig } from '../config';
import { createServiceContext } from '../context';
import { logger } from '../logger';
import { originOf, recordAudit } from '../services/audit-service';
import { authFor } from './auth';
import { createAccountDirectory } from './directory';
import { type AuthRouteOptions, createAuthRouteHandler } from './route';
import { principalFromHeaders, type SessionPrincipal } from './session';

let handle: ((request: Request) => Promise<Response>) | undefined;

export function getAuthRouteHandler(): (request: Request) => Promise<Response> {
  if (!handle) {
    const auth = authFor(getDb());
    handle = createAuthRouteHandler({
      auth,
      accounts: createAccountDirectory(auth),
      now: () => new Date(),
      lockout: getConfig().auth.lockout,
      log: logger,
      audit: recordAuthEventIn(getDb()),
    });
  }
  return handle;
}

/** Sign-ins, failed sign-ins and sign-outs into the database's audit trail, with the request's address. */
export function recordAuthEventIn(
  db: Db,
  now: () => Date = () => new Date(),
): NonNullable<AuthRouteOptions['audit']> {
  const stores = createSqliteStores(db);
  return async (event, request) => {
    await recordAudit(stores, createServiceContext({ actor: event.actor, now }), {
      action: event.action,
      outcome: event.outcome,
      message: event.message,
      objects:
        event.actor.kind === 'user' ? [{ kind: 'user', id: event.actor.id, name: event.actor.email }] : [],
      origin: originOf(request),
    });
  };
}

/** Whether no account exists yet (the sign-in page sends visitors to /setup then). */
export async function needsSetupNow(): Promise<boolean> {
  return (await createAccountDirectory(authFor(getDb())).countUsers()) === 0;
}

/** The signed-in user of a page request (server components), or null. */
export function principalOfPageRequest(headers: Headers): Promise<SessionPrincipal | null> {
  return principalFromHeaders(authFor(getDb()), headers);
}
