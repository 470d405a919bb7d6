/** Estate totals, readiness counts and the most common findings. */
import type { Stores } from '../../../db/stores/ports';
import type { Dashboard } from '../../../db/stores/ports/inventory';

export async function getDashboard(
  stores: Pick<Stores, 'inventory'>,
  topFindingsLimit = 10,
): Promise<Dashboard> {
  return stores.inventory.getDashboard(topFindingsLimit);
}
