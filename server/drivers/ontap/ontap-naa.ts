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
