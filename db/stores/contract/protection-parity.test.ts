/**
 * Both stores keep the protection read models (SQLite with triggers, PostgreSQL with its own
 * triggers): for the same seeded random estate, jobs and catalogue — points catalogued, verified
 * (some corrupt), deleted — both give the same protection figures, page by page.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateInventory } from '../../../server/engine/evaluate';
import type { Consistency } from '../../../server/engine/types';
import { generateLargeEstate } from '../../seed/large-estate';
import { pick, seededRandom } from '../../seed/random';
import type { Stores } from '../ports';
import { type DialectHandle, storeDialects } from './dialects';
import { backupPlanOf } from './operation-store.contract';

const NOW = new Date('2026-06-15T10:30:00Z');
const HOUR = 3_600_000;
const CONSISTENCIES: Consistency[] = ['application', 'filesystem', 'crash'];

/** Writes the same random catalogue through the ports, whatever database is behind them. */
async function seedCatalogue(stores: Stores, seed: number): Promise<void> {
  const random = seededRandom(seed);
  const estate = generateLargeEstate({ hosts: 4, vms: 60, seed });
  await stores.inventory.importInventory({
    mode: 'replace',
    validate: () => estate,
    assess: evaluateInventory,
    record: { id: 'import-1', createdAt: new Date(NOW.getTime() - 500 * HOUR), requestedBy: 'system' },
  });
  const vmIds = estate.vms.map((vm) => vm.id);
  const jobIds: string[] = [];
  for (let n = 0; n < 6; n++) {
    const scope =
      n % 3 === 0
        ? { kind: 'host-volume', hostVolumeId: pick(random, estate.hostVolumes).id }
        : { kind: 'vms', vmIds: vmIds.filter(() => random() < 0.2) };
    const job = await stores.jobs.create({
      id: `job-${n}`,
      name: `job ${n}`,
      requestJson: { scope },
      cron: null,
      timeZone: 'UTC',
      missedRunPolicy: 'skip',
      retentionJson: { keepLast: 1, daily: 0, weekly: 0, monthly: 0 },
      rpoHours: pick(random, [4, 12, 24, 48]),
      isEnabled: random() < 0.8,
      lastScheduledAt: null,
      nextRunAt: null,
      createdAt: new Date(NOW.getTime() - 400 * HOUR),
      updatedAt: new Date(NOW.getTime() - 400 * HOUR),
      createdBy: 'system',
    });
    jobIds.push(job.id);
  }
  const points: string[] = [];
  for (let n = 0; n < 80; n++) {
    const vmId = pick(random, vmIds);
    const createdAt = new Date(NOW.getTime() - Math.floor(random() * 14 * 24) * HOUR - n);
    const operation = await stores.operations.enqueue(
      backupPlanOf([vmId]),
      {},
      {
        id: `op-${n}`,
        now: createdAt,
        requestedBy: 'system',
        jobId: random() < 0.7 ? pick(random, jobIds) : null,
      },
    );
    const id = `rp-${n}`;
    // Some points lack a disk: partial points must come out 'partial' on both stores alike.
    const isPartial = random() < 0.2;
    await stores.restorePoints.catalog({
      point: {
        id,
        vmId,
        vmName: vmId,
        operationId: operation.id,
        jobId: operation.jobId,
        method: 'hyperv-vss',
        consistency: pick(random, CONSISTENCIES),
        consistencyReason: null,
        captureState: 'online',
        applicationState: null,
        createdAt,
        hostVolumeId: null,
        arrayVolumeId: null,
        snapshotId: null,
        heldDisksJson: [],
        missingDisksJson: isPartial ? [`${vmId}-data`] : [],
        isPartial,
        sizeBytes: 1,
        repositoryPath: `repository/${id}`,
      },
      files: [],
      operationId: operation.id,
      now: createdAt,
    });
    points.push(id);
  }
  for (const pointId of points) {
    const roll = random();
    if (roll < 0.15) {
      await stores.restorePoints.recordVerification({
        pointId,
        now: NOW,
        verdict: pick(random, ['intact', 'corrupt', 'missing'] as const),
        details: {},
        requestedBy: 'system',
        operationId: null,
      });
    } else if (roll < 0.25) {
      await stores.restorePoints.deletePoint({ pointId, operationId: null, reason: 'retention', now: NOW });
    }
  }
}

/** Every figure the protection overview shows, read page by page. */
async function figures(stores: Stores) {
  const pages = [];
  for (let cursor: string | undefined; ; ) {
    const page = await stores.protection.listVmProtection({ limit: 17, cursor }, NOW);
    pages.push(...page.items);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  const byDay = await stores.protection.countPointsByDay(new Date(NOW.getTime() - 14 * 24 * HOUR), 15);
  return {
    statuses: await stores.protection.countVmsByStatus(NOW),
    vms: pages,
    pointsByDay: [...byDay].sort((a, b) =>
      `${a.day}${a.consistency}`.localeCompare(`${b.day}${b.consistency}`),
    ),
    backupsByDay: [
      ...(await stores.protection.countBackupsByDay(new Date(NOW.getTime() - 14 * 24 * HOUR))),
    ].sort((a, b) => `${a.day}${a.status}`.localeCompare(`${b.day}${b.status}`)),
  };
}

const dialects = await storeDialects('parity');
const postgres = dialects.find((dialect) => dialect.name === 'PostgreSQL');
const handles: DialectHandle[] = [];
afterAll(async () => {
  for (const handle of handles) await handle.close();
});

describe.skipIf(postgres?.skip !== null)('protection figures on SQLite and PostgreSQL', () => {
  it.each([7, 19])('are the same for the seeded random catalogue %i', { timeout: 180_000 }, async (seed) => {
    const results = [];
    for (const dialect of dialects) {
      const handle = await dialect.open();
      handles.push(handle);
      await seedCatalogue(handle.stores, seed);
      results.push(await figures(handle.stores));
    }
    const [sqlite, pg] = results;
    expect(sqlite?.vms.length).toBe(60);
    expect(Object.keys(sqlite?.statuses ?? {}).length).toBeGreaterThan(1);
    expect(pg).toEqual(sqlite);
  });
});
