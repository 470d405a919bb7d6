'use client';

import { useQuery } from '@tanstack/react-query';
import { Badge } from '@/app/_components/ui/badge';
import { useTRPC } from '@/app/_lib/trpc';

/**
 * The VM list's "on this volume" filter, by name ("On host volume D: on hv-01", "On array volume
 * lun_sql (netapp-fas01)"), with a button that clears it. The URL holds the id; the name is looked up.
 */
export function VolumeFilterChip({
  kind,
  id,
  onClear,
}: {
  kind: 'host' | 'array';
  id: string;
  onClear: () => void;
}) {
  const trpc = useTRPC();
  const hostVolume = useQuery({ ...trpc.volumes.get.queryOptions({ id }), enabled: kind === 'host' });
  const arrayVolume = useQuery({ ...trpc.arrays.volume.queryOptions({ id }), enabled: kind === 'array' });
  const noun = kind === 'host' ? 'host volume' : 'array volume';
  const query = kind === 'host' ? hostVolume : arrayVolume;
  const name =
    kind === 'host'
      ? hostVolume.data && `${hostVolume.data.volume.name} on ${hostVolume.data.host.name}`
      : arrayVolume.data && `${arrayVolume.data.name} (${arrayVolume.data.arrayName})`;
  const label = name
    ? `On ${noun} ${name}`
    : query.isError
      ? `On a ${noun} no longer in the inventory`
      : `On a ${noun}…`;
  return (
    <Badge tone="brand">
      {label}
      <button
        type="button"
        aria-label={`Remove the ${noun} filter`}
        className="ml-1 font-bold"
        onClick={onClear}
      >
        ×
      </button>
    </Badge>
  );
}
