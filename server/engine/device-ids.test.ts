import { describe, expect, it } from 'vitest';
import { linkedByDevice, normalizeDeviceId, withDeviceLinks } from './device-ids';
import type { ArrayVolume, HostVolume, Inventory } from './inventory';
import { makeHostVolume, makeInventory } from './test-fixtures';

const NAA = '600a09803830436b3724303030303031';
const OTHER = '600a09803830436b3724303030303032';

const lun = (id: string, naaId: string | null): ArrayVolume => ({
  id,
  arrayId: 'fas01',
  name: id,
  supportsSnapshots: true,
  consistencyGroupId: null,
  naaId,
});
const volume = (id: string, deviceId: string | null, arrayVolumeId: string | null = null): HostVolume =>
  makeHostVolume({ id, name: id, deviceId, arrayVolumeId });

describe('device identity', () => {
  it.each([
    ['Windows Get-Disk UniqueId (upper case)', NAA.toUpperCase(), NAA],
    ['Linux by-id', `naa.${NAA}`, NAA],
    ['XenServer SCSIid (designator type 3 in front)', `3${NAA}`, NAA],
    ['already canonical, with spaces around', `  ${NAA} `, NAA],
    ['an EUI-64 id', 'eui.0025388b91b1e5f1', null],
    ['a local disk GUID', '{a1b2c3d4-0000-4000-8000-0000000000c0}', null],
    ['too short', '600a0980', null],
  ])('reads %s', (_, raw, expected) => {
    expect(normalizeDeviceId(raw)).toBe(expected);
  });

  it.each<[string, HostVolume[], ArrayVolume[], string[]]>([
    ['links a volume on a LUN', [volume('d', NAA.toUpperCase())], [lun('lun-a', NAA)], ['d→lun-a']],
    [
      'a discovered device wins over a link typed before',
      [volume('d', NAA, 'lun-b')],
      [lun('lun-a', NAA), lun('lun-b', OTHER)],
      ['d→lun-a'],
    ],
    ['leaves a volume already linked to its LUN', [volume('d', NAA, 'lun-a')], [lun('lun-a', NAA)], []],
    [
      'leaves a volume without a device id (typed by hand)',
      [volume('d', null, 'lun-b')],
      [lun('lun-a', NAA)],
      [],
    ],
    ['leaves a local disk', [volume('c', '{a1b2c3d4-0000-4000-8000-0000000000c0}')], [lun('lun-a', NAA)], []],
    ['ignores LUNs whose NAA id is unknown', [volume('d', NAA)], [lun('lun-a', null)], []],
  ])('%s', (_, volumes, luns, expected) => {
    expect(linkedByDevice(volumes, luns).map((v) => `${v.id}→${v.arrayVolumeId}`)).toEqual(expected);
  });

  describe('whichever sync comes second makes the link', () => {
    const hostSync = (): Inventory => makeInventory({ hostVolumes: [volume('d', NAA.toUpperCase())] });
    const arraySync = (): Inventory => makeInventory({ hostVolumes: [], arrayVolumes: [lun('lun-a', NAA)] });

    it('the array sync links host volumes stored before it', () => {
      const linked = withDeviceLinks(arraySync(), hostSync());
      expect(linked.hostVolumes.map((v) => `${v.id}→${v.arrayVolumeId}`)).toEqual(['d→lun-a']);
    });

    it('a host sync after the array sync keeps the link (the host reports no LUN, only its disk)', () => {
      const stored = { ...arraySync(), hostVolumes: [volume('d', NAA, 'lun-a')] };
      const linked = withDeviceLinks(hostSync(), stored);
      expect(linked.hostVolumes.map((v) => `${v.id}→${v.arrayVolumeId}`)).toEqual(['d→lun-a']);
    });

    it('a replace links within the file only', () => {
      const file = { ...hostSync(), arrayVolumes: [lun('lun-a', NAA)] };
      expect(withDeviceLinks(file, null).hostVolumes[0]?.arrayVolumeId).toBe('lun-a');
      expect(withDeviceLinks(hostSync(), null).hostVolumes[0]?.arrayVolumeId).toBeNull();
    });
  });
});
