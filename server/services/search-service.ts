/**
 * The header's search: names of VMs, hosts, volumes and jobs that hold the typed text, and the
 * restore points of the matching VMs, a few of each kind. Every kind is matched in SQL by the
 * same list queries the pages use (nothing is loaded whole), so a search over 20,000 VMs costs
 * four indexed page reads.
 */
import type { Stores } from '../../db/stores/ports';
import type { ServiceContext } from '../context';
import { type EstateSearchInput, estateSearchInput, SEARCH_MATCHES_PER_KIND } from '../schemas/search';
import { listHostVolumes } from './inventory/host-volumes';
import { listHosts } from './inventory/hosts';
import { parseQuery } from './inventory/query';
import { listVms } from './inventory/vms';

export interface SearchMatch {
  id: string;
  name: string;
  /** Where it is or what it is, in words ("on hv-02", "D: on hv-02"). */
  detail: string;
}

export interface RestorePointsMatch {
  vmId: string;
  vmName: string;
  newestPointAt: Date;
}

export interface SearchGroup<T> {
  matches: T[];
  /** More match than are shown: the group links to its list, filtered by the same text. */
  hasMore: boolean;
}

export interface EstateSearchResult {
  text: string;
  vms: SearchGroup<SearchMatch>;
  hosts: SearchGroup<SearchMatch>;
  volumes: SearchGroup<SearchMatch>;
  jobs: SearchGroup<SearchMatch>;
  /** The matching VMs that have restore points, with their newest one. */
  restorePoints: SearchGroup<RestorePointsMatch>;
}

export async function searchEstate(
  stores: Pick<Stores, 'inventory' | 'protection' | 'jobs'>,
  ctx: Pick<ServiceContext, 'now'>,
  input: EstateSearchInput,
): Promise<EstateSearchResult> {
  const { text } = parseQuery(estateSearchInput, input);
  const limit = SEARCH_MATCHES_PER_KIND;
  const [vms, hosts, volumes, jobs] = await Promise.all([
    listVms(stores, ctx, { search: text, limit }),
    listHosts(stores, { search: text, limit }),
    listHostVolumes(stores, { search: text, limit }),
    // One more than shown says whether there are more.
    stores.jobs.search(text, limit + 1),
  ]);
  const restorePoints = vms.items.flatMap((vm) =>
    vm.protection?.lastPoint
      ? [{ vmId: vm.id, vmName: vm.name, newestPointAt: vm.protection.lastPoint.createdAt }]
      : [],
  );
  return {
    text,
    vms: {
      matches: vms.items.map((vm) => ({ id: vm.id, name: vm.name, detail: `on ${vm.hostName}` })),
      hasMore: vms.nextCursor !== null,
    },
    hosts: {
      matches: hosts.items.map((host) => ({
        id: host.id,
        name: host.name,
        detail: `${host.vmCount} VM${host.vmCount === 1 ? '' : 's'}`,
      })),
      hasMore: hosts.nextCursor !== null,
    },
    volumes: {
      matches: volumes.items.map((volume) => ({
        id: volume.id,
        name: volume.name,
        detail: `on ${volume.hostName}`,
      })),
      hasMore: volumes.nextCursor !== null,
    },
    jobs: {
      matches: jobs.slice(0, limit).map((job) => ({
        id: job.id,
        name: job.name,
        detail: job.isEnabled ? 'backup job' : 'backup job, disabled',
      })),
      hasMore: jobs.length > limit,
    },
    restorePoints: { matches: restorePoints, hasMore: vms.nextCursor !== null },
  };
}
