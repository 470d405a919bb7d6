/**
 * The fake Hyper-V host's view of a fake EqualLogic group (fake-san.ts): every volume is an iSCSI
 * target of its own, so the host sees a volume's disk only while it is logged in to its target,
 * and the group lets it log in only when one of the volume's access records names the host's
 * initiator and the volume is online. A volume taken offline drops its sessions, as on a group.
 * The disk's UniqueId is the volume's NAA id, carried in its target name (eql-naa.ts).
 */
import { FakePsError } from '../../hyperv/fake/fake-hyperv-model';
import type { FakeSan } from '../../hyperv/fake/fake-san';
import { naaFromEqlTarget } from '../eql-naa';
import type { FakeEqlGroup, FakeEqlVolume } from './fake-eql-group';

/** The error Connect-IscsiTarget raises for a refused login (this fake's wording). */
const refused = (target: string) =>
  new FakePsError(
    'CimException',
    `Authorization Failure: the target ${target} refused the login of this initiator.`,
    'HRESULT 0xefff0004,Connect-IscsiTarget',
    'NotSpecified',
  );

export function sanOfGroup(group: FakeEqlGroup, initiator: string, loggedIn: string[] = []) {
  const sessions = new Set<string>();
  const volumeOf = (target: string): FakeEqlVolume | undefined =>
    [...group.volumes.values()].find((volume) => volume.iscsiName === target);
  const san: FakeSan & { sessions: Set<string> } = {
    sessions,
    disks() {
      return [...sessions]
        .map((target) => volumeOf(target))
        .filter((volume): volume is FakeEqlVolume => volume?.isOnline === true)
        .map((volume) => ({
          uniqueId: String(naaFromEqlTarget(volume.iscsiName)).toUpperCase(),
          read: () => volume.data,
          write: (bytes: Buffer) => void bytes.copy(volume.data),
        }));
    },
    login(_portal, target) {
      const volume = volumeOf(target);
      if (!volume?.isOnline || !volume.access.some((record) => record.initiator === initiator))
        throw refused(target);
      sessions.add(target);
    },
    logout(target) {
      sessions.delete(target);
    },
  };
  for (const target of loggedIn) san.login?.('192.0.2.10', target);
  return san;
}
