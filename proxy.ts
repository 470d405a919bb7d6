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
