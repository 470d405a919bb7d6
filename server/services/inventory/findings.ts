/** Findings of a VM, of a host, or of the whole estate (capped; counts always cover all). */
import type { Stores } from '../../../db/stores/ports';
import type { FindingsList } from '../../../db/stores/ports/inventory';
import { type FindingsQueryInput, findingsQueryInput } from '../../schemas/inventory-queries';
import { notFound } from '../errors';
import { parseQuery } from './query';

/** At most this many findings are returned for the whole estate; counts always cover all of them. */
export const FINDINGS_LIST_CAP = 500;

export async function listFindings(
  stores: Pick<Stores, 'inventory'>,
  input: FindingsQueryInput = {},
): Promise<FindingsList> {
  const query = parseQuery(findingsQueryInput, input);
  if (query.vmId && !(await stores.inventory.hasVm(query.vmId))) throw notFound('VM', query.vmId);
  if (query.hostId && !(await stores.inventory.hasHost(query.hostId))) throw notFound('Host', query.hostId);
  return stores.inventory.listFindings(query, FINDINGS_LIST_CAP);
}
