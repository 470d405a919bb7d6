/**
 * Next 16's proxy (formerly middleware): runs before every page, public file and non-tRPC route.
 * It refuses requests addressed to a host name the console does not answer to (DNS rebinding) and
 * state-changing requests sent by another site, and gives every page a Content-Security-Policy with
 * a fresh nonce, which Next reads from the request header while rendering and stamps on its own
 * inline and bundle scripts (so the root layout renders per request: app/layout.tsx).
 *
 * The tRPC endpoint is not matched: it applies the same checks itself (server/trpc/http-handler.ts),
 * and a proxy would buffer every request body in memory (10 MB by default, truncating beyond),
 * which the inventory import's large bodies must not go through. Build output under _next/static
 * carries the static headers of next.config.mjs.
 *
 * A page request without a session cookie goes to the sign-in page (which sends on to /setup while
 * no account exists). This only looks for the cookie; whether the session is real, and what its role
 * may do, is decided on the server by every procedure (server/trpc/init.ts).
 */
import { type NextRequest, NextResponse } from 'next/server';
import { getConfig } from './server/config';
import {
  API_CONTENT_SECURITY_POLICY,
  checkCrossOrigin,
  checkHost,
  isSafeMethod,
  newNonce,
  pageContentSecurityPolicy,
} from './server/edge';

/** better-auth's session cookie, plain or with the __Secure- prefix it gets behind HTTPS. */
const SESSION_COOKIES = ['better-auth.session_token', '__Secure-better-auth.session_token'];
/** What answers without a session: the API (401 by itself), Next's files, public files, the pages before sign-in. */
const OPEN_PATHS = /^\/(api\/|_next\/|sign-in|setup|icon\.svg|screenshots\/|favicon\.ico)/;

function needsSignIn(request: NextRequest): boolean {
  if (OPEN_PATHS.test(request.nextUrl.pathname)) return false;
  return !SESSION_COOKIES.some((name) => request.cookies.has(name));
}

export function proxy(request: NextRequest) {
  const { edge, isDevelopment } = getConfig();
  const refusal =
    checkHost(request, edge) ?? (isSafeMethod(request.method) ? null : checkCrossOrigin(request, edge));
  if (refusal) {
    return new NextResponse(`${refusal.message}\n`, {
      status: refusal.status,
      headers: {
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Security-Policy': API_CONTENT_SECURITY_POLICY,
      },
    });
  }
  if (needsSignIn(request)) {
    const signIn = new URL('/sign-in', request.url);
    const { pathname, search } = request.nextUrl;
    if (pathname !== '/') signIn.searchParams.set('next', `${pathname}${search}`);
    return NextResponse.redirect(signIn);
  }
  const policy = pageContentSecurityPolicy(newNonce(), { isDev: isDevelopment });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('Content-Security-Policy', policy);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('Content-Security-Policy', policy);
  return response;
}

export const config = {
  matcher: ['/((?!api/trpc|api/health|_next/static|_next/image).*)'],
};
