/** The root router only composes the area routers. */
import { createCallerFactory, router } from './init';
import { accountRouter } from './routers/account';
import { approvalsRouter } from './routers/approvals';
import { arrayConnectionsRouter } from './routers/array-connections';
import { arraysRouter } from './routers/arrays';
import { auditRouter } from './routers/audit';
import { backupsRouter } from './routers/backups';
import { dashboardRouter } from './routers/dashboard';
import { findingsRouter } from './routers/findings';
import { hostsRouter } from './routers/hosts';
import { hypervConnectionsRouter } from './routers/hyperv-connections';
import { inventoryRouter } from './routers/inventory';
import { jobsRouter } from './routers/jobs';
import { operationsRouter } from './routers/operations';
import { protectionRouter } from './routers/protection';
import { restorePointsRouter } from './routers/restore-points';
import { restoresRouter } from './routers/restores';
import { searchRouter } from './routers/search';
import { secretsRouter } from './routers/secrets';
import { setupRouter } from './routers/setup';
import { usersRouter } from './routers/users';
import { vmsRouter } from './routers/vms';
import { volumesRouter } from './routers/volumes';
import { xapiPoolsRouter } from './routers/xapi-pools';

export const appRouter = router({
  dashboard: dashboardRouter,
  hosts: hostsRouter,
  vms: vmsRouter,
  volumes: volumesRouter,
  arrays: arraysRouter,
  findings: findingsRouter,
  inventory: inventoryRouter,
  operations: operationsRouter,
  jobs: jobsRouter,
  backups: backupsRouter,
  restores: restoresRouter,
  restorePoints: restorePointsRouter,
  protection: protectionRouter,
  search: searchRouter,
  secrets: secretsRouter,
  hypervConnections: hypervConnectionsRouter,
  arrayConnections: arrayConnectionsRouter,
  audit: auditRouter,
  approvals: approvalsRouter,
  account: accountRouter,
  users: usersRouter,
  xapiPools: xapiPoolsRouter,
  setup: setupRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
