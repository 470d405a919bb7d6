/**
 * An EqualLogic volume's SCSI identity, from the iSCSI target name the group gives it. A PS Series
 * volume is an iSCSI target of its own, `iqn.2001-05.com.equallogic:<a>-<b>-<c>-<d>-<volume>`,
 * and the four hex fields carry the device's NAA id (`6090a0…`, Dell EqualLogic's OUI 0090A0)
 * with the bytes of each field in reverse order. The conversion is the one a public SAN test
 * library applies to real groups (libsan's EqualLogic module, `_lun_wwid`, found by exact-string
 * search of stored public code: `"3" + …` is the Linux wwid, the NAA id with the SCSI designator
 * type in front); Dell's CLI Reference, which would say it, was not among the stored sources.
 * Unverified on a real group: that Windows' Get-Disk UniqueId is exactly this id (Linux's wwid is).
 *
 * With it, EqualLogic volumes join host disks through the same code as ONTAP LUNs
 * (engine/device-ids.ts): the group's discovery records the NAA id under each volume, the hosts
 * the UniqueId / wwid / SCSIid of the disk under each host volume.
 */

const EQL_TARGET = /^iqn\.2001-05\.com\.equallogic:([0-9a-f]+?)-([0-9a-f]+?)-([0-9a-f]+?)-([0-9a-f]+?)-\S+$/i;

/** `0a1b2c` → `2c1b0a`: the field's bytes in reverse order. */
const reversedBytes = (hex: string) => (hex.match(/../g) ?? []).reverse().join('');

/** The NAA id (32 lower-case hex digits) of the volume behind an EqualLogic target name; null for any other name. */
export function naaFromEqlTarget(iscsiName: string): string | null {
  const match = EQL_TARGET.exec(iscsiName.trim());
  if (!match) return null;
  const fields = match.slice(1, 5).map((field) => field.toLowerCase());
  // A field of odd length takes the first digit of the one before it (as the reference does).
  for (let index = 3; index > 0; index--) {
    if (fields[index].length % 2 === 0) continue;
    fields[index] += fields[index - 1][0] ?? '';
    fields[index - 1] = fields[index - 1].slice(1);
  }
  if (fields[0].length % 2 !== 0) return null;
  const naa = fields.map(reversedBytes).join('');
  return /^[0-9a-f]{32}$/.test(naa) ? naa : null;
}

/**
 * A target name in the group's shape for a group id and a volume serial (for the fake group):
 * the inverse of naaFromEqlTarget for the fields `0-8a0906-<9 hex>-<16 hex>`.
 */
export function eqlTargetName(serial9: string, serial16: string, volume: string): string {
  return `iqn.2001-05.com.equallogic:0-8a0906-${serial9}-${serial16}-${volume}`;
}
