import { describe, expect, it } from 'vitest';
import { normalizeDeviceId } from '../../engine/device-ids';
import { eqlTargetName, naaFromEqlTarget } from './eql-naa';

describe('naaFromEqlTarget', () => {
  it.each([
    [
      'a group target: the fields’ bytes reversed, odd fields borrowing a digit',
      'iqn.2001-05.com.equallogic:0-8a0906-c3e3e8c03-b5c000000234f7b6-vmfs01',
      '6090a038c0e8e3c3b6f734020000c0b5',
    ],
    [
      'a volume name with dashes (a staging clone)',
      'iqn.2001-05.com.equallogic:0-8a0906-c3e3e8c03-b5c000000234f7b6-mgw-stage-r1',
      '6090a038c0e8e3c3b6f734020000c0b5',
    ],
    [
      'upper case',
      'IQN.2001-05.COM.EQUALLOGIC:0-8A0906-C3E3E8C03-B5C000000234F7B6-V',
      '6090a038c0e8e3c3b6f734020000c0b5',
    ],
    ['another vendor’s target', 'iqn.1992-08.com.netapp:sn.1234:vs.3', null],
    ['a target name without the fields', 'iqn.2001-05.com.equallogic:vmfs01', null],
  ])('%s', (_name, target, naa) => {
    expect(naaFromEqlTarget(target)).toBe(naa);
  });

  it('joins as the hosts spell the disk: Windows UniqueId, Linux wwid (“3” in front)', () => {
    const naa = naaFromEqlTarget(eqlTargetName('c3e3e8c03', 'b5c000000234f7b6', 'vmfs01')) as string;
    expect(normalizeDeviceId(naa.toUpperCase())).toBe(naa);
    expect(normalizeDeviceId(`3${naa}`)).toBe(naa);
    expect(naa.startsWith('6090a0')).toBe(true);
  });
});
