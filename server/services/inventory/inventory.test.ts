import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_LAB_NAMES, demoLabInventory } from '../../../db/seed/demo-lab';
import { generateLargeEstate, type LargeEstateOptions, seedLargeEstate } from '../../../db/seed/large-estate';
import { type DialectHandle, storeDialects } from '../../../db/stores/contract/dialects';
import type { Stores } from '../../../db/stores/ports';
import type { Page } from '../../../db/stores/ports/page';
import {
  writeAssessments as writePgAssessments,
  writeInventory as writePgInventory,
} from '../../../db/stores/postgres/inventory-rows';
import { createServiceContext } from '../../context';
import { evaluateInventory } from '../../engine/evaluate';
import type { Vm } from '../../engine/inventory';
import { isDomainError } from '../errors';
import { importInventory } from '../import-service';
import { countArrays, getArray, getArrayVolumeName, listArrays } from './arrays';
import { getDashboard } from './dashboard';
import { listFindings } from './findings';
import { countHostVolumes, getHostVolume, listHostVolumes } from './host-volumes';
import { countHosts, getHost, listHosts } from './hosts';
import { countVms, getMethodPlan, getVm, listVms } from './vms';

/** Protection statuses are taken at a fixed time: these tests never read the wall clock. */
const CLOCK = { now: () => new Date('2026-06-15T10:30:00Z') };

/** Walks every page of a list and returns all ids in order, checking each page's size. */
async function collectAll<T extends { id: string }>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  limit: number,
): Promise<{ ids: string[]; items: T[] }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = await fetchPage(cursor);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    if (!page.nextCursor) break;
    expect(page.items.length).toBe(limit);
    cursor = page.nextCursor;
  }
  return { ids: items.map((item) => item.id), items };
}

async function domainErrorOf(fn: () => Promise<unknown>): Promise<{ code: string; paths: string[] }> {
  try {
    await fn();
  } catch (error) {
    if (isDomainError(error)) return { code: error.code, paths: error.fieldErrors.map((e) => e.path) };
    throw error;
  }
  throw new Error('expected a DomainError');
}

/** The generated estate written as the seed command writes it (SQLite), or the same rows on PostgreSQL. */
async function seedEstate(handle: DialectHandle, options: Partial<LargeEstateOptions>): Promise<void> {
  if (handle.dialect === 'sqlite') {
    seedLargeEstate(handle.db, options);
    return;
  }
  const inventory = generateLargeEstate(options);
  await handle.pg.db.transaction(async (tx) => {
    await writePgInventory(tx, inventory, 'insert');
    await writePgAssessments(tx, inventory, evaluateInventory(inventory));
  });
}

describe.each(await storeDialects('inventoryservice'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    describe('inventory lists on a generated estate', () => {
      let handle: DialectHandle;
      let stores: Stores;
      beforeAll(async () => {
        handle = await dialect.open();
        await seedEstate(handle, { hosts: 30, vms: 450, seed: 42 });
        stores = handle.stores;
      });
      afterAll(() => handle.close());

      const sorts = ['name', 'host', 'readiness', 'findings', 'powerState'] as const;
      const directions = ['asc', 'desc'] as const;

      it.each(sorts.flatMap((sort) => directions.map((direction) => [sort, direction] as const)))(
        'pages VMs sorted by %s %s with every row exactly once, in order',
        async (sort, direction) => {
          const limit = 17;
          const { ids, items } = await collectAll(
            (cursor) => listVms(stores, CLOCK, { sort, direction, limit, cursor }),
            limit,
          );
          expect((await countVms(stores, CLOCK)).total).toBe(450);
          expect(ids).toHaveLength(450);
          expect(new Set(ids).size).toBe(450);
          const key = (item: (typeof items)[number]) => {
            switch (sort) {
              case 'name':
                return item.name;
              case 'host':
                return item.hostName;
              case 'powerState':
                return item.powerState;
              case 'readiness':
                return ['online-ready', 'saved-state-only', 'crash-only', 'partial', 'blocked'].indexOf(
                  item.readiness ?? '',
                );
              case 'findings':
                return null;
            }
          };
          if (sort !== 'findings') {
            for (let i = 1; i < items.length; i++) {
              const [a, b] = [key(items[i - 1]), key(items[i])] as [string | number, string | number];
              if (direction === 'asc') expect(a <= b).toBe(true);
              else expect(a >= b).toBe(true);
            }
          } else {
            const weights = items.map(
              (item) => (item.blockerCount ?? 0) * 1_000_000 + (item.warningCount ?? 0) * 1_000,
            );
            const sorted = [...weights].sort((a, b) => (direction === 'asc' ? a - b : b - a));
            // infos break ties inside equal blocker/warning counts, so compare the coarse order only
            expect(weights.map((w) => Math.floor(w / 1000))).toEqual(sorted.map((w) => Math.floor(w / 1000)));
          }
        },
      );

      it('filters and pages together: every matching VM once, no other', async () => {
        const all = (await collectAll((cursor) => listVms(stores, CLOCK, { limit: 100, cursor }), 100)).items;
        const hostId = all[0].hostId;
        const expectedOnHost = all
          .filter((vm) => vm.hostId === hostId)
          .map((vm) => vm.id)
          .sort();
        const onHost = await collectAll(
          (cursor) => listVms(stores, CLOCK, { hostId, limit: 4, cursor, sort: 'readiness' }),
          4,
        );
        expect([...onHost.ids].sort()).toEqual(expectedOnHost);
        expect((await countVms(stores, CLOCK, { hostId })).total).toBe(expectedOnHost.length);

        const linux = await collectAll(
          (cursor) => listVms(stores, CLOCK, { osFamily: 'linux', powerState: 'running', limit: 50, cursor }),
          50,
        );
        expect(linux.items.every((vm) => vm.osFamily === 'linux' && vm.powerState === 'running')).toBe(true);
        expect((await countVms(stores, CLOCK, { osFamily: 'linux', powerState: 'running' })).total).toBe(
          all.filter((vm) => vm.osFamily === 'linux' && vm.powerState === 'running').length,
        );

        const blocked = await listVms(stores, CLOCK, { readiness: 'blocked', limit: 100 });
        expect(blocked.items.every((vm) => vm.readiness === 'blocked')).toBe(true);
        expect((await countVms(stores, CLOCK, { readiness: 'blocked' })).total).toBe(
          (await getDashboard(stores)).readiness.blocked,
        );
      });

      it('filters by finding rule and severity consistently with the findings counts', async () => {
        const { counts } = await listFindings(stores);
        const top = counts.byRule[0];
        const byRule = await collectAll(
          (cursor) => listVms(stores, CLOCK, { ruleId: top.ruleId, limit: 25, cursor }),
          25,
        );
        const vmCount = (await getDashboard(stores)).topFindings.find(
          (f) => f.ruleId === top.ruleId,
        )?.vmCount;
        expect(byRule.ids).toHaveLength(vmCount ?? -1);
        expect((await countVms(stores, CLOCK, { ruleId: top.ruleId })).total).toBe(vmCount);
        const withBlockers = await listVms(stores, CLOCK, { severity: 'blocker', limit: 100 });
        expect(withBlockers.items.every((vm) => (vm.blockerCount ?? 0) > 0)).toBe(true);
      });

      it('searches names case-insensitively and treats % and _ literally', async () => {
        const page = await listVms(stores, CLOCK, { search: 'WIN-0000', limit: 100 });
        expect(page.items.length).toBeGreaterThan(0);
        expect((await countVms(stores, CLOCK, { search: 'WIN-0000' })).total).toBe(page.items.length);
        expect(page.items.every((vm) => vm.name.startsWith('win-0000'))).toBe(true);
        expect((await listVms(stores, CLOCK, { search: '%' })).items).toHaveLength(0);
        expect((await countVms(stores, CLOCK, { search: '%' })).total).toBe(0);
        expect((await countVms(stores, CLOCK, { search: '_' })).total).toBe(0);
      });

      // The host list's statements are kept per shape on SQLite: each case follows another of the
      // same shape with other values.
      it.each([
        { filters: { kind: 'hyperv' as const }, matches: (h: { kind: string }) => h.kind === 'hyperv' },
        { filters: { kind: 'xenserver' as const }, matches: (h: { kind: string }) => h.kind === 'xenserver' },
        {
          filters: { search: 'POOL-000' },
          // The search reads the name and the pool, without regard to case.
          matches: (h: { name: string; pool: string | null }) =>
            `${h.name}\n${h.pool ?? ''}`.toLowerCase().includes('pool-000'),
        },
        { filters: { search: '%' }, matches: () => false },
        { filters: { search: '_' }, matches: () => false },
      ])('lists and counts hosts with $filters', async ({ filters, matches }) => {
        const all = await collectAll((cursor) => listHosts(stores, { limit: 7, cursor }), 7);
        expect(all.ids).toHaveLength(30);
        const every = (await listHosts(stores, { limit: 30 })).items;
        const expected = every.filter((host) => matches(host as never)).map((host) => host.id);
        const listed = await collectAll((cursor) => listHosts(stores, { ...filters, limit: 4, cursor }), 4);
        expect([...listed.ids].sort()).toEqual([...expected].sort());
        // A search for a wildcard matches nothing; every other case matches some hosts, not all.
        if (!/^[%_]$/.test(('search' in filters && filters.search) || '')) {
          expect(expected.length).toBeGreaterThan(0);
          expect(expected.length).toBeLessThan(30);
        }
        expect((await countHosts(stores, filters)).total).toBe(expected.length);
      });

      it('pages hosts, host volumes and arrays completely', async () => {
        for (const sort of ['name', 'kind', 'vmCount'] as const) {
          const hosts = await collectAll((cursor) => listHosts(stores, { sort, limit: 7, cursor }), 7);
          expect(new Set(hosts.ids).size).toBe(30);
        }
        expect((await countHosts(stores)).total).toBe(30);
        expect((await countHosts(stores, { kind: 'xenserver' })).total).toBe(
          (await collectAll((cursor) => listHosts(stores, { kind: 'xenserver', cursor }), 25)).ids.length,
        );
        expect(
          (await listHosts(stores, { kind: 'xenserver' })).items.every((h) => h.kind === 'xenserver'),
        ).toBe(true);
        const hostsPage = await listHosts(stores, { limit: 30 });
        expect(hostsPage.items.reduce((sum, h) => sum + h.vmCount, 0)).toBe(450);
        for (const host of hostsPage.items) {
          expect(Object.values(host.readinessCounts).reduce((a, b) => a + b, 0)).toBe(host.vmCount);
        }
        for (const sort of ['name', 'host', 'freeBytes', 'vmCount'] as const) {
          const volumes = await collectAll(
            (cursor) => listHostVolumes(stores, { sort, direction: 'desc', limit: 9, cursor }),
            9,
          );
          expect(new Set(volumes.ids).size).toBe((await countHostVolumes(stores)).total);
        }
        const arrays = await collectAll((cursor) => listArrays(stores, { limit: 1, cursor }), 1);
        expect(arrays.ids.length).toBe((await countArrays(stores)).total);
        expect((await countArrays(stores, { search: 'no such array' })).total).toBe(0);
      });

      it('rejects a cursor from another sort and a forged one', async () => {
        const page = await listVms(stores, CLOCK, { sort: 'name', limit: 5 });
        expect(
          await domainErrorOf(() => listVms(stores, CLOCK, { sort: 'host', cursor: page.nextCursor ?? '' })),
        ).toEqual({
          code: 'INVALID_INPUT',
          paths: ['cursor'],
        });
        expect((await domainErrorOf(() => listVms(stores, CLOCK, { cursor: 'not-a-cursor' }))).code).toBe(
          'INVALID_INPUT',
        );
        expect(await domainErrorOf(() => listVms(stores, CLOCK, { limit: 1000 }))).toEqual({
          code: 'INVALID_INPUT',
          paths: ['limit'],
        });
      });
    });

    describe('sizes and states a host or an array did not report', () => {
      let handle: DialectHandle;
      let stores: Stores;
      /** The demo lab with every other Hyper-V volume's free space (and one's capacity) not read. */
      const inventory = demoLabInventory();
      const unread = inventory.hostVolumes
        .filter((volume) => volume.kind !== 'sr')
        .filter((_, i) => i % 2 === 0);
      for (const volume of unread) volume.freeBytes = null;
      unread[0].sizeBytes = null;
      const passthrough = inventory.virtualDisks.find((disk) => disk.kind === 'passthrough');
      if (passthrough) passthrough.sizeBytes = null;
      /** A LUN whose state the array did not report, and a VM with a disk on a volume on it. */
      const unreadLun = inventory.arrayVolumes[0];
      unreadLun.supportsSnapshots = null;
      const onUnreadLun = inventory.virtualDisks.find(
        (disk) =>
          disk.arrayVolumeId === unreadLun.id ||
          inventory.hostVolumes.some(
            (volume) => volume.id === disk.hostVolumeId && volume.arrayVolumeId === unreadLun.id,
          ),
      );
      beforeAll(async () => {
        handle = await dialect.open();
        stores = handle.stores;
        await importInventory(stores, createServiceContext(), inventory, 'replace');
      });
      afterAll(() => handle.close());

      it('keeps them unknown: a volume and a disk read back with null, never 0', async () => {
        expect(unread.length).toBeGreaterThan(1);
        const { volume } = await getHostVolume(stores, unread[0].id);
        expect(volume).toMatchObject({ sizeBytes: null, freeBytes: null });
        expect(passthrough).toBeDefined();
        const vm = await getVm(stores, CLOCK, passthrough?.vmId ?? '');
        expect(vm.disks.find((disk) => disk.id === passthrough?.id)?.sizeBytes).toBeNull();
      });

      it("keeps a LUN's snapshot support unknown, and its VMs are told so", async () => {
        const array = await getArray(stores, unreadLun.arrayId);
        expect(array.volumes.find((volume) => volume.id === unreadLun.id)?.supportsSnapshots).toBeNull();
        expect(onUnreadLun).toBeDefined();
        const vm = await getVm(stores, CLOCK, onUnreadLun?.vmId ?? '');
        expect(vm.findings.map((finding) => finding.ruleId)).toContain('ARRAY-SNAPSHOT-UNKNOWN');
        expect(vm.findings.map((finding) => finding.ruleId)).not.toContain('ARRAY-NO-SNAPSHOT');
      });

      it.each(['asc', 'desc'] as const)(
        'sorts free space %s with the unread below every size, each volume once',
        async (direction) => {
          const { items } = await collectAll(
            (cursor) => listHostVolumes(stores, { sort: 'freeBytes', direction, limit: 3, cursor }),
            3,
          );
          expect(items).toHaveLength(inventory.hostVolumes.length);
          const free = items.map((item) => item.freeBytes ?? -1);
          const sorted = [...free].sort((a, b) => (direction === 'asc' ? a - b : b - a));
          expect(free).toEqual(sorted);
          expect(items.filter((item) => item.freeBytes === null)).toHaveLength(unread.length);
        },
      );
    });

    describe('inventory details on the demo lab', () => {
      let handle: DialectHandle;
      let stores: Stores;
      beforeAll(async () => {
        handle = await dialect.open();
        stores = handle.stores;
        await importInventory(stores, createServiceContext(), demoLabInventory(), 'replace');
      });
      afterAll(() => handle.close());

      it.each([
        {
          filter: { application: 'sqlserver' as const },
          has: (vm: Vm) => vm.applications.includes('sqlserver'),
        },
        {
          filter: { application: 'exchange' as const },
          has: (vm: Vm) => vm.applications.includes('exchange'),
        },
        { filter: { tag: 'production' }, has: (vm: Vm) => vm.tags.includes('production') },
        { filter: { tag: 'web' }, has: (vm: Vm) => vm.tags.includes('web') },
      ])('filters VMs by $filter in SQL: exactly the VMs that carry it', async ({ filter, has }) => {
        const expected = demoLabInventory()
          .vms.filter(has)
          .map((vm) => vm.id)
          .sort();
        expect(expected.length).toBeGreaterThan(0);
        const page = await listVms(stores, CLOCK, { ...filter, limit: 100 });
        expect(page.items.map((vm) => vm.id).sort()).toEqual(expected);
        expect((await countVms(stores, CLOCK, filter)).total).toBe(expected.length);
      });

      it('getVm follows disks to host volume, LUN and array, with findings most serious first', async () => {
        const erp = await getVm(stores, CLOCK, 'vm-erp-01');
        expect(erp.host.name).toBe('hv-prod-02');
        expect(erp.disks.map((d) => [d.hostVolume?.name, d.arrayVolume?.name, d.array?.name])).toEqual([
          ['E:', 'erp-data', 'eql-ps6100'],
          ['D:', 'erp-sys', 'eql-ps6100'],
        ]);
        const archive = await getVm(stores, CLOCK, 'vm-archive-01');
        expect(archive.findings.map((f) => f.severity)).toEqual(['blocker', 'blocker', 'info']);
        expect(archive.readiness).toBe('blocked');
        expect(archive.plan?.recommended).toBeNull();
      });

      it('getVm shows the SQL VM with D: keeping its shadow copies on C:', async () => {
        const sql = await getVm(stores, CLOCK, 'vm-sql-prod-01');
        expect(sql.guestVolumes.map((g) => [g.mountPoint, g.shadowStorageOn])).toEqual([
          ['C:', 'C:'],
          ['D:', 'C:'],
        ]);
        expect(sql.assessment).toMatchObject({
          readiness: 'saved-state-only',
          recommendedMethod: 'hyperv-vss',
          captureState: 'saved-state',
        });
        expect((await getMethodPlan(stores, 'vm-sql-prod-01')).options.length).toBeGreaterThan(0);
      });

      it.each([
        [
          'a host volume',
          { hostVolumeId: DEMO_LAB_NAMES.wsbVolumeId },
          ['branch-app-01', 'branch-dc-01', 'branch-fs-01', 'branch-print-01'],
        ],
        [
          'a LUN behind an SR',
          { arrayVolumeId: 'lun-vmstore' },
          ['db-lnx-01', 'exch-01', 'sql-xen-01', 'web-xen-01'],
        ],
        ['a LUN behind a Hyper-V volume', { arrayVolumeId: 'lun-erp-data' }, ['erp-01']],
        ['a finding rule', { ruleId: 'HV-PASSTHROUGH-DISK' }, ['fs-01']],
        ['a rule and a severity', { ruleId: 'ARRAY-NO-SNAPSHOT', severity: 'blocker' }, ['archive-01']],
        [
          'a search and the OS',
          { search: 'SQL', osFamily: 'windows' },
          ['sql-prod-01', 'sql-xen-01', 'sql-xen-03'],
        ],
        ['the power state', { powerState: 'off' }, ['scan-xen-03', 'test-01']],
      ] as const)('listVms filters by %s', async (_what, filter, names) => {
        expect((await listVms(stores, CLOCK, filter)).items.map((vm) => vm.name)).toEqual(names);
      });

      it('getHostVolume lists the VMs sharing a volume', async () => {
        const volume = await getHostVolume(stores, DEMO_LAB_NAMES.wsbVolumeId);
        expect(volume.host.name).toBe('hv-branch-01');
        expect(volume.vms.map((vm) => vm.name)).toEqual([
          'branch-app-01',
          'branch-dc-01',
          'branch-fs-01',
          'branch-print-01',
        ]);
        const sr = await getHostVolume(stores, 'sr-netapp-vmstore');
        expect(sr.arrayVolume?.name).toBe('lun_vmstore');
        expect(sr.consistencyGroup?.name).toBe('cg-pool-a');
        expect(sr.vms).toHaveLength(4);
      });

      it('filters host volumes by VSS among Windows volumes only: a storage repository is in neither answer', async () => {
        expect((await listHostVolumes(stores, { limit: 100 })).items.some((v) => v.kind === 'sr')).toBe(true);
        for (const vssEnabled of [true, false]) {
          const page = await listHostVolumes(stores, { vssEnabled, limit: 100 });
          expect(page.items.length).toBeGreaterThan(0);
          expect(page.items.filter((v) => v.kind === 'sr')).toEqual([]);
          expect((await countHostVolumes(stores, { vssEnabled })).total).toBe(page.items.length);
        }
      });

      it('getHost lists its volumes with the VMs on each', async () => {
        const host = await getHost(stores, 'host-hv-prod-01');
        expect(host.volumes.map((v) => [v.name, v.vms.length])).toEqual([
          ['D:', 5],
          ['E:', 0],
          ['F:', 1],
        ]);
        expect(host.vmCount).toBe(6);
        expect(host.findingCounts.blocker).toBe(2);
      });

      it('getArray lists LUNs with consistency groups and the VMs on each', async () => {
        const netapp = await getArray(stores, 'array-netapp-fas01');
        const vmstore = netapp.volumes.find((v) => v.name === 'lun_vmstore');
        expect(vmstore?.consistencyGroup?.name).toBe('cg-pool-a');
        expect(vmstore?.vms.map((vm) => vm.name)).toEqual([
          'db-lnx-01',
          'exch-01',
          'sql-xen-01',
          'web-xen-01',
        ]);
        expect(vmstore?.hostVolumes.map((v) => v.name)).toEqual(['sr-netapp-vmstore']);
        expect((await listArrays(stores)).items.find((a) => a.id === 'array-netapp-fas01')).toMatchObject({
          // lun_vmstore, lun_vmstore_logs, lun_archive and vol_scratch (the NFS SR of scan-xen-03).
          volumeCount: 4,
          consistencyGroupCount: 1,
          vmCount: 6,
        });
      });

      it('getArrayVolumeName names a LUN and its array by the LUN id; an unknown id is not found', async () => {
        const netapp = await getArray(stores, 'array-netapp-fas01');
        const vmstore = netapp.volumes.find((v) => v.name === 'lun_vmstore');
        expect(await getArrayVolumeName(stores, vmstore?.id as string)).toEqual({
          id: vmstore?.id,
          name: 'lun_vmstore',
          arrayId: 'array-netapp-fas01',
          arrayName: 'netapp-fas01',
        });
        const error = await getArrayVolumeName(stores, 'lun-nope').catch((caught: unknown) => caught);
        expect(isDomainError(error) && error.code).toBe('NOT_FOUND');
      });

      it('listFindings counts by severity and by rule, for one VM, one host or everything', async () => {
        const all = await listFindings(stores);
        expect(all.counts.total).toBe(all.findings.length);
        expect(
          all.counts.bySeverity.blocker + all.counts.bySeverity.warning + all.counts.bySeverity.info,
        ).toBe(all.counts.total);
        const fs = await listFindings(stores, { vmId: 'vm-fs-01' });
        expect(fs.findings.map((f) => f.ruleId)).toEqual(['HV-PASSTHROUGH-DISK']);
        const branch = await listFindings(stores, { hostId: 'host-hv-branch-01' });
        expect(branch.counts.byRule).toEqual([
          { ruleId: 'WSB-VOLUME-GRANULARITY', severity: 'warning', count: 4 },
        ]);
      });

      it('getDashboard sums readiness over every VM and ranks findings', async () => {
        const dashboard = await getDashboard(stores);
        expect(dashboard.totals).toEqual({ hosts: 6, vms: 22, volumes: 13, arrays: 2 });
        expect(Object.values(dashboard.readiness).reduce((a, b) => a + b, 0)).toBe(22);
        const counts = dashboard.topFindings.map((f) => f.count);
        expect(counts).toEqual([...counts].sort((a, b) => b - a));
      });

      it.each([
        ['getVm', () => getVm(stores, CLOCK, 'nope')],
        ['getHost', () => getHost(stores, 'nope')],
        ['getHostVolume', () => getHostVolume(stores, 'nope')],
        ['getArray', () => getArray(stores, 'nope')],
        ['getMethodPlan', () => getMethodPlan(stores, 'nope')],
        ['listFindings', () => listFindings(stores, { vmId: 'nope' })],
      ])('%s throws NOT_FOUND for an unknown id', async (_name, call) => {
        expect((await domainErrorOf(call)).code).toBe('NOT_FOUND');
      });

      // Last in this block: it removes a stored assessment from the shared demo lab.
      it('getMethodPlan of a VM stored but never assessed names it and says what to do', async () => {
        const remove = sql`delete from vm_assessments where vm_id = 'vm-archive-01'`;
        if (handle.dialect === 'sqlite') handle.db.run(remove);
        else await handle.pg.db.execute(remove);
        await expect(getMethodPlan(stores, 'vm-archive-01')).rejects.toMatchObject({
          code: 'PRECONDITION_FAILED',
          message: "VM 'archive-01' has not been assessed yet: sync its host or re-import the inventory",
        });
      });
    });
  });
});
