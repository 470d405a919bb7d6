/**
 * Which array LUN sits under which host volume or SR, found by the block device's identity rather
 * than typed in. A LUN has one SCSI NAA id; each host spells it its own way: Windows `Get-Disk`
 * UniqueId in upper case, Linux with `naa.` in front, XenServer's SR `SCSIid` with the SCSI
 * designator type `3` in front (that last form is unverified on real pools, so both are read).
 * The hypervisor connectors record the id under each host volume (`deviceId`), the array connectors
 * under each LUN (`naaId`); whichever sync comes second makes the link.
 */
import type { ArrayVolume, HostVolume, Inventory } from './inventory';

/** One host-side disk id in the canonical form (32 lower-case hex digits), or null when it is no NAA id. */
export function normalizeDeviceId(deviceId: string): string | null {
  let id = deviceId.trim().toLowerCase();
  if (id.startsWith('naa.')) id = id.slice(4);
  if (id.startsWith('eui.') || id.startsWith('t10.')) return null;
  if (id.length === 33 && id.startsWith('3')) id = id.slice(1);
  return /^[0-9a-f]{32}$/.test(id) ? id : null;
}

/**
 * The host volumes whose device is one of these LUNs, each with `arrayVolumeId` pointing at it;
 * volumes already linked to that LUN, without a device id, or on no known LUN are left out.
 * A discovered identity wins over a link typed before it.
 */
export function linkedByDevice(
  hostVolumes: readonly HostVolume[],
  arrayVolumes: readonly ArrayVolume[],
): HostVolume[] {
  const lunByNaa = new Map<string, string>();
  for (const lun of arrayVolumes) {
    const naa = lun.naaId ? normalizeDeviceId(lun.naaId) : null;
    if (naa) lunByNaa.set(naa, lun.id);
  }
  if (lunByNaa.size === 0) return [];
  const linked: HostVolume[] = [];
  for (const volume of hostVolumes) {
    const naa = volume.deviceId ? normalizeDeviceId(volume.deviceId) : null;
    const lunId = naa ? lunByNaa.get(naa) : undefined;
    if (lunId && volume.arrayVolumeId !== lunId) linked.push({ ...volume, arrayVolumeId: lunId });
  }
  return linked;
}

/**
 * An incoming inventory (a file, a sync) with its host volumes linked to LUNs by device id: against
 * its own LUNs and the stored ones, and — when LUNs arrive — the stored host volumes they sit under,
 * added so the merge writes their link. `stored` is null for a replace.
 */
export function withDeviceLinks(incoming: Inventory, stored: Inventory | null): Inventory {
  const incomingVolumeIds = new Set(incoming.hostVolumes.map((volume) => volume.id));
  const lunsNow = stored
    ? [
        ...incoming.arrayVolumes,
        ...stored.arrayVolumes.filter((lun) => !incoming.arrayVolumes.some((l) => l.id === lun.id)),
      ]
    : incoming.arrayVolumes;
  const relinked = new Map(
    linkedByDevice(incoming.hostVolumes, lunsNow).map((volume) => [volume.id, volume]),
  );
  const storedUnder =
    stored && incoming.arrayVolumes.length > 0
      ? linkedByDevice(
          stored.hostVolumes.filter((volume) => !incomingVolumeIds.has(volume.id)),
          incoming.arrayVolumes,
        )
      : [];
  if (relinked.size === 0 && storedUnder.length === 0) return incoming;
  return {
    ...incoming,
    hostVolumes: [...incoming.hostVolumes.map((volume) => relinked.get(volume.id) ?? volume), ...storedUnder],
  };
}
