/**
 * Writes docs/inventory.schema.json from the zod schema of the import format, so the published
 * JSON Schema can never disagree with what the importer accepts.
 * Run: `npx tsx scripts/export-inventory-schema.ts` (a test fails while the committed file is stale).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { inventoryJsonSchema } from '../server/schemas/inventory';

export const INVENTORY_SCHEMA_FILE = path.resolve(import.meta.dirname, '../docs/inventory.schema.json');

export function renderInventorySchema(): string {
  return `${JSON.stringify(inventoryJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  writeFileSync(INVENTORY_SCHEMA_FILE, renderInventorySchema());
  console.log(`wrote ${path.relative(process.cwd(), INVENTORY_SCHEMA_FILE)}`);
}
