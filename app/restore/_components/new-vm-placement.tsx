'use client';

import { useQuery } from '@tanstack/react-query';
import { HostPicker } from '@/app/_components/host-picker';
import { Label } from '@/app/_components/ui/label';
import { Select } from '@/app/_components/ui/select';
import { Checkbox } from '@/app/_components/wizard';
import { useTRPC } from '@/app/_lib/trpc';

export interface NewVmPlacementValue {
  /** The host whose volumes are offered ('' = the VM's own host). */
  targetHostId: string;
  /** '' = where the VM's disks are now. */
  targetHostVolumeId: string;
  powerOnAfterRestore: boolean;
}

/**
 * Where a VM restored as new lands (a host of the same hypervisor kind, one of its volumes) and
 * whether it is powered on afterwards. The new VM then appears in the inventory there.
 */
export function NewVmPlacementFields({
  sourceHostId,
  vmName,
  value,
  onChange,
}: {
  sourceHostId: string | null;
  vmName: string;
  value: NewVmPlacementValue;
  onChange: (value: NewVmPlacementValue) => void;
}) {
  const trpc = useTRPC();
  const hostId = value.targetHostId || sourceHostId || '';
  const sourceHost = useQuery({
    ...trpc.hosts.get.queryOptions({ id: sourceHostId ?? '' }),
    enabled: sourceHostId !== null,
  });
  const kind = sourceHost.data?.host.kind;
  const target = useQuery({ ...trpc.hosts.get.queryOptions({ id: hostId }), enabled: hostId !== '' });
  const volumes = target.data?.volumes ?? [];
  return (
    <fieldset className="mt-4 flex flex-col gap-3 rounded-md border border-line p-3">
      <legend className="px-1 text-sm font-medium">Where the new VM goes</legend>
      <div className="flex flex-wrap gap-4">
        <HostPicker
          label="Target host"
          kind={kind}
          value={hostId}
          onChange={(targetHostId) => onChange({ ...value, targetHostId, targetHostVolumeId: '' })}
          className="w-60"
        />
        <div className="flex flex-col gap-1">
          <Label htmlFor="target-volume">Target volume</Label>
          <Select
            id="target-volume"
            value={value.targetHostVolumeId}
            onChange={(event) => onChange({ ...value, targetHostVolumeId: event.target.value })}
            className="w-72"
          >
            {hostId === sourceHostId ? <option value="">Where {vmName}&apos;s disks are now</option> : null}
            {hostId !== sourceHostId && value.targetHostVolumeId === '' ? (
              <option value="">Choose a volume</option>
            ) : null}
            {volumes.map((volume) => (
              <option key={volume.id} value={volume.id}>
                {target.data?.host.name} {volume.name}
              </option>
            ))}
          </Select>
        </div>
      </div>
      <label className="flex cursor-pointer items-start gap-3 text-sm">
        <Checkbox
          checked={value.powerOnAfterRestore}
          onChange={(event) => onChange({ ...value, powerOnAfterRestore: event.target.checked })}
        />
        <span>Power the new VM on after the restore (otherwise it is left off)</span>
      </label>
    </fieldset>
  );
}
