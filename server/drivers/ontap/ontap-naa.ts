/**
 * LUN identity across the array and the hosts. An ONTAP LUN has a 12-character serial; the SCSI
 * NAA id a host sees is NetApp's prefix `600a0980` followed by the serial's ASCII bytes in hex
 * (CONNECTORS.md §3.2). Hosts spell that id differently: Windows `Get-Disk` UniqueId in upper case,
 * Linux `naa.` in front, XenServer's SR `SCSIid` with the SCSI designator type `3` in front
 * (that last form is unverified on real pools, so both are accepted).
 */

import { normalizeDeviceId } from '../../engine/device-ids';

export { normalizeDeviceId };

const NETAPP_NAA_PREFIX = '600a0980';

/** The NAA id (32 lower-case hex digits) of an ONTAP LUN serial. */
export function naaFromSerial(serial: string): string {
  return NETAPP_NAA_PREFIX + Buffer.from(serial, 'ascii').toString('hex');
}

/** A disk or SR a host sees, with the id its OS reports for the underlying device. */
export interface HostDevice {
  hostVolumeId: string;
  deviceId: string;
}

/**
 * Joins host volumes to the LUNs behind them: hostVolumeId → the LUN's key (the inventory's array
 * volume id). Devices that name no LUN of this array are left out (local disks, other arrays).
 */
export function joinDevicesToLuns(
  luns: readonly { key: string; naaId: string }[],
  devices: readonly HostDevice[],
): Map<string, string> {
  const byNaa = new Map(luns.map((lun) => [lun.naaId, lun.key]));
  const joined = new Map<string, string>();
  for (const device of devices) {
    const naa = normalizeDeviceId(device.deviceId);
    const key = naa === null ? undefined : byNaa.get(naa);
    if (key) joined.set(device.hostVolumeId, key);
  }
  return joined;
}
