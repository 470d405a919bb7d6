/**
 * First-start seeding: an empty inventory gets the demo lab, so a fresh console has something
 * real to show. MIGAWKA_SEED_DEMO=0 (the configuration's `seedDemo`) starts empty (production, or
 * tests that seed their own).
 */
import { randomUUID } from 'node:crypto';
import { getConfig, type MigawkaConfig } from '../../server/config';
import { actorLabel, SYSTEM_ACTOR } from '../../server/context';
import { evaluateInventory } from '../../server/engine/evaluate';
import { parseInventory } from '../../server/schemas/inventory';
import { type Db, sqliteOf } from '../client';
import { importInventoryRows } from '../stores/sqlite/inventory';
import { isInventoryEmpty } from '../stores/sqlite/inventory-rows';
import { demoLabInventory } from './demo-lab';

/** Imports the demo lab when the inventory is empty and seeding is not turned off; says whether it did. */
export function ensureDemoLab(db: Db, { seedDemo }: Pick<MigawkaConfig, 'seedDemo'> = getConfig()): boolean {
  if (!seedDemo) return false;
  // Checked and seeded under one write lock: two processes starting together seed once.
  const seedIfEmpty = sqliteOf(db).transaction(() => {
    if (!isInventoryEmpty(db)) return false;
    importInventoryRows(db, {
      mode: 'replace',
      validate: () => {
        const parsed = parseInventory({ formatVersion: 1, ...demoLabInventory() });
        if (!parsed.ok)
          throw new Error(`The demo lab is not a valid inventory: ${parsed.fieldErrors[0]?.path}`);
        return parsed.inventory;
      },
      assess: evaluateInventory,
      record: { id: randomUUID(), createdAt: new Date(), requestedBy: actorLabel(SYSTEM_ACTOR) },
    });
    return true;
  });
  return seedIfEmpty.immediate();
}
