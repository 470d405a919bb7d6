/**
 * The process-wide /api/auth handler and the page helpers: the route handler of
 * server/auth/route.ts over the process's database (SQLite, or PostgreSQL with DATABASE_URL).
 */
import { type DatabaseHandle, getProcessDatabase, storesOf } from '../../db/process-database';
import { getConfig } from '../config';
import { createServiceContext } from '../context';
import { logger } from '../logger';
import { originOf, recordAudit } from '../services/audit-service';
import { authFor } from './auth';
import { createAccountDirectory } from './directory';
import { type AuthRouteOptions, createAuthRouteHandler } from './route';
import { principalFromHeaders, type SessionPrincipal } from './session';

const holder = globalThis as typeof globalThis & {
  __migawkaAuthRoute?: Promise<(request: Request) => Promise<Response>>;
};

async function createProcessAuthRoute(): Promise<(request: Request) => Promise<Response>> {
  const database = await getProcessDatabase();
  const auth = authFor(database);
  return createAuthRouteHandler({
    auth,
    accounts: createAccountDirectory(auth),
    now: () => new Date(),
    lockout: getConfig().auth.lockout,
    log: logger,
    audit: recordAuthEventIn(database),
  });
}

/** The /api/auth handler over the process's database (made on the first request). */
export function getAuthRouteHandler(): (request: Request) => Promise<Response> {
  return async (request) => {
    if (!holder.__migawkaAuthRoute) {
      const made = createProcessAuthRoute();
      // A database that could not be opened is tried again by the next request.
      made.catch(() => {
        if (holder.__migawkaAuthRoute === made) holder.__migawkaAuthRoute = undefined;
      });
      holder.__migawkaAuthRoute = made;
    }
    return (await holder.__migawkaAuthRoute)(request);
  };
}

/** Sign-ins, failed sign-ins and sign-outs into the database's audit trail, with the request's address. */
export function recordAuthEventIn(
  database: DatabaseHandle,
  now: () => Date = () => new Date(),
): NonNullable<AuthRouteOptions['audit']> {
  const stores = storesOf(database);
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
  return (await createAccountDirectory(authFor(await getProcessDatabase())).countUsers()) === 0;
}

/** The signed-in user of a page request (server components), or null. */
export async function principalOfPageRequest(headers: Headers): Promise<SessionPrincipal | null> {
  return principalFromHeaders(authFor(await getProcessDatabase()), headers);
}
