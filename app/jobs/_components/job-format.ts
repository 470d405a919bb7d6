import { pluralize } from '@/app/_lib/format';
import type { RouterOutputs } from '@/app/_lib/trpc';

export { describeRetention } from '@/server/engine/retention';

type Job = RouterOutputs['jobs']['list'][number];

/**
 * "2 VMs", or with the scope's names (a job's page has them): "2 VMs: web-01, fs-01", "host volume
 * D: on hv-01", "array volume lun-sql". Without a name a volume is "a host volume" — never its id.
 */
export function describeScope(scope: Job['request']['scope'], names: Record<string, string> = {}): string {
  switch (scope.kind) {
    case 'vms': {
      const known = scope.vmIds.map((id) => names[id]).filter((name): name is string => Boolean(name));
      const count = pluralize(scope.vmIds.length, 'VM');
      return known.length > 0 ? `${count}: ${known.join(', ')}` : count;
    }
    case 'host-volume':
      return names[scope.hostVolumeId] ? `host volume ${names[scope.hostVolumeId]}` : 'a host volume';
    case 'array-volume':
      return names[scope.arrayVolumeId] ? `array volume ${names[scope.arrayVolumeId]}` : 'an array volume';
  }
}
