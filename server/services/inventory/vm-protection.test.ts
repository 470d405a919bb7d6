/**
 * The VM list and VM page carry each VM's protection status and last good point, and the list
 * filters by status in SQL: by the protection filter, and by the VM-UNPROTECTED and RPO-EXCEEDED
 * rule ids, which are statuses computed at the context's time rather than stored findings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoLabInventory } from '../../../db/seed/demo-lab';
import { type DialectHandle, storeDialects } from '../../../db/stores/contract/dialects';
import { backupPlanOf } from '../../../db/stores/contract/operation-store.contract';
import type { Stores } from '../../../db/stores/ports';
import { createServiceContext } from '../../context';
import { isPartialPoint } from '../../engine/restore-points';
import { importInventory } from '../import-service';
import { countVms, getVm, listVms } from './vms';

const HOUR = 3_600_000;
const NOW = new Date('2026-06-15T10:30:00Z');
const at = (date: Date) => ({ now: () => date });
const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * HOUR);

describe.each(await storeDialects('vmprotection'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('VM list and VM page: protection status and last good point', () => {
    let handle: DialectHandle;
    let stores: Stores;
    let vmCount: number;

    async function point(vmId: string, createdAt: Date, missingDiskIds: string[] = []) {
      const operationId = `op-${vmId}`;
      await stores.operations.enqueue(
        backupPlanOf([vmId]),
        {},
        { id: operationId, now: createdAt, requestedBy: 'system' },
      );
      await stores.restorePoints.catalog({
        point: {
          id: `rp-${vmId}`,
          vmId,
          vmName: vmId.replace(/^vm-/, ''),
          operationId,
          jobId: null,
          method: 'hyperv-vss',
          consistency: 'application',
          consistencyReason: null,
          captureState: 'online',
          applicationState: null,
          createdAt,
          hostVolumeId: null,
          arrayVolumeId: null,
          snapshotId: null,
          heldDisksJson: [`${vmId}-os`],
          missingDisksJson: missingDiskIds,
          isPartial: isPartialPoint({ missingDiskIds }),
          sizeBytes: 1,
          repositoryPath: `repository/rp-${vmId}`,
        },
        files: [],
        operationId,
        now: createdAt,
      });
    }

    beforeAll(async () => {
      handle = await dialect.open();
      stores = handle.stores;
      const inventory = demoLabInventory();
      vmCount = inventory.vms.length;
      await importInventory(stores, createServiceContext({ now: () => hoursAgo(100) }), inventory, 'replace');
      await stores.jobs.create({
        id: 'job-web-erp',
        name: 'web and erp',
        requestJson: {
          scope: { kind: 'vms', vmIds: ['vm-web-01', 'vm-erp-01'] },
          consistencyPolicy: 'fallback',
          passthroughPolicy: 'skip',
        },
        cron: null,
        timeZone: 'UTC',
        missedRunPolicy: 'skip',
        retentionJson: { keepLast: 1, daily: 0, weekly: 0, monthly: 0 },
        rpoHours: 24,
        isEnabled: true,
        lastScheduledAt: null,
        nextRunAt: null,
        createdAt: hoursAgo(100),
        updatedAt: hoursAgo(100),
        createdBy: 'system',
      });
      await point('vm-web-01', hoursAgo(2));
      await point('vm-erp-01', hoursAgo(30));
      // No job covers fs-01; its point leaves the pass-through disk out.
      await point('vm-fs-01', hoursAgo(1), ['disk-fs-01-data']);
    });
    afterAll(() => handle.close());

    const names = async (filter: Parameters<typeof listVms>[2], now = NOW) =>
      (await listVms(stores, at(now), { ...filter, limit: 100 })).items.map((vm) => vm.name);

    it.each([
      ['the VM-UNPROTECTED rule', { ruleId: 'VM-UNPROTECTED' } as const],
      ['the unprotected status', { protection: 'unprotected' } as const],
    ])('%s lists every VM without a good point, counted in SQL', async (_, filter) => {
      const page = await listVms(stores, at(NOW), { ...filter, limit: 100 });
      expect(page.items).toHaveLength(vmCount - 3);
      expect((await countVms(stores, at(NOW), filter)).total).toBe(vmCount - 3);
      expect(page.items.map((vm) => vm.name)).not.toContain('web-01');
      expect(
        page.items.every((vm) => vm.protection?.status === 'unprotected' && vm.protection.lastPoint === null),
      ).toBe(true);
    });

    it.each([
      ['the RPO-EXCEEDED rule, now', { ruleId: 'RPO-EXCEEDED' } as const, NOW, ['erp-01']],
      [
        'the RPO-EXCEEDED rule, 23 h later',
        { ruleId: 'RPO-EXCEEDED' } as const,
        new Date(NOW.getTime() + 23 * HOUR),
        ['erp-01', 'web-01'],
      ],
      ['the protected status', { protection: 'protected' } as const, NOW, ['web-01']],
      ['the no-policy status', { protection: 'no-policy' } as const, NOW, ['fs-01']],
      ['a status and another filter', { protection: 'protected', powerState: 'off' } as const, NOW, []],
    ])('%s', async (_, filter, now, expected) => {
      expect(await names(filter, now)).toEqual(expected);
    });

    it('a finding rule still filters by stored findings', async () => {
      expect(await names({ ruleId: 'HV-PASSTHROUGH-DISK' })).toEqual(['fs-01']);
    });

    it('each row and the VM page carry the status, the RPO and the last good point (partial or not)', async () => {
      const [fs] = (await listVms(stores, at(NOW), { search: 'fs-01', limit: 5 })).items.filter(
        (vm) => vm.name === 'fs-01',
      );
      expect(fs.protection).toMatchObject({
        status: 'no-policy',
        rpoHours: null,
        lastPoint: { id: 'rp-vm-fs-01', isPartial: true, missingDiskIds: ['disk-fs-01-data'] },
      });
      expect((await getVm(stores, at(NOW), 'vm-web-01')).protection).toMatchObject({
        status: 'protected',
        rpoHours: 24,
        lastPoint: { id: 'rp-vm-web-01', createdAt: hoursAgo(2), isPartial: false },
      });
      expect((await getVm(stores, at(NOW), 'vm-test-01')).protection).toEqual({
        status: 'unprotected',
        rpoHours: null,
        lastPoint: null,
      });
    });

    it('a VM the protection store does not list (removed between the reads) reads unknown, never unprotected', async () => {
      // The protection store's answer as it is when web-01 left the store after the VM list's read.
      const racing: Stores = {
        ...stores,
        protection: {
          ...stores.protection,
          protectionFactsOf: async (vmIds, now) =>
            (await stores.protection.protectionFactsOf(vmIds, now)).filter(
              (facts) => facts.vmId !== 'vm-web-01',
            ),
        },
      };
      const rows = (await listVms(racing, at(NOW), { limit: 100 })).items;
      expect(rows.find((vm) => vm.name === 'web-01')?.protection).toBeNull();
      expect(rows.find((vm) => vm.name === 'erp-01')?.protection?.status).toBe('rpo-exceeded');
      expect((await getVm(racing, at(NOW), 'vm-web-01')).protection).toBeNull();
    });
  });
});
