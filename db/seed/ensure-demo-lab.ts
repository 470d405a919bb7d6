/**
 * First-start seeding: an empty inventory gets the demo lab, so a fresh console has something
 * real to show. Set MIGAWKA_SEED_DEMO=0 to start empty (production, or tests that seed their own).
 */
import { importInventory } from '../../server/services/import-service';
import { type Db, sqliteOf } from '../client';
import { isInventoryEmpty } from '../stores/inventory-store';
import { demoLabInventory } from './demo-lab';

/** Imports the demo lab when the inventory is empty and seeding is not turned off; says whether it did. */
export function ensureDemoLab(db: Db, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.MIGAWKA_SEED_DEMO === '0') return false;
  // Checked and seeded under one write lock: two processes starting together seed once.
  const seedIfEmpty = sqliteOf(db).transaction(() => {
    if (!isInventoryEmpty(db)) return false;
    importInventory(db, { formatVersion: 1, ...demoLabInventory() }, 'replace');
    return true;
  });
  return seedIfEmpty.immediate();
}
