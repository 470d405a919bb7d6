/**
 * Helpers for service suites that run operations through a test harness (imported by tests only):
 * a service context with a silent log, running an operation to its end, a volume backup, and the
 * restore point an operation catalogued for a VM, read through the store port of either dialect.
 */
import { afterEach, beforeEach, expect } from 'vitest';
import type { StoreDialect } from '../../db/stores/contract/dialects';
import { createServiceContext, type ServiceContext } from '../context';
import { createHarness, type Harness } from '../jobs/test-harness';
import type { Worker } from '../jobs/worker';
import { startBackup } from './operations-service';

export const quietLog = {
  info: () => {},
  warn: () => {},
  error: () => {},
  debug: () => {},
} as unknown as ServiceContext['log'];

/** `current` answers the suite's harness and worker of the running test (made in its beforeEach). */
export function serviceRunHelpers(current: () => { h: Harness; worker: Worker }) {
  const ctx = (overrides: Partial<ServiceContext> = {}) =>
    createServiceContext({ newId: current().h.newId, log: quietLog, ...overrides });

  /** Drives the worker with explicit passes under the harness clock until the operation ends. */
  async function run<T extends { operationId: string }>(started: T) {
    const { h, worker } = current();
    const [operation] = await h.tickUntilFinal(worker, [started.operationId]);
    return operation;
  }

  async function pointOf(operationId: string, vmId: string) {
    const { stores } = current().h;
    const page = await stores.restorePoints.browse({ vmId, sort: 'newest', limit: 1000 });
    const item = page.items.find((row) => row.operationId === operationId);
    const point = item ? await stores.restorePoints.get(item.id) : null;
    if (!point) throw new Error(`no point for ${vmId} from ${operationId}`);
    return point;
  }

  /** Windows Server Backup of volume hv1-d (app1 and sql1), run to success. */
  async function volumeBackup() {
    const started = await startBackup(current().h.stores, ctx(), {
      scope: { kind: 'host-volume', hostVolumeId: 'hv1-d' },
      methodByVm: { app1: 'wsb-volume', sql1: 'wsb-volume' },
      consistencyPolicy: 'fallback',
      passthroughPolicy: 'skip',
    });
    expect((await run(started)).status).toBe('succeeded');
    return started.operationId;
  }

  /** A backup of one VM under its own method (`require`), run to success: the point it catalogued. */
  async function backedUpPoint(vmId: string) {
    const started = await startBackup(current().h.stores, ctx(), {
      scope: { kind: 'vms', vmIds: [vmId] },
      consistencyPolicy: 'require',
      passthroughPolicy: 'skip',
    });
    expect((await run(started)).status).toBe('succeeded');
    return pointOf(started.operationId, vmId);
  }

  return { ctx, run, pointOf, volumeBackup, backedUpPoint };
}

/**
 * A new harness on `dialect` and its worker for each test of the enclosing block (handed to `set`,
 * the suite keeps them where serviceRunHelpers reads them), closed after the test.
 */
export function harnessPerTest(dialect: StoreDialect, set: (h: Harness, worker: Worker) => void): void {
  let current: Harness | null = null;
  beforeEach(async () => {
    current = await createHarness({ dialect });
    set(current, current.createWorker());
  });
  afterEach(async () => {
    await current?.close();
  });
}
