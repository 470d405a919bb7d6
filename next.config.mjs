/** @type {import('next').NextConfig} */
const nextConfig = {
  serverExternalPackages: ['better-sqlite3', 'pino'],
  // Playwright drives the console through 127.0.0.1; without this `next dev` refuses /_next/* and pages never hydrate.
  allowedDevOrigins: ['127.0.0.1'],
};

export default nextConfig;
