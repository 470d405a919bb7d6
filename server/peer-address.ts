/**
 * The X-Forwarded-For the console's server hands on with each request (server/console-server.ts),
 * whose last hop the audit trail and the sign-in rate limit take as the client's address
 * (audit-service.ts originOf). Reached directly, a client could otherwise name any address it likes
 * in its own header (Next only fills the header in when it is missing), so its claim is replaced by
 * the socket's address. Behind a trusted proxy (MIGAWKA_TRUSTED_PROXY) the socket is the proxy, and
 * the header the proxy wrote is kept (docs/security.md asks the proxy to replace the client's).
 */
export function forwardedFor(
  claimed: string | string[] | undefined,
  socketAddress: string | undefined,
  trustedProxy: boolean,
): string | undefined {
  const header = Array.isArray(claimed) ? claimed.join(', ') : claimed;
  if (trustedProxy && header) return header;
  return socketAddress;
}
