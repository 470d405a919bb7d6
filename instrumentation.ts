/**
 * Server start (Node runtime only): open and migrate the database, seed the demo lab into an empty
 * inventory, prepare accounts (the demo admin, or a one-time setup link in the log while none exists),
 * and start the in-process worker (durable runner + backup scheduler) before the first
 * request is served. MIGAWKA_WORKER=0 leaves the worker to a separate `migawka worker` process.
 *
 * NEXT_RUNTIME is the one variable read here rather than through server/config.ts: Next replaces it
 * at build time, so the edge build drops the Node-only imports below.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { getConfig } = await import('./server/config');
  const { getDb } = await import('./db/client');
  const { ensureDemoLab } = await import('./db/seed/ensure-demo-lab');
  const { logger } = await import('./server/logger');
  const db = getDb();
  const seeded = ensureDemoLab(db);
  logger.info({ demoLabSeeded: seeded }, 'database ready');
  const { authFor } = await import('./server/auth/auth');
  const { createAccountDirectory } = await import('./server/auth/directory');
  const { createServiceContext } = await import('./server/context');
  const { prepareAccounts } = await import('./server/services/first-run');
  const config = getConfig();
  await prepareAccounts(createAccountDirectory(authFor(db)), createServiceContext(), config);
  const { startBackgroundWorker, startEventRelay } = await import('./server/services/worker-service');
  if (config.runWorkerInProcess) startBackgroundWorker(db);
  // A separate worker process writes events to the database; relay them onto this process's bus
  // so live progress (SSE) keeps flowing.
  else startEventRelay(db);
}
