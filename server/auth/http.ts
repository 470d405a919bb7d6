/** The process-wide /api/auth handler: the route handler of server/auth/route.ts over the process's database. */
import { getDb } from '../../db/client';
import { getConfig } from '../config';
import { logger } from '../logger';
import { authFor } from './auth';
import { createAccountDirectory } from './directory';
import { createAuthRouteHandler } from './route';
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
    });
  }
  return handle;
}

/** Whether no account exists yet (the sign-in page sends visitors to /setup then). */
export async function needsSetupNow(): Promise<boolean> {
  return (await createAccountDirectory(authFor(getDb())).countUsers()) === 0;
}

/** The signed-in user of a page request (server components), or null. */
export function principalOfPageRequest(headers: Headers): Promise<SessionPrincipal | null> {
  return principalFromHeaders(authFor(getDb()), headers);
}
