/** The header's search: every kind matched by name in SQL, a few of each, and whether more exist. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoLabInventory } from '../../db/seed/demo-lab';
import { type DialectHandle, storeDialects } from '../../db/stores/contract/dialects';
import { jobOf } from '../../db/stores/contract/job-store.contract';
import { backupPlanOf } from '../../db/stores/contract/operation-store.contract';
import type { Stores } from '../../db/stores/ports';
import { createServiceContext } from '../context';
import { isDomainError } from './errors';
import { importInventory } from './import-service';
import { type EstateSearchResult, searchEstate } from './search-service';

const NOW = new Date('2026-06-15T10:30:00Z');
const ctx = createServiceContext({ now: () => NOW });
const POINT_AT = new Date('2026-06-15T02:00:00Z');

describe.each(await storeDialects('searchservice'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('search over the estate', () => {
    let handle: DialectHandle;
    let stores: Stores;

    beforeAll(async () => {
      handle = await dialect.open();
      stores = handle.stores;
      await importInventory(stores, ctx, demoLabInventory(), 'replace');
      for (const [id, name] of [
        ['job-1', 'Nightly web'],
        ['job-2', 'Weekly archive'],
      ]) {
        await stores.jobs.create(jobOf(id, { name, isEnabled: id === 'job-1' }));
      }
      await stores.operations.enqueue(
        backupPlanOf(['vm-web-01']),
        {},
        { id: 'op-1', now: POINT_AT, requestedBy: 'system' },
      );
      await stores.restorePoints.catalog({
        point: {
          id: 'rp-web',
          vmId: 'vm-web-01',
          vmName: 'web-01',
          operationId: 'op-1',
          jobId: null,
          method: 'hyperv-vss',
          consistency: 'application',
          consistencyReason: null,
          captureState: 'online',
          applicationState: null,
          createdAt: POINT_AT,
          hostVolumeId: null,
          arrayVolumeId: null,
          snapshotId: null,
          heldDisksJson: ['vm-web-01-os'],
          missingDisksJson: [],
          isPartial: false,
          sizeBytes: 1,
          repositoryPath: 'repository/rp-web',
        },
        files: [],
        operationId: 'op-1',
        now: POINT_AT,
      });
    });
    afterAll(() => handle.close());

    const names = (group: { matches: { name?: string; vmName?: string }[] }) =>
      group.matches.map((match) => match.name ?? match.vmName);

    it.each<[string, string, Partial<Record<keyof Omit<EstateSearchResult, 'text'>, string[]>>]>([
      [
        'VMs by a piece of their name, their points beside them',
        'web',
        { vms: ['web-01', 'web-lnx-03', 'web-xen-01'], restorePoints: ['web-01'], jobs: ['Nightly web'] },
      ],
      ['case does not matter', 'HV-PROD', { vms: [], hosts: ['hv-prod-01', 'hv-prod-02'] }],
      ['jobs by name, a disabled one too', 'weekly', { jobs: ['Weekly archive'], vms: [] }],
      ['nothing matches', 'no-such-thing', { vms: [], hosts: [], volumes: [], jobs: [], restorePoints: [] }],
    ])('%s (%s)', async (_, text, expected) => {
      const result = await searchEstate(stores, ctx, { text });
      for (const [kind, expectedNames] of Object.entries(expected)) {
        expect(names(result[kind as keyof typeof expected] as never), kind).toEqual(expectedNames);
      }
    });

    it('shows five of each kind and says when there are more', async () => {
      const result = await searchEstate(stores, ctx, { text: '-0' });
      expect(result.vms.matches).toHaveLength(5);
      expect(result.vms.hasMore).toBe(true);
      expect(result.vms.matches[0]).toMatchObject({ detail: expect.stringMatching(/^on /) });
      const volumes = await searchEstate(stores, ctx, { text: 'D:' });
      expect(volumes.volumes.matches.length).toBeGreaterThan(1);
      expect(volumes.volumes.matches.every((volume) => volume.detail.startsWith('on '))).toBe(true);
    });

    it.each([
      ['w', 'Type at least 2 characters to search'],
      ['  ', 'Type at least 2 characters to search'],
      ['x'.repeat(201), 'Search for at most 200 characters'],
    ])('refuses %j, naming the text field', async (text, message) => {
      const error = await searchEstate(stores, ctx, { text }).catch((caught: unknown) => caught);
      expect(isDomainError(error)).toBe(true);
      if (!isDomainError(error)) return;
      expect(error.fieldErrors).toEqual([{ path: 'text', message }]);
    });
  });
});
