/**
 * Who a request is from: the session its cookie names, read by the authentication library (which
 * checks the signature and expiry), with the user's current role. A disabled user, or one whose
 * stored role is not a console role, is treated as signed out.
 */
import { isRole, type Role } from '../engine/roles';
import type { Auth } from './auth';

export interface SessionPrincipal {
  user: { id: string; name: string; email: string };
  role: Role;
  session: { id: string; token: string };
}

export async function principalFromHeaders(
  auth: Pick<Auth, 'api'>,
  headers: Headers,
): Promise<SessionPrincipal | null> {
  const found = await auth.api.getSession({ headers });
  if (!found) return null;
  const { user, session } = found;
  if (user.banned === true || !isRole(user.role)) return null;
  return {
    user: { id: user.id, name: user.name, email: user.email },
    role: user.role,
    session: { id: session.id, token: session.token },
  };
}
