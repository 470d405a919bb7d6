/**
 * Security headers on every answer (server/edge.ts explains them; a test keeps this list equal to
 * its SECURITY_HEADERS). Pages get their Content-Security-Policy with a per-request nonce from
 * proxy.ts and the tRPC endpoint sets its own; the paths the proxy does not see get the strict
 * data-only policy here.
 */
const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};
const DATA_ONLY_POLICY = "default-src 'none'; frame-ancestors 'none'";

const headerList = (headers) => Object.entries(headers).map(([key, value]) => ({ key, value }));

/** @type {import('next').NextConfig} */
const nextConfig = {
  serverExternalPackages: ['better-sqlite3', 'pino', 'ssh2', 'pg'],
  // Playwright drives the console through 127.0.0.1; without this `next dev` refuses /_next/* and pages never hydrate.
  allowedDevOrigins: ['127.0.0.1'],
  // Saying which framework answers only helps an attacker pick exploits.
  poweredByHeader: false,
  async headers() {
    return [
      { source: '/:path*', headers: headerList(SECURITY_HEADERS) },
      {
        source: '/(_next/static/.*|_next/image|api/health)',
        headers: headerList({ 'Content-Security-Policy': DATA_ONLY_POLICY }),
      },
    ];
  },
};

export { SECURITY_HEADERS as NEXT_SECURITY_HEADERS };
export default nextConfig;
