/**
 * The console's edge: who may talk to it, and the headers every answer carries. Used by the page
 * proxy (proxy.ts) and the tRPC endpoint alike, so a page and an API call are judged by one rule.
 * No framework imports: requests and headers are the web platform's.
 *
 * Two attacks it stops (docs/security.md, "The edge"):
 * - DNS rebinding: a web page on attacker.example re-points its name at 127.0.0.1 and then reads or
 *   writes the console "same-origin". Its requests still say `Host: attacker.example`, so every
 *   request whose Host is not one of the console's own names is refused.
 * - Cross-site requests: a page elsewhere posts to the console with the operator's cookies. Browsers
 *   say where a request comes from (`Sec-Fetch-Site`, `Origin`); anything not from the console's own
 *   origin (or an origin the operator allowed) is refused before a procedure runs.
 */

export interface EdgePolicy {
  /** Lower-case host names without port (config.edge.allowedHosts). */
  allowedHosts: readonly string[];
  /** Exact origins besides the console's own (config.edge.allowedOrigins). */
  allowedOrigins: readonly string[];
}

export interface EdgeRefusal {
  status: 403;
  message: string;
}

/** "Example.com:3000" → "example.com", "[::1]:3000" → "[::1]", a bare "::1" → "[::1]". */
export function hostNameOf(host: string): string {
  const value = host.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(0, value.indexOf(']') + 1);
  // A bare IPv6 address (a bind address such as "::1") has several colons and no port.
  if (value.split(':').length > 2) return `[${value}]`;
  return value.split(':')[0];
}

/** The Host the client addressed; a Request built without one (tests, fetch) carries it in its URL. */
function requestHost(request: Request): string {
  return request.headers.get('host') ?? new URL(request.url).host;
}

/** Refuses a request addressed to a host name the console does not answer to (DNS rebinding). */
export function checkHost(request: Request, policy: EdgePolicy): EdgeRefusal | null {
  const host = requestHost(request);
  if (policy.allowedHosts.includes(hostNameOf(host))) return null;
  return {
    status: 403,
    message: `Refused: this console does not answer to the host name "${hostNameOf(host)}". Allowed host names: ${policy.allowedHosts.join(', ')} (MIGAWKA_ALLOWED_HOSTS). A page reaching the console under another name may be a DNS-rebinding attack; if it is you, add the name to MIGAWKA_ALLOWED_HOSTS.`,
  };
}

/**
 * Refuses a request a browser sent on behalf of another site. The rule follows the one Go's
 * net/http CrossOriginProtection uses:
 * - `Sec-Fetch-Site: same-origin` (or `none`: the user typed the URL) passes;
 * - any other `Sec-Fetch-Site` passes only with an allowed `Origin`;
 * - a browser too old for `Sec-Fetch-Site` still sends `Origin` on cross-origin requests: it must be
 *   the console's own origin (same host and port as `Host`) or an allowed one;
 * - with neither header the client is not a browser (curl, the CLI, a script), and a web page cannot
 *   make a browser send a request without them, so there is no forged intent to refuse.
 */
export function checkCrossOrigin(request: Request, policy: EdgePolicy): EdgeRefusal | null {
  const origin = request.headers.get('origin');
  const site = request.headers.get('sec-fetch-site');
  const isAllowedOrigin = origin !== null && policy.allowedOrigins.includes(origin);
  if (site !== null) {
    if (site === 'same-origin' || site === 'none' || isAllowedOrigin) return null;
    return crossOriginRefusal(origin ?? `a ${site} page`, policy);
  }
  if (origin === null || isAllowedOrigin) return null;
  if (URL.canParse(origin) && new URL(origin).host === requestHost(request).toLowerCase()) return null;
  return crossOriginRefusal(origin, policy);
}

function crossOriginRefusal(from: string, policy: EdgePolicy): EdgeRefusal {
  const extra = policy.allowedOrigins.length ? `, ${policy.allowedOrigins.join(', ')}` : '';
  return {
    status: 403,
    message: `Refused: a request sent by the web page at ${from} may not act on this console. Allowed: the console's own origin${extra} (MIGAWKA_ALLOWED_ORIGINS).`,
  };
}

/** Methods that change nothing: pages and their assets only need the Host check. */
export function isSafeMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}

/**
 * Headers every answer carries (next.config.mjs applies them to every path; the tRPC endpoint sets
 * them itself so they hold however it is mounted). `X-Frame-Options` backs up `frame-ancestors`
 * for browsers that predate CSP 2.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

/** API answers are data, never a document: nothing may load from them and nobody may frame them. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/**
 * The pages' policy. Next streams inline bootstrap scripts, so scripts need the per-request nonce
 * (Next reads it from this header while rendering and stamps its own tags); `'strict-dynamic'` lets
 * those scripts load the bundle chunks. Styles allow inline because React renders `style` attributes
 * and the toast and dialog libraries insert `<style>` at runtime, which nonces cannot cover; a
 * style cannot run code. `next dev` needs `'unsafe-eval'` for React's debug stacks.
 */
export function pageContentSecurityPolicy(nonce: string, options: { isDev: boolean }): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.isDev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** 128 random bits, base64: unguessable and unique per response. */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}
