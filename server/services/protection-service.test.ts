/**
 * The protection overview against a plain reference of its rules, on random catalogues.
 *
 * The service reads read models kept by triggers on restore_points (migration 0006) and computes
 * job coverage set-wise; these tests check that, whatever sequence of writes the catalogue goes
 * through (catalog, prune, verification verdicts, moved points, a deleted job), every VM's status,
 * RPO and newest good point, the status counts and the activity chart are exactly what the rules
 * say when computed row by row in TypeScript from the raw tables. The router tests
 * (server/trpc/routers/wizards.test.ts) keep the hand-written scenarios.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveMigrationsFolder } from '../../db/client';
import { resolvePgMigrationsFolder } from '../../db/pg/client';
import { ensureDemoLabIn } from '../../db/seed/ensure-demo-lab';
import { pick, seededRandom } from '../../db/seed/random';
import { type DialectHandle, storeDialects } from '../../db/stores/contract/dialects';
import { msOf, type RawSql, rawSqlOf } from '../../db/stores/contract/raw-sql';
import type { Stores } from '../../db/stores/ports';
import { CONSISTENCY_LEVELS, type Consistency } from '../engine/types';
import {
  getProtectionActivity,
  listVmProtection,
  PROTECTION_STATUSES,
  type ProtectionStatus,
  summarizeProtection,
  type VmProtection,
} from './protection-service';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const NOW = new Date(Date.UTC(2026, 5, 15, 10, 30));

let handle: DialectHandle;
let sql: RawSql;
let stores: Stores;
const ctx = { now: () => NOW };

async function insertJob(
  id: string,
  scope: Record<string, unknown>,
  rpoHours: number,
  isEnabled: boolean,
): Promise<void> {
  await sql.run(
    `insert into backup_jobs (id, name, request_json, cron, time_zone, missed_run_policy, retention_json,
       rpo_hours, is_enabled, created_at, updated_at)
     values (?, ?, ?, null, 'UTC', 'skip', '{"keepLast":1}', ?, ?, ?, ?)`,
    id,
    id,
    JSON.stringify({ scope, consistencyPolicy: 'fallback', passthroughPolicy: 'skip' }),
    rpoHours,
    sql.flag(isEnabled),
    sql.time(NOW.getTime()),
    sql.time(NOW.getTime()),
  );
}

const insertPointSql = `insert into restore_points (id, vm_id, vm_name, job_id, method, consistency, capture_state,
    created_at, held_disks_json, missing_disks_json, size_bytes, repository_path, last_verdict)
  values (?, ?, ?, ?, 'hyperv-vss', ?, 'online', ?, '[]', '[]', 1, 'synthetic', ?)`;

async function insertPoint(
  id: string,
  vmId: string,
  vmName: string,
  jobId: string | null,
  consistency: Consistency,
  createdAtMs: number,
  verdict: string | null,
): Promise<void> {
  await sql.run(insertPointSql, id, vmId, vmName, jobId, consistency, sql.time(createdAtMs), verdict);
}

const VERDICTS = [null, null, null, 'intact', 'corrupt', 'missing'] as const;

const ids = async (query: string) => (await sql.all<{ id: string }>(query)).map((row) => row.id);

/**
 * A random estate on the demo lab: jobs of every scope kind (some disabled), a disk whose own LUN
 * differs from its volume's, and points with tied times, verdicts, job ids and a VM that is gone.
 */
async function seedRandomCatalogue(
  seed: number,
): Promise<{ random: () => number; pointIds: string[]; jobIds: string[] }> {
  const random = seededRandom(seed);
  const vmIds = await ids('select id from vms order by id');
  const hostVolumeIds = await ids('select id from host_volumes order by id');
  const lunIds = await ids('select id from array_volumes order by id');
  // A disk on a LUN-backed volume that names another LUN of its own: its own one counts.
  const disk = await sql.get<{ id: string }>(
    `select d.id from virtual_disks d join host_volumes hv on hv.id = d.host_volume_id
     where hv.array_volume_id is not null order by d.id limit 1`,
  );
  const otherLun = await sql.get<{ id: string }>(
    `select a.id from array_volumes a where a.id not in
       (select hv.array_volume_id from virtual_disks d join host_volumes hv on hv.id = d.host_volume_id
        where d.id = ?) order by a.id limit 1`,
    disk.id,
  );
  await sql.run('update virtual_disks set array_volume_id = ? where id = ?', otherLun.id, disk.id);

  const jobIds: string[] = [];
  for (let i = 0; i < 8; i += 1) {
    const id = `job-${seed}-${i}`;
    const kind = pick(random, ['vms', 'host-volume', 'array-volume'] as const);
    const scope =
      kind === 'vms'
        ? { kind, vmIds: vmIds.filter(() => random() < 0.2) }
        : kind === 'host-volume'
          ? { kind, hostVolumeId: pick(random, hostVolumeIds) }
          : { kind, arrayVolumeId: i === 0 ? otherLun.id : pick(random, lunIds) };
    await insertJob(id, scope, pick(random, [1, 4, 24, 48, 0.5]), random() < 0.8);
    jobIds.push(id);
  }

  const pointIds: string[] = [];
  for (let i = 0; i < 400; i += 1) {
    // Unique ids in random order, so ties on created_at are broken by id, not by insertion order.
    const id = `rp-${String(Math.floor(random() * 1e6)).padStart(6, '0')}-${i}`;
    const vmId = random() < 0.05 ? 'vm-gone' : pick(random, vmIds);
    // Whole hours over the last 20 days, often the same hour for one VM: ties happen.
    const createdAt = NOW.getTime() - Math.floor(random() * 20 * 24) * HOUR;
    await insertPoint(
      id,
      vmId,
      vmId.replace(/^vm-/, ''),
      random() < 0.4 ? pick(random, jobIds) : null,
      pick(random, CONSISTENCY_LEVELS),
      createdAt,
      pick(random, VERDICTS),
    );
    pointIds.push(id);
  }
  return { random, pointIds, jobIds };
}

/** Every kind of write the catalogue sees after cataloguing, in random order. */
async function mutateRandomly(random: () => number, pointIds: string[], jobIds: string[]): Promise<void> {
  const vmIds = await ids('select id from vms order by id');
  for (let i = 0; i < 250; i += 1) {
    const id = pick(random, pointIds);
    const roll = random();
    if (roll < 0.3) await sql.run('delete from restore_points where id = ?', id);
    else if (roll < 0.55) {
      await sql.run(
        'update restore_points set last_verdict = ?, last_verified_at = ? where id = ?',
        pick(random, VERDICTS),
        sql.time(NOW.getTime()),
        id,
      );
    } else if (roll < 0.7) {
      await sql.run(
        'update restore_points set created_at = ? where id = ?',
        sql.time(NOW.getTime() - Math.floor(random() * 20 * 24) * HOUR),
        id,
      );
    } else if (roll < 0.8) {
      // A saved-state capture is counted apart per day: its capture state moves its count too.
      await sql.run(
        'update restore_points set consistency = ?, capture_state = ? where id = ?',
        pick(random, CONSISTENCY_LEVELS),
        pick(random, ['online', 'saved-state', 'offline']),
        id,
      );
    } else if (roll < 0.9) {
      await sql.run(
        'update restore_points set job_id = ? where id = ?',
        random() < 0.3 ? null : pick(random, jobIds),
        id,
      );
    } else await sql.run('update restore_points set vm_id = ? where id = ?', pick(random, vmIds), id);
  }
  // Jobs naming other VMs, or changing scope kind: which VMs a job names is kept apart from it.
  for (const jobId of jobIds.slice(2, 5)) {
    const scope =
      random() < 0.7
        ? { kind: 'vms', vmIds: vmIds.filter(() => random() < 0.2) }
        : { kind: 'host-volume', hostVolumeId: 'no-such-volume', vmIds: [pick(random, vmIds)] };
    await sql.run(
      'update backup_jobs set request_json = ? where id = ?',
      JSON.stringify({ scope, consistencyPolicy: 'fallback', passthroughPolicy: 'skip' }),
      jobId,
    );
  }
  // A deleted job: its points' job_id becomes null (ON DELETE SET NULL) and it covers nothing.
  await sql.run('delete from backup_jobs where id = ?', jobIds[1]);
  // Retention pruning many points at once.
  await sql.run(`delete from restore_points where created_at < ?`, sql.time(NOW.getTime() - 18 * DAY));
}

interface ReferenceVm {
  status: ProtectionStatus;
  rpoHours: number | null;
  pointId: string | null;
}

/** The rules of docs/domain.md §9 applied row by row to the raw tables. */
async function referenceProtection(now: Date): Promise<Map<string, ReferenceVm>> {
  const vms = await sql.all<{ id: string }>('select v.id from vms v join hosts h on h.id = v.host_id');
  const disks = await sql.all<{
    vm_id: string;
    host_volume_id: string | null;
    array_volume_id: string | null;
  }>('select vm_id, host_volume_id, array_volume_id from virtual_disks');
  const lunOfVolume = new Map(
    (
      await sql.all<{ id: string; array_volume_id: string }>('select id, array_volume_id from host_volumes')
    ).map((r) => [r.id, r.array_volume_id]),
  );
  const jobs = (
    await sql.all<{ id: string; request_json: string | { scope: unknown }; rpo_hours: number }>(
      'select id, request_json, rpo_hours from backup_jobs where is_enabled = ?',
      sql.flag(true),
    )
  ).map((job) => ({
    ...job,
    // JSON text on SQLite, parsed already on PostgreSQL.
    scope: (typeof job.request_json === 'string' ? JSON.parse(job.request_json) : job.request_json).scope,
  }));
  const points = (
    await sql.all<{
      id: string;
      vm_id: string;
      job_id: string | null;
      created_at: number | Date;
      last_verdict: string | null;
    }>('select id, vm_id, job_id, created_at, last_verdict from restore_points')
  ).map((point) => ({ ...point, created_at: msOf(point.created_at) }));

  const result = new Map<string, ReferenceVm>();
  for (const vm of vms) {
    const vmDisks = disks.filter((d) => d.vm_id === vm.id);
    const covering = jobs.filter(
      (job) =>
        (job.scope.kind === 'vms' && job.scope.vmIds.includes(vm.id)) ||
        (job.scope.kind === 'host-volume' &&
          vmDisks.some((d) => d.host_volume_id === job.scope.hostVolumeId)) ||
        (job.scope.kind === 'array-volume' &&
          vmDisks.some(
            (d) =>
              (d.array_volume_id ?? (d.host_volume_id ? lunOfVolume.get(d.host_volume_id) : null)) ===
              job.scope.arrayVolumeId,
          )) ||
        points.some((p) => p.vm_id === vm.id && p.job_id === job.id),
    );
    const newestGood = points
      .filter((p) => p.vm_id === vm.id && (p.last_verdict === null || p.last_verdict === 'intact'))
      .sort((a, b) => b.created_at - a.created_at || (b.id > a.id ? 1 : -1))[0];
    const rpoHours = covering.length > 0 ? Math.min(...covering.map((job) => job.rpo_hours)) : null;
    const status: ProtectionStatus = !newestGood
      ? 'unprotected'
      : rpoHours === null
        ? 'no-policy'
        : newestGood.created_at < now.getTime() - rpoHours * HOUR
          ? 'rpo-exceeded'
          : 'protected';
    result.set(vm.id, { status, rpoHours, pointId: newestGood?.id ?? null });
  }
  return result;
}

async function listAll(status?: ProtectionStatus): Promise<VmProtection[]> {
  const items: VmProtection[] = [];
  let cursor: string | undefined;
  do {
    const page = await listVmProtection(stores, ctx, { status, cursor, limit: 4 });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

async function expectMatchesReference(): Promise<void> {
  const reference = await referenceProtection(NOW);
  const listed = await listAll();
  expect(listed.map((item) => item.vmId).sort()).toEqual([...reference.keys()].sort());
  for (const item of listed) {
    const expected = reference.get(item.vmId);
    expect({
      vmId: item.vmId,
      status: item.status,
      rpoHours: item.rpoHours,
      pointId: item.lastPoint?.id ?? null,
    }).toEqual({
      vmId: item.vmId,
      ...expected,
    });
  }
  const summary = await summarizeProtection(stores, ctx);
  expect(summary.totalVms).toBe(reference.size);
  for (const status of PROTECTION_STATUSES) {
    const expectedIds = [...reference].filter(([, vm]) => vm.status === status).map(([id]) => id);
    expect(summary.byStatus[status]).toBe(expectedIds.length);
    expect((await listAll(status)).map((item) => item.vmId).sort()).toEqual(expectedIds.sort());
  }

  // Per day and level, a saved-state capture counted apart whatever level it records.
  const points = (
    await sql.all<{ created_at: number | Date; consistency: Consistency; capture_state: string }>(
      'select created_at, consistency, capture_state from restore_points',
    )
  ).map((point) => ({
    bucket: point.capture_state === 'saved-state' ? ('savedState' as const) : point.consistency,
    day: new Date(msOf(point.created_at)).toISOString().slice(0, 10),
  }));
  for (const day of (await getProtectionActivity(stores, ctx)).days) {
    for (const bucket of [...CONSISTENCY_LEVELS, 'savedState'] as const) {
      const expected = points.filter((p) => p.bucket === bucket && p.day === day.day).length;
      expect({ day: day.day, bucket, points: day.pointsByConsistency[bucket] }).toEqual({
        day: day.day,
        bucket,
        points: expected,
      });
    }
  }
}

/**
 * Statements that rebuild the read models from the jobs and the catalogue alone: the backfill of
 * backup_job_vms in each dialect's migration (SQLite 0038, PostgreSQL 0032), then the points'.
 * SQLite: the backfill of migration 0006 (its last three statements), the points per day as 0047
 * counts them. PostgreSQL's migration 0001 created the points' read models with the catalogue
 * empty, so it has no backfill but 0041's of the points per day; the other two queries are written
 * here in its dialect (its good-verdict function, ids compared byte-wise as SQLite does).
 */
function rebuildStatements(dialect: RawSql['dialect']): string[] {
  if (dialect === 'postgres') {
    return [
      ...insertsOf(path.join(resolvePgMigrationsFolder(), '0032_backup_job_vms.sql')),
      ...insertsOf(path.join(resolvePgMigrationsFolder(), '0041_point_counts_saved_state.sql')),
      `INSERT INTO restore_point_job_vms (job_id, vm_id, points)
         SELECT job_id, vm_id, count(*) FROM restore_points WHERE job_id IS NOT NULL GROUP BY job_id, vm_id`,
      `INSERT INTO vm_latest_good_points (vm_id, point_id, created_at)
         SELECT DISTINCT ON (vm_id) vm_id, id, created_at FROM restore_points
         WHERE migawka_is_good_verdict(last_verdict)
         ORDER BY vm_id, created_at DESC, id COLLATE "C" DESC`,
    ];
  }
  return [
    ...insertsOf(path.join(resolveMigrationsFolder(), '0038_backup_job_vms.sql')),
    // 0006's backfill of the points per day is 0047's since a saved-state capture counts apart.
    ...insertsOf(path.join(resolveMigrationsFolder(), '0006_protection_read_model_triggers.sql')).filter(
      (statement) => !statement.includes('restore_point_daily_counts'),
    ),
    ...insertsOf(path.join(resolveMigrationsFolder(), '0047_point_counts_saved_state.sql')),
  ];
}

/** The INSERT statements of a migration (its backfill), comment lines left out. */
function insertsOf(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('--> statement-breakpoint')
    .map((statement) =>
      statement
        .split('\n')
        .filter((line) => !line.startsWith('--'))
        .join('\n')
        .trim(),
    )
    .filter((statement) => statement.startsWith('INSERT INTO'));
}

const READ_MODELS = [
  'select job_id, vm_id from backup_job_vms order by job_id, vm_id',
  'select day, consistency, points from restore_point_daily_counts order by day, consistency',
  'select job_id, vm_id, points from restore_point_job_vms order by job_id, vm_id',
  'select vm_id, point_id, created_at from vm_latest_good_points order by vm_id',
];

describe.each(await storeDialects('protectionservice'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    beforeEach(async () => {
      handle = await dialect.open();
      stores = handle.stores;
      sql = rawSqlOf(handle);
      expect(await ensureDemoLabIn(stores, { seedDemo: true })).toBe(true);
    });
    afterEach(() => handle.close());

    describe('which jobs cover a VM', () => {
      const recent = NOW.getTime() - HOUR;
      interface CoverageCase {
        name: string;
        vmId: string;
        jobs: {
          scope: Record<string, unknown>;
          rpoHours: number;
          isEnabled?: boolean;
          cataloguedVmId?: string;
        }[];
        expectedRpoHours: number | null;
      }
      const cases: CoverageCase[] = [
        {
          name: 'scope names the VM',
          vmId: 'vm-web-01',
          jobs: [{ scope: { kind: 'vms', vmIds: ['vm-web-01'] }, rpoHours: 24 }],
          expectedRpoHours: 24,
        },
        {
          name: 'scope names another VM',
          vmId: 'vm-web-01',
          jobs: [{ scope: { kind: 'vms', vmIds: ['vm-fs-01'] }, rpoHours: 24 }],
          expectedRpoHours: null,
        },
        {
          name: 'a disabled job',
          vmId: 'vm-web-01',
          jobs: [{ scope: { kind: 'vms', vmIds: ['vm-web-01'] }, rpoHours: 24, isEnabled: false }],
          expectedRpoHours: null,
        },
        {
          name: 'host volume holds a disk',
          vmId: 'vm-web-01',
          jobs: [{ scope: { kind: 'host-volume', hostVolumeId: 'vol-hv-prod-01-d' }, rpoHours: 8 }],
          expectedRpoHours: 8,
        },
        {
          name: 'host volume holds none of its disks',
          vmId: 'vm-web-01',
          jobs: [{ scope: { kind: 'host-volume', hostVolumeId: 'vol-hv-prod-02-h' }, rpoHours: 8 }],
          expectedRpoHours: null,
        },
        {
          name: "LUN behind a disk's host volume",
          vmId: 'vm-erp-01',
          jobs: [{ scope: { kind: 'array-volume', arrayVolumeId: 'lun-erp-sys' }, rpoHours: 12 }],
          expectedRpoHours: 12,
        },
        {
          name: 'LUN behind the volume of a disk that names its own LUN',
          vmId: 'vm-archive-01',
          jobs: [{ scope: { kind: 'array-volume', arrayVolumeId: 'lun-archive' }, rpoHours: 12 }],
          expectedRpoHours: null,
        },
        {
          name: 'LUN a disk names itself',
          vmId: 'vm-archive-01',
          jobs: [{ scope: { kind: 'array-volume', arrayVolumeId: 'lun-erp-data' }, rpoHours: 6 }],
          expectedRpoHours: 6,
        },
        {
          name: 'job catalogued a point of the VM',
          vmId: 'vm-web-01',
          jobs: [{ scope: { kind: 'vms', vmIds: ['vm-fs-01'] }, rpoHours: 4, cataloguedVmId: 'vm-web-01' }],
          expectedRpoHours: 4,
        },
        {
          name: 'several jobs: the strictest enabled one',
          vmId: 'vm-web-01',
          jobs: [
            { scope: { kind: 'vms', vmIds: ['vm-web-01'] }, rpoHours: 24 },
            { scope: { kind: 'host-volume', hostVolumeId: 'vol-hv-prod-01-d' }, rpoHours: 2 },
            { scope: { kind: 'vms', vmIds: ['vm-web-01'] }, rpoHours: 1, isEnabled: false },
          ],
          expectedRpoHours: 2,
        },
      ];

      it.each(cases)('$name', async ({ vmId, jobs, expectedRpoHours }) => {
        // vm-archive-01's only disk sits on a volume backed by lun-archive but names lun-erp-data itself.
        await sql.run(
          `update virtual_disks set array_volume_id = 'lun-erp-data' where id = 'disk-archive-01-os'`,
        );
        await insertPoint('rp-good', vmId, vmId, null, 'application', recent, null);
        for (const [i, job] of jobs.entries()) {
          await insertJob(`job-${i}`, job.scope, job.rpoHours, job.isEnabled ?? true);
          if (job.cataloguedVmId) {
            await insertPoint(
              `rp-job-${i}`,
              job.cataloguedVmId,
              job.cataloguedVmId,
              `job-${i}`,
              'crash',
              recent - HOUR,
              null,
            );
          }
        }
        const item = (await listAll()).find((vm) => vm.vmId === vmId);
        expect(item?.rpoHours).toBe(expectedRpoHours);
        expect(item?.status).toBe(expectedRpoHours === null ? 'no-policy' : 'protected');
      });

      it.each([
        { age: 24 * HOUR, status: 'protected' },
        { age: 24 * HOUR + 1, status: 'rpo-exceeded' },
      ])('a newest good point $age ms old against a 24 h RPO is $status', async ({ age, status }) => {
        await insertJob('job-daily', { kind: 'vms', vmIds: ['vm-web-01'] }, 24, true);
        await insertPoint('rp-edge', 'vm-web-01', 'web-01', null, 'application', NOW.getTime() - age, null);
        expect((await listAll(status as ProtectionStatus)).map((vm) => vm.vmId)).toContain('vm-web-01');
        expect((await summarizeProtection(stores, ctx)).byStatus[status as ProtectionStatus]).toBe(1);
      });
    });

    describe('protection overview on random catalogues', () => {
      it.each([1, 2, 3, 4])(
        'matches the rules computed row by row, before and after random writes (seed %i)',
        async (seed) => {
          const { random, pointIds, jobIds } = await seedRandomCatalogue(seed);
          await expectMatchesReference();
          await mutateRandomly(random, pointIds, jobIds);
          await expectMatchesReference();
        },
      );

      it('keeps read models equal to a rebuild by the migration backfill', async () => {
        const { random, pointIds, jobIds } = await seedRandomCatalogue(7);
        await mutateRandomly(random, pointIds, jobIds);
        const readModels = () => Promise.all(READ_MODELS.map((query) => sql.all(query)));
        const kept = await readModels();
        expect(kept[0]?.length).toBeGreaterThan(0);
        expect(kept[1]?.length).toBeGreaterThan(0);
        expect(kept[2]?.length).toBeGreaterThan(0);
        expect(kept[3]?.length).toBeGreaterThan(0);
        const statements = rebuildStatements(sql.dialect);
        expect(statements).toHaveLength(4);
        await sql.exec(
          'delete from backup_job_vms; delete from restore_point_daily_counts; delete from restore_point_job_vms; delete from vm_latest_good_points',
        );
        for (const statement of statements) await sql.exec(statement);
        expect(await readModels()).toEqual(kept);
      });

      it.each([{ order: ['rp-tie-1', 'rp-tie-2'] }, { order: ['rp-tie-2', 'rp-tie-1'] }])(
        'breaks a tie on created_at by the higher id, whichever is catalogued first ($order)',
        async ({ order }) => {
          for (const id of order) {
            await insertPoint(id, 'vm-web-01', 'web-01', null, 'application', NOW.getTime() - HOUR, null);
          }
          const web = async () =>
            (await listVmProtection(stores, ctx, { search: 'web-01' })).items.find(
              (item) => item.vmId === 'vm-web-01',
            );
          expect((await web())?.lastPoint?.id).toBe('rp-tie-2');
          await sql.run(`update restore_points set last_verdict = 'missing' where id = 'rp-tie-2'`);
          expect((await web())?.lastPoint?.id).toBe('rp-tie-1');
        },
      );

      it('drops a (job, VM) pair and a day bucket with their last point, and falls back to the next good point', async () => {
        await insertJob('job-only', { kind: 'vms', vmIds: [] }, 24, true);
        await insertPoint('rp-a', 'vm-web-01', 'web-01', 'job-only', 'crash', NOW.getTime() - 2 * HOUR, null);
        await insertPoint(
          'rp-b',
          'vm-web-01',
          'web-01',
          null,
          'application',
          NOW.getTime() - 30 * HOUR,
          'intact',
        );
        const web = async () =>
          (await listVmProtection(stores, ctx, { search: 'web-01' })).items.find(
            (item) => item.vmId === 'vm-web-01',
          );
        expect(await web()).toMatchObject({ status: 'protected', rpoHours: 24, lastPoint: { id: 'rp-a' } });

        // Verified corrupt: the older intact point is the newest good one, and it is too old for 24 h.
        await sql.run(`update restore_points set last_verdict = 'corrupt' where id = 'rp-a'`);
        expect(await web()).toMatchObject({ status: 'rpo-exceeded', lastPoint: { id: 'rp-b' } });

        // The job's only point of the VM is pruned: the job no longer covers it.
        await sql.run(`delete from restore_points where id = 'rp-a'`);
        expect(await web()).toMatchObject({ status: 'no-policy', rpoHours: null, lastPoint: { id: 'rp-b' } });
        expect(await sql.get('select count(*) as n from restore_point_job_vms')).toEqual({ n: 0 });
        const today = (await getProtectionActivity(stores, ctx)).days.at(-1);
        expect(today?.pointsByConsistency.crash).toBe(0);
        expect(
          await sql.get(`select count(*) as n from restore_point_daily_counts where consistency = 'crash'`),
        ).toEqual({
          n: 0,
        });

        await sql.run(`delete from restore_points where id = 'rp-b'`);
        expect(await web()).toMatchObject({ status: 'unprotected', lastPoint: null });
      });
    });
  });
});
