import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../server/schemas/inventory';
import { vmListQueryInput } from '../../server/schemas/inventory-queries';
import { openDatabase } from '../client';
import { createSqliteStores } from '../stores/sqlite';
import { countInventory } from '../stores/sqlite/inventory-rows';
import { generateLargeEstate, seedLargeEstate } from './large-estate';

const NOW = new Date('2026-06-15T10:30:00Z');

describe('large estate generator', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = generateLargeEstate({ hosts: 10, vms: 100, seed: 7 });
    expect(generateLargeEstate({ hosts: 10, vms: 100, seed: 7 })).toEqual(a);
    expect(generateLargeEstate({ hosts: 10, vms: 100, seed: 8 })).not.toEqual(a);
  });

  it('produces the requested counts and a valid import file', () => {
    const estate = generateLargeEstate({ hosts: 40, vms: 600, disksPerVm: 3 });
    expect(estate.hosts).toHaveLength(40);
    expect(estate.vms).toHaveLength(600);
    expect(estate.virtualDisks).toHaveLength(1800);
    const parsed = parseInventory(estate);
    expect(parsed.ok ? [] : parsed.fieldErrors.slice(0, 5)).toEqual([]);
  });

  it('seeds a database with assessments for every VM', async () => {
    const db = openDatabase(':memory:');
    const result = seedLargeEstate(db, { hosts: 20, vms: 200 });
    expect(countInventory(db)).toMatchObject({ hosts: 20, vms: 200, virtualDisks: 600 });
    expect(result.assessment.assessedVms).toBe(200);
    const stores = createSqliteStores(db);
    const dashboard = await stores.inventory.getDashboard(10);
    expect(Object.values(dashboard.readiness).reduce((a, b) => a + b, 0)).toBe(200);
    expect(dashboard.topFindings.length).toBeGreaterThan(0);
    expect((await stores.inventory.listVms(vmListQueryInput.parse({ limit: 5 }), NOW)).items).toHaveLength(5);
    expect(await stores.inventory.countVms({}, NOW)).toBe(200);
  });
});
