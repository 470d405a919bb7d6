import { pluralize } from '@/app/_lib/format';
import type { RouterOutputs } from '@/app/_lib/trpc';

type Job = RouterOutputs['jobs']['list'][number];

/** "2 VMs", "host volume vol-1", "array volume lun-2". */
export function describeScope(scope: Job['request']['scope']): string {
  switch (scope.kind) {
    case 'vms':
      return pluralize(scope.vmIds.length, 'VM');
    case 'host-volume':
      return `host volume ${scope.hostVolumeId}`;
    case 'array-volume':
      return `array volume ${scope.arrayVolumeId}`;
  }
}

/** "last 3 + 7 daily + 4 weekly". */
export function describeRetention(retention: Job['retention']): string {
  const parts = [
    retention.keepLast > 0 ? `last ${retention.keepLast}` : null,
    retention.daily > 0 ? `${retention.daily} daily` : null,
    retention.weekly > 0 ? `${retention.weekly} weekly` : null,
    retention.monthly > 0 ? `${retention.monthly} monthly` : null,
  ].filter((part): part is string => part !== null);
  return parts.length > 0 ? `Keep ${parts.join(' + ')}` : 'Keeps nothing';
}
