// `npm start` / `npm run dev`: serves the console on the address and port of the configuration
// (server/config.ts: MIGAWKA_HOST, default 127.0.0.1 so a fresh start is reachable from this machine
// only; PORT, default 3000). `next start` alone would listen on every interface, and would route
// every tRPC call through Next's router (server/console-server.ts says why the console does not).
import { setFlagsFromString } from 'node:v8';
import { register } from 'tsx/esm/api';

// As `next start` and `next dev` set it, before the configuration (and Next) read it.
const isDevelopment = process.argv[2] === 'dev';
// Under load V8 let each heap grow to ~4 times what it kept (the main thread's 70 MB to ~290 MB of
// garbage between two full collections), and the console's resident memory swung from 400 to 650 MB
// with the load. At 1.5 times it stays at ~350–380 MB and serves as many pages a second (A/B at 32
// connections: 823 req/s, p99 111 ms, both ways; docs/BENCHMARKS.md). Set before anything allocates
// much; it holds for the query threads too (V8's flags are the process's).
if (!isDevelopment) setFlagsFromString('--heap-growing-percent=50');
process.env.NODE_ENV = isDevelopment ? 'development' : 'production';
const sourceMapsAsked = process.sourceMapsEnabled;
register();
const { ConfigError, loadConfig } = await import('../server/config.ts');
const { startConsoleServer } = await import('../server/console-server.ts');
// tsx turned Node's source maps on for the TypeScript above. Left on in production, Node would also
// read and keep the map of every chunk Next loads (~55 MB for the process's life, and the old
// generation is let grow in proportion to what it keeps): back to what the operator asked for, as
// under `next start` (NODE_OPTIONS=--enable-source-maps turns them on).
if (!isDevelopment) process.setSourceMapsEnabled(sourceMapsAsked);
let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
const server = await startConsoleServer({
  host: config.host,
  port: config.port,
  isDevelopment,
  trustedProxy: config.auth.trustedProxy,
  // A private in-memory database cannot be opened by another thread.
  queryThreads: config.database.kind === 'sqlite' && config.dbPath === ':memory:' ? 0 : config.queryThreads,
});
console.log(`Migawka is serving http://${config.host}:${config.port}`);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    // Open live streams would hold close() for ever; the worker's leases let another take over.
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
