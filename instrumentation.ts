/**
 * Server start (Node runtime only): open and migrate the database (the SQLite file, or PostgreSQL
 * when DATABASE_URL is set), seed the demo lab into an empty inventory, prepare accounts (the demo
 * admin, or a one-time setup link in the log while none exists), and start the in-process worker
 * (durable runner + backup scheduler) before the first request is served. MIGAWKA_WORKER=0 leaves
 * the worker to separate `migawka worker` processes.
 *
 * NEXT_RUNTIME is the one variable read here rather than through server/config.ts: Next replaces it
 * at build time, so the edge build drops the Node-only imports below.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { getConfig } = await import('./server/config');
  const { describeDatabase, getProcessDatabase } = await import('./db/process-database');
  const { ensureDemoLabOnStart } = await import('./db/seed/ensure-demo-lab');
  const { logger } = await import('./server/logger');
  const config = getConfig();
  const database = await getProcessDatabase();
  const seeded = await ensureDemoLabOnStart(database);
  logger.info({ database: describeDatabase(config.database), demoLabSeeded: seeded }, 'database ready');
  const { authFor } = await import('./server/auth/auth');
  const { createAccountDirectory } = await import('./server/auth/directory');
  const { createServiceContext } = await import('./server/context');
  const { prepareAccounts } = await import('./server/services/first-run');
  await prepareAccounts(createAccountDirectory(authFor(database)), createServiceContext(), config);
  // The console's server (server/console-server.ts) answers /api/trpc with this, outside Next's router.
  const { createConsoleTrpcEndpoint } = await import('./server/trpc/console-endpoint');
  const { publishTrpcEndpoint } = await import('./server/trpc/direct-endpoint');
  publishTrpcEndpoint(createConsoleTrpcEndpoint());
  const { startBackgroundWorker, startEventRelay } = await import('./server/services/worker-service');
  if (config.runWorkerInProcess) startBackgroundWorker(database);
  // Separate worker processes (and, on PostgreSQL, the other nodes) write events to the database;
  // relay them onto this process's bus so live progress (SSE) keeps flowing. The relay skips what
  // this process published itself.
  if (!config.runWorkerInProcess || database.kind === 'postgres') startEventRelay(database);
}
