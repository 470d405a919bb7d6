import { count } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDemoLab } from '../../server/test-support';
import { openDatabase } from '../client';
import { restorePoints } from '../schema';
import { seedLargeRestorePoints } from './large-restore-points';

describe('seedLargeRestorePoints', () => {
  it('writes the asked number of points over the VMs in the database, within the day span', () => {
    const db = openDemoLab();
    const now = new Date('2026-06-01T00:00:00Z');
    const result = seedLargeRestorePoints(db, { count: 2_000, days: 30, now });
    expect(result.points).toBe(2_000);
    expect(db.select({ n: count() }).from(restorePoints).get()?.n).toBe(2_000);
    const rows = db.select().from(restorePoints).all();
    expect(new Set(rows.map((row) => row.vmId)).size).toBe(result.vms);
    for (const row of rows) {
      expect(row.createdAt.getTime()).toBeLessThanOrEqual(now.getTime());
      expect(row.createdAt.getTime()).toBeGreaterThan(now.getTime() - 30 * 86_400_000);
    }
  });

  it('refuses an empty inventory with a message that says what to do', () => {
    const db = openDatabase(':memory:');
    expect(() => seedLargeRestorePoints(db, { count: 1 })).toThrow(/seed an estate first/);
  });
});
