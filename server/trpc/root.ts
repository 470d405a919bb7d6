/** The root router only composes the area routers. */
import { createCallerFactory, router } from './init';
import { arraysRouter } from './routers/arrays';
import { dashboardRouter } from './routers/dashboard';
import { findingsRouter } from './routers/findings';
import { hostsRouter } from './routers/hosts';
import { inventoryRouter } from './routers/inventory';
import { vmsRouter } from './routers/vms';
import { volumesRouter } from './routers/volumes';

export const appRouter = router({
  dashboard: dashboardRouter,
  hosts: hostsRouter,
  vms: vmsRouter,
  volumes: volumesRouter,
  arrays: arraysRouter,
  findings: findingsRouter,
  inventory: inventoryRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
