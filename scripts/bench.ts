/**
 * `npm run bench`: the speed and memory targets of the issues, measured on the large estate.
 *
 * A separate `migawka` process seeds 1,000 hosts / 20,000 VMs / 60,000 disks and 1,000,000 restore
 * points (BENCH_RESTORE_POINTS to change) into a throw-away SQLite file. This process then plays the
 * server: it opens that database and calls every list procedure through the real tRPC router
 * (validation, service, SQL) with the filters and sorts an operator uses, first and later pages.
 * Targets: p95 well under 100 ms per call, one page per answer, and the serving process under 500 MB
 * resident. Last, whole-estate evaluation (pure CPU) is timed. Exits 1 when a target is missed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Db, openDatabase, sqliteOf } from '../db/client';
import { generateLargeEstate } from '../db/seed/large-estate';
import { evaluateInventory } from '../server/engine/evaluate';
import { contextFor } from '../server/trpc/init';
import { createCaller } from '../server/trpc/root';

const LATENCY_TARGET_MS = 100;
const RSS_TARGET_MB = 500;
const RUNS_PER_SCENARIO = 15;
/** Whole-estate evaluation (every rule, six method options per VM) is pure CPU; median of warm runs. */
const EVALUATION_TARGET_MS = 1000;

interface Page {
  items: unknown[];
  nextCursor: string | null;
}

type Caller = ReturnType<typeof createCaller>;

interface Scenario {
  name: string;
  run: (caller: Caller) => Promise<unknown>;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Backup jobs for the protection overview to evaluate: the large seed has none, and without them
 * every VM is "no policy" and job coverage is never computed. 30 enabled jobs, one of each scope
 * kind in turn (300 named VMs, a host volume, a LUN), plus one job that has catalogued points of
 * 1,000 VMs it does not name (VMs captured together with the ones asked for).
 */
function seedBenchJobs(db: Db): void {
  const sqlite = sqliteOf(db);
  const now = Date.now();
  const vmIds = (sqlite.prepare('select id from vms order by id').all() as { id: string }[]).map(
    (row) => row.id,
  );
  const hostVolumeIds = sqlite.prepare('select id from host_volumes order by id limit 10').all() as {
    id: string;
  }[];
  const lunIds = sqlite.prepare('select id from array_volumes order by id limit 10').all() as {
    id: string;
  }[];
  const insertJob = sqlite.prepare(
    `insert into backup_jobs (id, name, request_json, cron, time_zone, missed_run_policy, retention_json,
       rpo_hours, is_enabled, created_at, updated_at)
     values (?, ?, ?, null, 'UTC', 'skip', '{"keepLast":7,"daily":0,"weekly":0,"monthly":0}', ?, 1, ?, ?)`,
  );
  const addJob = (id: string, scope: Record<string, unknown>, rpoHours: number) =>
    insertJob.run(
      id,
      id,
      JSON.stringify({ scope, consistencyPolicy: 'fallback', passthroughPolicy: 'skip' }),
      rpoHours,
      now,
      now,
    );
  sqlite.transaction(() => {
    for (let i = 0; i < 10; i += 1) {
      addJob(
        `bench-job-vms-${i}`,
        { kind: 'vms', vmIds: vmIds.slice(i * 1000, i * 1000 + 300) },
        [24, 12, 48][i % 3],
      );
      addJob(`bench-job-volume-${i}`, { kind: 'host-volume', hostVolumeId: hostVolumeIds[i]?.id }, 24);
      addJob(`bench-job-lun-${i}`, { kind: 'array-volume', arrayVolumeId: lunIds[i]?.id }, 72);
    }
    addJob('bench-job-catalogued', { kind: 'vms', vmIds: [vmIds[0]] }, 6);
    sqlite
      .prepare(
        `update restore_points set job_id = 'bench-job-catalogued'
         where vm_id in (select id from vms order by id limit 1000 offset 15000)`,
      )
      .run();
  })();
}

async function main(): Promise<void> {
  let missed = 0;
  const dir = mkdtempSync(path.join(tmpdir(), 'migawka-bench-'));
  const env = { ...process.env, MIGAWKA_DB_PATH: path.join(dir, 'bench.db') };
  const migawka = (...args: string[]) =>
    execFileSync(process.execPath, ['bin/migawka.mjs', ...args], { env, stdio: 'inherit' });
  migawka('seed-large');
  migawka('seed-restore-points', '--count', String(Number(process.env.BENCH_RESTORE_POINTS ?? 1_000_000)));
  const db = openDatabase(path.join(dir, 'bench.db'));
  seedBenchJobs(db);

  // Request paths as a signed-in viewer sees them (the session lookup is outside what is measured).
  const viewer = {
    user: { id: 'bench', name: 'Bench', email: 'bench@migawka.test' },
    role: 'viewer' as const,
  };
  const caller = createCaller(contextFor(db, {}, { ...viewer, session: null }));
  const firstPointPage = await caller.restorePoints.list({ limit: 50 });
  const firstVmPage = (await caller.vms.list({ limit: 50 })) as Page;
  const someVm = firstVmPage.items[0] as { id: string; hostId: string };
  const firstHostsByVmCount = (await caller.hosts.list({ limit: 50, sort: 'vmCount' })) as Page;

  const scenarios: Scenario[] = [
    { name: 'vms.list first page', run: (c) => c.vms.list({ limit: 50 }) },
    {
      name: 'vms.list page 2 (cursor)',
      run: (c) => c.vms.list({ limit: 50, cursor: firstVmPage.nextCursor ?? undefined }),
    },
    {
      name: 'vms.list sort host desc',
      run: (c) => c.vms.list({ limit: 50, sort: 'host', direction: 'desc' }),
    },
    {
      name: 'vms.list sort findings desc',
      run: (c) => c.vms.list({ limit: 50, sort: 'findings', direction: 'desc' }),
    },
    { name: 'vms.list sort readiness', run: (c) => c.vms.list({ limit: 50, sort: 'readiness' }) },
    { name: 'vms.list readiness=blocked', run: (c) => c.vms.list({ limit: 50, readiness: 'blocked' }) },
    {
      name: 'vms.list ruleId=HV-PASSTHROUGH-DISK',
      run: (c) => c.vms.list({ limit: 50, ruleId: 'HV-PASSTHROUGH-DISK' }),
    },
    { name: 'vms.list severity=blocker', run: (c) => c.vms.list({ limit: 50, severity: 'blocker' }) },
    { name: 'vms.list search', run: (c) => c.vms.list({ limit: 50, search: '1234' }) },
    { name: 'vms.list by host', run: (c) => c.vms.list({ limit: 50, hostId: someVm.hostId }) },
    {
      name: 'vms.list linux + running',
      run: (c) => c.vms.list({ limit: 50, osFamily: 'linux', powerState: 'running' }),
    },
    { name: 'vms.get detail', run: (c) => c.vms.get({ id: someVm.id }) },
    { name: 'hosts.list', run: (c) => c.hosts.list({ limit: 50 }) },
    {
      name: 'hosts.list page 2 sort vmCount',
      run: (c) =>
        c.hosts.list({ limit: 50, sort: 'vmCount', cursor: firstHostsByVmCount.nextCursor ?? undefined }),
    },
    { name: 'volumes.list', run: (c) => c.volumes.list({ limit: 50 }) },
    { name: 'volumes.list sort freeBytes', run: (c) => c.volumes.list({ limit: 50, sort: 'freeBytes' }) },
    { name: 'arrays.list', run: (c) => c.arrays.list({ limit: 50 }) },
    { name: 'dashboard.get', run: (c) => c.dashboard.get() },
    { name: 'restorePoints.list first page', run: (c) => c.restorePoints.list({ limit: 50 }) },
    {
      name: 'restorePoints.list page 2 (cursor)',
      run: (c) => c.restorePoints.list({ limit: 50, cursor: firstPointPage.nextCursor ?? undefined }),
    },
    {
      name: 'restorePoints.list oldest first',
      run: (c) => c.restorePoints.list({ limit: 50, sort: 'oldest' }),
    },
    { name: 'restorePoints.list by VM', run: (c) => c.restorePoints.list({ limit: 50, vmId: someVm.id }) },
    {
      name: 'restorePoints.list by host',
      run: (c) => c.restorePoints.list({ limit: 50, hostId: someVm.hostId }),
    },
    {
      name: 'restorePoints.list consistency=crash',
      run: (c) => c.restorePoints.list({ limit: 50, consistency: 'crash' }),
    },
    {
      name: 'restorePoints.list last 7 days',
      run: (c) => c.restorePoints.list({ limit: 50, createdFrom: new Date(Date.now() - 7 * 86_400_000) }),
    },
    { name: 'protection.vms first page', run: (c) => c.protection.vms({ limit: 25 }) },
    { name: 'protection.activity (14 days)', run: (c) => c.protection.activity() },
    { name: 'protection.summary', run: (c) => c.protection.summary() },
    {
      name: 'protection.vms status=rpo-exceeded',
      run: (c) => c.protection.vms({ limit: 25, status: 'rpo-exceeded' }),
    },
    // Few VMs are protected: the filter walks most of the estate before the page is full.
    {
      name: 'protection.vms status=protected',
      run: (c) => c.protection.vms({ limit: 25, status: 'protected' }),
    },
  ];

  console.log(
    `\n${'scenario'.padEnd(40)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'max ms'.padStart(8)}  rows`,
  );
  for (const scenario of scenarios) {
    const timings: number[] = [];
    let rows = 0;
    for (let run = 0; run < RUNS_PER_SCENARIO; run += 1) {
      const started = performance.now();
      const result = await scenario.run(caller);
      timings.push(performance.now() - started);
      rows = Array.isArray((result as Page).items) ? (result as Page).items.length : 1;
    }
    timings.sort((a, b) => a - b);
    const p95 = percentile(timings, 95);
    const isMissed = p95 >= LATENCY_TARGET_MS || rows > 100;
    if (isMissed) missed += 1;
    console.log(
      `${scenario.name.padEnd(40)} ${percentile(timings, 50).toFixed(1).padStart(8)} ${p95.toFixed(1).padStart(8)} ${timings[timings.length - 1].toFixed(1).padStart(8)}  ${rows}${isMissed ? '  MISSED' : ''}`,
    );
  }

  const rssMb = process.memoryUsage().rss / 1024 / 1024;
  console.log(
    `\nresident memory of the serving process: ${rssMb.toFixed(0)} MB (target < ${RSS_TARGET_MB} MB)`,
  );
  if (rssMb >= RSS_TARGET_MB) missed += 1;

  const estate = generateLargeEstate();
  const evaluationTimings: number[] = [];
  for (let run = 0; run < 4; run += 1) {
    const started = performance.now();
    evaluateInventory(estate);
    evaluationTimings.push(performance.now() - started);
  }
  const warm = evaluationTimings.slice(1).sort((a, b) => a - b);
  const evaluationMs = warm[Math.floor(warm.length / 2)];
  console.log(
    `evaluateInventory: ${estate.vms.length} VMs in ${evaluationMs.toFixed(0)} ms (median of warm runs; target < ${EVALUATION_TARGET_MS} ms)`,
  );
  if (evaluationMs >= EVALUATION_TARGET_MS) missed += 1;

  rmSync(dir, { recursive: true, force: true });
  console.log(missed === 0 ? 'all targets met' : `${missed} target(s) missed`);
  process.exit(missed === 0 ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
