/**
 * The ProtectionStore contract: every VM's protection status (unprotected, no policy, protected,
 * RPO exceeded) under the coverage rules — a job covers a VM its scope names, one on its host
 * volume or LUN (a LUN behind the VM's volume, or presented straight to it), or one it has
 * catalogued a point of; disabled jobs cover nothing; the strictest RPO wins; a point verified
 * corrupt or missing is not a good point — the status counts, keyset paging and the name search
 * (LIKE characters taken literally), the runs needing attention, and the daily activity.
 *
 * Everything is written through the ports (inventory import, jobs, operations, the catalogue), so
 * the suite holds for any implementation, whatever it keeps its read models in.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyInventory, type Inventory, type Vm } from '../../../server/engine/inventory';
import type { OperationPlan } from '../../../server/engine/plan-types';
import { planPointVerify } from '../../../server/engine/point-plan';
import type { ProtectionStatus } from '../../../server/engine/protection';
import { isPartialPoint } from '../../../server/engine/restore-points';
import type { CaptureState, Consistency } from '../../../server/engine/types';
import type { Stores } from '../ports';
import type { NewJob } from '../ports/job-store';
import type { VmProtection, VmProtectionFacts } from '../ports/protection';
import { backupPlanOf } from './operation-store.contract';
import { BEFORE_ANY_CHANGE, JOB_CHANGES, jobOf } from './protection-job-changes';

export interface ProtectionStoreFixture {
  stores: Stores;
  close(): Promise<void>;
}

const HOUR = 3_600_000;
const NOW = new Date('2026-06-15T10:30:00Z');
const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * HOUR);

/** A row of the protection list as `protectionFactsOf` answers for its VM. */
function factsOf({ vmId, status, lastPoint, rpoHours }: VmProtection): VmProtectionFacts {
  return { vmId, status, lastPoint, rpoHours };
}

const sortedByVm = (facts: VmProtectionFacts[]) => [...facts].sort((a, b) => a.vmId.localeCompare(b.vmId));

function vm(id: string, name: string): Vm {
  return {
    id,
    name,
    hostId: 'h1',
    osFamily: 'windows',
    powerState: 'running',
    applications: [],
    backupIntegrationService: 'running',
    hasXenVssProvider: false,
    snapshotLocationVolumeId: null,
    hasFreezeScripts: false,
    dailyChangeBytes: 0,
    tags: [],
  } as Vm;
}

/**
 * alpha, gamma, delta%_x, zeta on volume D:; beta on volume E: (backed by LUN lun-1); epsilon on a
 * pass-through disk of lun-1 itself.
 */
function estate(): Inventory {
  const inventory = emptyInventory();
  inventory.hosts.push({
    id: 'h1',
    name: 'hv01',
    kind: 'hyperv',
    version: '2022',
    pool: null,
    hasVssAwareProduct: true,
    offersQuiescedSnapshots: false,
    connector: 'lab',
  });
  const volume = (id: string, arrayVolumeId: string | null) =>
    ({
      id,
      hostId: 'h1',
      name: id,
      kind: 'volume',
      sizeBytes: 1e12,
      freeBytes: 5e11,
      vssEnabled: true,
      shadowStorageVolumeId: id,
      shadowStorageLimitBytes: null,
      arrayVolumeId,
    }) satisfies Inventory['hostVolumes'][number];
  inventory.hostVolumes.push(volume('hv-d', null), volume('hv-e', 'lun-1'));
  inventory.arrays.push({
    id: 'arr-1',
    name: 'array one',
    vendor: 'netapp',
    supportsSnapshots: true,
    connector: 'lab',
  } as Inventory['arrays'][number]);
  inventory.arrayVolumes.push({
    id: 'lun-1',
    arrayId: 'arr-1',
    name: 'lun one',
    supportsSnapshots: true,
    consistencyGroupId: null,
  });
  const names: [string, string, string | null, string | null][] = [
    ['vm-a', 'alpha', 'hv-d', null],
    ['vm-b', 'beta', 'hv-e', null],
    ['vm-c', 'gamma', 'hv-d', null],
    ['vm-d', 'delta%_x', 'hv-d', null],
    ['vm-e', 'epsilon', null, 'lun-1'],
    ['vm-f', 'zeta', 'hv-d', null],
  ];
  for (const [id, name, hostVolumeId, arrayVolumeId] of names) {
    inventory.vms.push(vm(id, name));
    inventory.virtualDisks.push({
      id: `${id}-os`,
      vmId: id,
      name: `${name} os`,
      kind: arrayVolumeId ? 'passthrough' : 'vhdx',
      sizeBytes: 1e9,
      hostVolumeId,
      arrayVolumeId,
    });
  }
  return inventory;
}

export function runProtectionStoreContract(
  name: string,
  create: () => Promise<ProtectionStoreFixture>,
): void {
  describe(`ProtectionStore contract: ${name}`, () => {
    let fixture: ProtectionStoreFixture;
    let stores: Stores;
    let counter = 0;

    async function operation(vmIds: string[], createdAt: Date, options: { retryOfId?: string } = {}) {
      const op = await stores.operations.enqueue(
        backupPlanOf(vmIds),
        {},
        {
          id: `op-${++counter}`,
          now: createdAt,
          requestedBy: 'system',
          retryOfId: options.retryOfId ?? null,
        },
      );
      return op.id;
    }

    async function point(
      id: string,
      vmId: string,
      createdAt: Date,
      options: {
        jobId?: string;
        consistency?: Consistency;
        captureState?: CaptureState;
        missingDiskIds?: string[];
      } = {},
    ): Promise<string> {
      const missingDiskIds = options.missingDiskIds ?? [];
      const operationId = await operation([vmId], createdAt);
      await stores.restorePoints.catalog({
        point: {
          id,
          vmId,
          vmName: vmId,
          operationId,
          jobId: options.jobId ?? null,
          method: 'hyperv-vss',
          consistency: options.consistency ?? 'application',
          consistencyReason: null,
          captureState: options.captureState ?? 'online',
          applicationState: null,
          createdAt,
          hostVolumeId: null,
          arrayVolumeId: null,
          snapshotId: null,
          heldDisksJson: [`${vmId}-os`],
          missingDisksJson: missingDiskIds,
          isPartial: isPartialPoint({ missingDiskIds }),
          sizeBytes: 1,
          repositoryPath: `repository/${id}`,
        },
        files: [{ diskId: `${vmId}-os`, path: `repository/${id}/os.img`, sha256: 'ab'.repeat(32), bytes: 1 }],
        operationId,
        now: createdAt,
      });
      return operationId;
    }

    beforeEach(async () => {
      fixture = await create();
      stores = fixture.stores;
      const inventory = estate();
      await stores.inventory.importInventory({
        mode: 'replace',
        validate: () => inventory,
        assess: () => [],
        record: { id: 'import-1', createdAt: hoursAgo(200), requestedBy: 'system' },
      });
      await stores.jobs.create(jobOf('j-vms', { kind: 'vms', vmIds: ['vm-a'] }, 24));
      await stores.jobs.create(jobOf('j-hv', { kind: 'host-volume', hostVolumeId: 'hv-e' }, 4));
      await stores.jobs.create(jobOf('j-lun', { kind: 'array-volume', arrayVolumeId: 'lun-1' }, 48));
      await stores.jobs.create(jobOf('j-off', { kind: 'vms', vmIds: ['vm-c'] }, 1, false));
      await point('rp-a', 'vm-a', hoursAgo(2));
      await point('rp-b', 'vm-b', hoursAgo(6));
      await point('rp-c', 'vm-c', hoursAgo(1), { consistency: 'crash' });
      await point('rp-e-old', 'vm-e', hoursAgo(50));
      await point('rp-e-new', 'vm-e', hoursAgo(1));
      await stores.restorePoints.recordVerification({
        pointId: 'rp-e-new',
        verdict: 'corrupt',
        details: {},
        now: hoursAgo(0.5),
        requestedBy: 'system',
      });
      // Co-captured by the vms job although its scope does not name it: catalogued points count.
      await point('rp-f', 'vm-f', hoursAgo(3), { jobId: 'j-vms' });
    });
    afterEach(async () => {
      await fixture.close();
    });

    const EXPECTED: [string, ProtectionStatus, number | null, string | null, string][] = [
      ['alpha', 'protected', 24, 'rp-a', 'the vms job names it; its point is 2 h old'],
      [
        'beta',
        'rpo-exceeded',
        4,
        'rp-b',
        'the host-volume job (4 h) is stricter than the LUN job behind the volume (48 h)',
      ],
      ['delta%_x', 'unprotected', null, null, 'no point at all'],
      [
        'epsilon',
        'rpo-exceeded',
        48,
        'rp-e-old',
        'its pass-through LUN is covered; its newest point is corrupt, the good one is 50 h old',
      ],
      ['gamma', 'no-policy', null, 'rp-c', 'only a disabled job names it'],
      ['zeta', 'protected', 24, 'rp-f', 'the vms job catalogued a point of it'],
    ];

    it.each(EXPECTED)(
      '%s is %s (RPO %s, last good point %s): %s',
      async (vmName, status, rpoHours, pointId) => {
        const page = await stores.protection.listVmProtection({ search: vmName, limit: 50 }, NOW);
        const row = page.items.find((item) => item.vmName === vmName);
        expect(row).toMatchObject({ status, rpoHours, hostId: 'h1', hostName: 'hv01' });
        expect(row?.lastPoint?.id ?? null).toBe(pointId);
      },
    );

    it('lists every VM by name, keyset-paged, and counts the statuses the list shows', async () => {
      const first = await stores.protection.listVmProtection({ limit: 4 }, NOW);
      expect(first.items.map((row) => row.vmName)).toEqual(['alpha', 'beta', 'delta%_x', 'epsilon']);
      expect(first.nextCursor).not.toBeNull();
      const second = await stores.protection.listVmProtection(
        { limit: 4, cursor: first.nextCursor ?? undefined },
        NOW,
      );
      expect(second.items.map((row) => row.vmName)).toEqual(['gamma', 'zeta']);
      expect(second.nextCursor).toBeNull();
      expect(await stores.protection.countVmsByStatus(NOW)).toEqual({
        protected: 2,
        'rpo-exceeded': 2,
        'no-policy': 1,
        unprotected: 1,
      });
    });

    it('filters by status and by name, case-insensitive, with LIKE characters taken literally', async () => {
      const names = async (query: { status?: ProtectionStatus; search?: string }) =>
        (await stores.protection.listVmProtection({ ...query, limit: 50 }, NOW)).items.map(
          (row) => row.vmName,
        );
      expect(await names({ status: 'rpo-exceeded' })).toEqual(['beta', 'epsilon']);
      expect(await names({ search: 'A' })).toEqual(['alpha', 'beta', 'delta%_x', 'gamma', 'zeta']);
      expect(await names({ search: '%' })).toEqual(['delta%_x']);
      expect(await names({ search: '%_' })).toEqual(['delta%_x']);
      // As a pattern, "a_" would match alpha, gamma and delta%_x.
      expect(await names({ search: 'a_' })).toEqual([]);
      expect(await names({ status: 'protected', search: 'ZE' })).toEqual(['zeta']);
    });

    it('lists only the VMs asked for by id (one, several, or an unknown one)', async () => {
      const names = async (vmIds: string[]) =>
        (await stores.protection.listVmProtection({ vmIds, limit: 50 }, NOW)).items.map((row) => row.vmName);
      expect(await names(['vm-a'])).toEqual(['alpha']);
      expect(await names(['vm-b', 'vm-a', 'no-such-vm'])).toEqual(['alpha', 'beta']);
      expect(await names([])).toEqual([]);
    });

    it('gives the facts of the VMs asked for by id, and none of a VM that does not exist', async () => {
      const facts = async (vmIds: string[]) =>
        (await stores.protection.protectionFactsOf(vmIds, NOW)).map((row) => row.vmId).sort();
      expect(await facts(['vm-a'])).toEqual(['vm-a']);
      expect(await facts(['vm-b', 'vm-a', 'no-such-vm'])).toEqual(['vm-a', 'vm-b']);
      expect(await facts([])).toEqual([]);
    });

    // Asked for by id, a VM gets the answer the whole list gives it, whichever branch covers it,
    // and not the stricter RPO of a VM it was not asked with (the VM list asks for its page only).
    const NAMED: {
      branch: string;
      jobs: NewJob[];
      points?: [string, string, string][];
      named: [string, number];
      unnamed: [string, number];
    }[] = [
      {
        branch: 'vms scope',
        jobs: [jobOf('j-1', { kind: 'vms', vmIds: ['vm-c'] }, 2)],
        named: ['vm-a', 24],
        unnamed: ['vm-c', 2],
      },
      {
        branch: 'host volume',
        jobs: [
          jobOf('j-1', { kind: 'host-volume', hostVolumeId: 'hv-d' }, 12),
          jobOf('j-2', { kind: 'vms', vmIds: ['vm-f'] }, 2),
        ],
        named: ['vm-c', 12],
        unnamed: ['vm-f', 2],
      },
      { branch: 'LUN holding its disk', jobs: [], named: ['vm-e', 48], unnamed: ['vm-b', 4] },
      {
        branch: 'LUN behind its volume',
        jobs: [
          jobOf('j-1', { kind: 'array-volume', arrayVolumeId: 'lun-1' }, 3),
          jobOf('j-2', { kind: 'vms', vmIds: ['vm-e'] }, 1),
        ],
        named: ['vm-b', 3],
        unnamed: ['vm-e', 1],
      },
      {
        branch: 'catalogued point',
        jobs: [jobOf('j-1', { kind: 'vms', vmIds: [] }, 1)],
        points: [['rp-d', 'vm-d', 'j-1']],
        named: ['vm-f', 24],
        unnamed: ['vm-d', 1],
      },
    ];
    it.each(NAMED)(
      'a VM asked for by id, covered through a $branch, answers as in the whole list',
      async (row) => {
        for (const job of row.jobs) await stores.jobs.create(job);
        for (const [id, vmId, jobId] of row.points ?? []) await point(id, vmId, hoursAgo(1), { jobId });
        const whole = (await stores.protection.listVmProtection({ limit: 50 }, NOW)).items;
        const [named, rpo] = row.named;
        const [unnamed, stricter] = row.unnamed;
        expect(whole.find((item) => item.vmId === unnamed)?.rpoHours).toBe(stricter);
        const asked = await stores.protection.listVmProtection({ vmIds: [named], limit: 50 }, NOW);
        expect(asked.items).toEqual(whole.filter((item) => item.vmId === named));
        expect(asked.items[0]?.rpoHours).toBe(rpo);
        expect(await stores.protection.protectionFactsOf([named], NOW)).toEqual(
          whole.filter((item) => item.vmId === named).map(factsOf),
        );
      },
    );

    /** Each VM's RPO in the whole list, and asked for by id, one at a time. */
    async function rpoOfEveryVm(): Promise<Record<string, number | null>> {
      const whole = (await stores.protection.listVmProtection({ limit: 50 }, NOW)).items;
      for (const item of whole) {
        const asked = await stores.protection.listVmProtection({ vmIds: [item.vmId], limit: 50 }, NOW);
        expect(asked.items, item.vmId).toEqual([item]);
      }
      // The facts of every VM at once, as the VM list asks for its page.
      const facts = await stores.protection.protectionFactsOf(
        whole.map((item) => item.vmId),
        NOW,
      );
      expect(sortedByVm(facts)).toEqual(sortedByVm(whole.map(factsOf)));
      return Object.fromEntries(whole.map((item) => [item.vmId, item.rpoHours]));
    }

    it.each(JOB_CHANGES)('follows a job change: $change', async ({ apply, rpoHours }) => {
      expect(await rpoOfEveryVm()).toEqual(BEFORE_ANY_CHANGE);
      await apply(stores.jobs);
      expect(await rpoOfEveryVm()).toEqual(rpoHours);
      const counts = await stores.protection.countVmsByStatus(NOW);
      const whole = (await stores.protection.listVmProtection({ limit: 50 }, NOW)).items;
      for (const [status, n] of Object.entries(counts)) {
        expect(
          whole.filter((item) => item.status === status),
          status,
        ).toHaveLength(n);
      }
    });

    it('moves with time: the same catalogue exceeds the RPO later', async () => {
      const later = new Date(NOW.getTime() + 23 * HOUR);
      expect(await stores.protection.countVmsByStatus(later)).toEqual({
        'rpo-exceeded': 4,
        'no-policy': 1,
        unprotected: 1,
      });
    });

    // A VM its host's sync no longer sees is "gone", whatever its points: neither alarm fires for it.
    const GONE: [string, string, ProtectionStatus][] = [
      ['vm-a', 'alpha', 'protected'],
      ['vm-b', 'beta', 'rpo-exceeded'],
      ['vm-d', 'delta%_x', 'unprotected'],
      ['vm-c', 'gamma', 'no-policy'],
    ];
    it.each(GONE)(
      '%s (%s), %s while on its host, is "gone" once a sync misses it',
      async (vmId, vmName, before) => {
        const statusOf = async () =>
          (await stores.protection.listVmProtection({ search: vmName, limit: 1 }, NOW)).items[0]?.status;
        expect(await statusOf()).toBe(before);
        const others = ['vm-a', 'vm-b', 'vm-c', 'vm-d', 'vm-e', 'vm-f'].filter((id) => id !== vmId);
        await stores.inventory.markGoneVms('h1', others, hoursAgo(1), hoursAgo(1));
        expect(await statusOf()).toBe('gone');
        const counts = await stores.protection.countVmsByStatus(NOW);
        expect(counts.gone).toBe(1);
        expect(Object.values(counts).reduce((sum, n) => sum + n, 0)).toBe(6);
        expect(
          (await stores.protection.listVmProtection({ status: 'gone', limit: 50 }, NOW)).items.map(
            (row) => row.vmName,
          ),
        ).toEqual([vmName]);
        // Seen again by a sync: its status is computed from its points again.
        await stores.inventory.markGoneVms('h1', [...others, vmId], NOW, NOW);
        expect(await statusOf()).toBe(before);
      },
    );

    it('a partial newest point is "partial" within the RPO, never plainly protected, and says which disks it lacks', async () => {
      const row = async (vmName: string, at = NOW) =>
        (await stores.protection.listVmProtection({ search: vmName, limit: 1 }, at)).items[0];
      await point('rp-a-partial', 'vm-a', hoursAgo(1), { missingDiskIds: ['vm-a-pt'] });
      expect(await row('alpha')).toMatchObject({
        status: 'partial',
        lastPoint: {
          id: 'rp-a-partial',
          isPartial: true,
          heldDiskIds: ['vm-a-os'],
          missingDiskIds: ['vm-a-pt'],
        },
      });
      expect(await stores.protection.listVmProtection({ status: 'partial', limit: 50 }, NOW)).toMatchObject({
        items: [{ vmName: 'alpha' }],
      });
      expect((await stores.protection.countVmsByStatus(NOW)).partial).toBe(1);
      // Past the RPO the age is what matters; a point without a policy stays "no policy", marked partial.
      expect((await row('alpha', new Date(NOW.getTime() + 24 * HOUR))).status).toBe('rpo-exceeded');
      await point('rp-c-partial', 'vm-c', hoursAgo(0.5), { missingDiskIds: ['vm-c-pt'] });
      expect(await row('gamma')).toMatchObject({ status: 'no-policy', lastPoint: { isPartial: true } });
      // A newer complete point makes the VM protected again.
      await point('rp-a-full', 'vm-a', hoursAgo(0.25));
      expect(await row('alpha')).toMatchObject({ status: 'protected', lastPoint: { isPartial: false } });
    });

    it('says how the newest point was captured: a saved-state point is not labelled as if VSS ran in the guest', async () => {
      const lastPointOf = async (vmName: string) =>
        (await stores.protection.listVmProtection({ search: vmName, limit: 1 }, NOW)).items[0]?.lastPoint;
      await point('rp-a-saved', 'vm-a', hoursAgo(1), { captureState: 'saved-state' });
      await point('rp-c-online', 'vm-c', hoursAgo(1));
      expect(await lastPointOf('alpha')).toMatchObject({
        id: 'rp-a-saved',
        consistency: 'application',
        captureState: 'saved-state',
      });
      expect(await lastPointOf('gamma')).toMatchObject({ id: 'rp-c-online', captureState: 'online' });
      const [facts] = await stores.protection.protectionFactsOf(['vm-a'], NOW);
      expect(facts?.lastPoint?.captureState).toBe('saved-state');
    });

    it("shows each VM's last backup (a verify since is not one), and follows deletions of points", async () => {
      const failed = await operation(['vm-a'], hoursAgo(0.25));
      const [alpha] = (await stores.protection.listVmProtection({ search: 'alpha', limit: 1 }, NOW)).items;
      expect(alpha.lastRun).toEqual({ operationId: failed, status: 'queued', createdAt: hoursAgo(0.25) });
      // A verify of one of its points since is not its last run: the backup is what protects it.
      await stores.operations.enqueue(
        planPointVerify({ id: 'rp-a', vmId: 'vm-a', vmName: 'alpha', createdAt: hoursAgo(2) }),
        {},
        { id: 'op-verify-a', now: hoursAgo(0.1), requestedBy: 'system', retryOfId: null },
      );
      const [verified] = (await stores.protection.listVmProtection({ search: 'alpha', limit: 1 }, NOW)).items;
      expect(verified.lastRun?.operationId).toBe(failed);
      await stores.restorePoints.deletePoint({
        pointId: 'rp-a',
        operationId: null,
        reason: 'test',
        now: NOW,
      });
      const [after] = (await stores.protection.listVmProtection({ search: 'alpha', limit: 1 }, NOW)).items;
      expect(after.status).toBe('unprotected');
      expect(after.lastPoint).toBeNull();
    });

    it('lists failed runs no retry has ended since a time, newest first, whatever their kind', async () => {
      const blocked = (id: string, createdAt: Date, plan: OperationPlan = backupPlanOf(['vm-a'])) =>
        stores.operations.recordBlocked(
          { ...plan, isRunnable: false, blockedReasons: ['no route to host'] },
          {},
          { id, now: createdAt, requestedBy: 'system' },
        );
      await blocked('op-old', hoursAgo(24 * 10));
      await blocked('op-failed', hoursAgo(3));
      // A retry still queued has backed nothing up: the failure stands, naming the retry.
      await blocked('op-retried', hoursAgo(2));
      const queuedRetry = await operation(['vm-a'], hoursAgo(1), { retryOfId: 'op-retried' });
      // A cancelled retry retried nothing: the failure stands, with no retry under way.
      await blocked('op-retry-cancelled', hoursAgo(2.5));
      const cancelledRetry = await operation(['vm-a'], hoursAgo(2.25), { retryOfId: 'op-retry-cancelled' });
      await stores.operations.cancel(cancelledRetry, hoursAgo(2.2), 'system');
      await blocked(
        'op-verify',
        hoursAgo(1.5),
        planPointVerify({ id: 'rp-b', vmId: 'vm-b', vmName: 'beta', createdAt: hoursAgo(6) }),
      );
      const runs = await stores.protection.listRunsNeedingAttention(hoursAgo(24 * 7), 10);
      expect(runs.map((run) => [run.operationId, run.kind, run.status, run.unfinishedRetry])).toEqual([
        ['op-verify', 'verify-point', 'failed', null],
        ['op-retried', 'backup', 'failed', { operationId: queuedRetry, status: 'queued' }],
        ['op-retry-cancelled', 'backup', 'failed', null],
        ['op-failed', 'backup', 'failed', null],
      ]);
      expect(runs[3]).toMatchObject({
        error: 'blocked: no route to host',
        jobId: null,
        createdAt: hoursAgo(3),
      });
      expect(await stores.protection.listRunsNeedingAttention(hoursAgo(24 * 7), 1)).toHaveLength(1);
    });

    it('counts points per UTC day and consistency (a saved-state capture apart), and backups per day and status', async () => {
      // Hyper-V records a saved-state capture as application-consistent: the chart counts it apart.
      await point('rp-b-saved', 'vm-b', hoursAgo(3), { captureState: 'saved-state' });
      const points = await stores.protection.countPointsByDay(new Date('2026-06-13T00:00:00Z'), 3);
      expect(
        points.sort((a, b) => `${a.day}${a.consistency}`.localeCompare(`${b.day}${b.consistency}`)),
      ).toEqual([
        { day: '2026-06-13', consistency: 'application', points: 1 },
        { day: '2026-06-15', consistency: 'application', points: 4 },
        { day: '2026-06-15', consistency: 'crash', points: 1 },
        { day: '2026-06-15', consistency: 'saved-state', points: 1 },
      ]);
      expect(await stores.protection.countPointsByDay(new Date('2026-06-14T00:00:00Z'), 1)).toEqual([]);
      await stores.restorePoints.deletePoint({
        pointId: 'rp-c',
        operationId: null,
        reason: 'test',
        now: NOW,
      });
      const left = await stores.protection.countPointsByDay(new Date('2026-06-15T00:00:00Z'), 1);
      expect(left.sort((a, b) => a.consistency.localeCompare(b.consistency))).toEqual([
        { day: '2026-06-15', consistency: 'application', points: 4 },
        { day: '2026-06-15', consistency: 'saved-state', points: 1 },
      ]);
      const backups = await stores.protection.countBackupsByDay(new Date('2026-06-14T00:00:00Z'));
      expect(backups).toEqual([{ day: '2026-06-15', status: 'queued', runs: 6 }]);
    });
  });
}
