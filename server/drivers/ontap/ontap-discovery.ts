/**
 * What an ONTAP cluster holds, read in one pass (CONNECTORS.md §3.2 a–b): SVMs, volumes with their
 * snapshot reserve and existing snapshots, LUNs with their serials (and so their NAA ids), LUN maps
 * and igroups (which host initiators see which LUN), consistency groups. `toInventory` turns it into
 * the inventory's array rows — one array volume per LUN, since a LUN is what a host volume or an
 * SR sits on — and joins each LUN to the host volumes whose device carries its NAA id, so the
 * VM → disk → host volume → LUN chain is discovered, not typed in.
 */
import type { ArrayVolume, ConsistencyGroup, StorageArray } from '../../engine/inventory';
import type { CallOptions } from '../call';
import type { OntapClient } from './ontap-client';
import { naaFromSerial } from './ontap-naa';
import {
  consistencyGroupSchema,
  igroupSchema,
  lunMapSchema,
  lunSchema,
  type OntapConsistencyGroup,
  type OntapIgroup,
  type OntapLunMap,
  type OntapSnapshot,
  type OntapSvm,
  type OntapVolume,
  snapshotSchema,
  svmSchema,
  volumeSchema,
} from './ontap-records';

export const ONTAP_CONNECTOR = 'ontap';

export interface DiscoveredLun {
  uuid: string;
  name: string;
  svm: string;
  volume: string;
  serial: string;
  naaId: string;
  sizeBytes: number;
  /** null: the record carried no `status.state`. */
  isOnline: boolean | null;
  /** igroup names the LUN is mapped to, with their initiators (the hosts that see it). */
  mappedTo: { igroup: string; lunNumber: number; initiators: string[] }[];
}

export interface DiscoveredVolume extends OntapVolume {
  snapshots: OntapSnapshot[];
}

export interface DiscoveredCluster {
  svms: OntapSvm[];
  volumes: DiscoveredVolume[];
  luns: DiscoveredLun[];
  igroups: OntapIgroup[];
  lunMaps: OntapLunMap[];
  consistencyGroups: OntapConsistencyGroup[];
}

const VOLUME_FIELDS =
  'uuid,name,svm.name,svm.uuid,type,style,state,space.size,space.available,space.snapshot.reserve_percent,snapshot_policy.name,clone.is_flexclone';

export async function discoverOntap(client: OntapClient, options: CallOptions): Promise<DiscoveredCluster> {
  const [svms, volumes, luns, igroups, lunMaps, consistencyGroups] = await Promise.all([
    client.list('/api/svm/svms?fields=name,uuid,state', svmSchema, options),
    client.list(`/api/storage/volumes?fields=${VOLUME_FIELDS}`, volumeSchema, options),
    client.list(
      '/api/storage/luns?fields=name,uuid,serial_number,location.volume.name,space.size,os_type,status.state,svm.name',
      lunSchema,
      options,
    ),
    client.list(
      '/api/protocols/san/igroups?fields=name,uuid,os_type,protocol,initiators',
      igroupSchema,
      options,
    ),
    client.list('/api/protocols/san/lun-maps?fields=lun,igroup,logical_unit_number', lunMapSchema, options),
    client.list(
      '/api/application/consistency-groups?fields=name,uuid,svm,volumes',
      consistencyGroupSchema,
      options,
    ),
  ]);
  const withSnapshots: DiscoveredVolume[] = [];
  for (const volume of volumes) {
    const snapshots = await client.list(
      `/api/storage/volumes/${volume.uuid}/snapshots?fields=name,uuid,create_time,comment,state`,
      snapshotSchema,
      options,
    );
    withSnapshots.push({ ...volume, snapshots });
  }
  const igroupsByUuid = new Map(igroups.map((group) => [group.uuid, group]));
  const svmOfVolume = new Map(volumes.map((volume) => [volume.name, volume.svm.name]));
  return {
    svms,
    volumes: withSnapshots,
    luns: luns.map((lun) => ({
      uuid: lun.uuid,
      name: lun.name,
      svm: lun.svm?.name ?? svmOfVolume.get(lun.location.volume.name) ?? '',
      volume: lun.location.volume.name,
      serial: lun.serial_number,
      naaId: naaFromSerial(lun.serial_number),
      sizeBytes: lun.space.size,
      isOnline: lun.status ? lun.status.state === 'online' : null,
      mappedTo: lunMaps
        .filter((map) => map.lun.uuid === lun.uuid)
        .map((map) => ({
          igroup: map.igroup.name,
          lunNumber: map.logical_unit_number,
          initiators: igroupsByUuid.get(map.igroup.uuid)?.initiators.map((initiator) => initiator.name) ?? [],
        })),
    })),
    igroups,
    lunMaps,
    consistencyGroups,
  };
}

export interface OntapInventory {
  array: StorageArray;
  arrayVolumes: ArrayVolume[];
  consistencyGroups: ConsistencyGroup[];
}

export function arrayVolumeIdOf(arrayId: string, lunUuid: string): string {
  return `${arrayId}:lun:${lunUuid}`;
}

/** The group of the LUNs of one ONTAP volume (volumeGroupsOf). */
export function volumeGroupIdOf(arrayId: string, volumeUuid: string): string {
  return `${arrayId}:vol:${volumeUuid}`;
}

export function isVolumeGroupId(arrayId: string, groupId: string): boolean {
  return groupId.startsWith(`${arrayId}:vol:`);
}

/**
 * ONTAP snapshots and SnapRestore act on a whole volume: its LUNs are captured and rolled back
 * together whatever is asked, exactly as a consistency group's. The inventory holds one array
 * volume per LUN, so a volume of several LUNs outside an ONTAP consistency group is a group of its
 * own: plans then capture its LUNs together, name the VMs on all of them as captured and rolled
 * back with the one asked for, and revert them together.
 */
function volumeGroupsOf(
  arrayId: string,
  cluster: DiscoveredCluster,
  inConsistencyGroup: ReadonlyMap<string, string>,
): { groupOfVolume: Map<string, string>; groups: ConsistencyGroup[] } {
  const lunCount = new Map<string, number>();
  for (const lun of cluster.luns) lunCount.set(lun.volume, (lunCount.get(lun.volume) ?? 0) + 1);
  const groupOfVolume = new Map<string, string>();
  const groups: ConsistencyGroup[] = [];
  for (const volume of cluster.volumes) {
    if ((lunCount.get(volume.name) ?? 0) < 2 || inConsistencyGroup.has(volume.name)) continue;
    const id = volumeGroupIdOf(arrayId, volume.uuid);
    groupOfVolume.set(volume.name, id);
    groups.push({ id, arrayId, name: `${volume.svm.name}:${volume.name} (the LUNs of one ONTAP volume)` });
  }
  return { groupOfVolume, groups };
}

/**
 * Whether a LUN can be snapshotted: its volume online and writable (a `dp` volume is a read-only
 * mirror) and the LUN online. What was not reported (the LUN's state, the volume's type, the volume
 * itself) leaves it unknown (null) unless what was reported already rules it out.
 */
function canSnapshotLun(lun: DiscoveredLun, volume: DiscoveredVolume | undefined): boolean | null {
  if (lun.isOnline === false) return false;
  if (volume && (volume.state !== 'online' || volume.type === 'dp')) return false;
  if (!volume || volume.type === undefined || lun.isOnline === null) return null;
  return true;
}

/**
 * The inventory rows of one cluster. A LUN belongs to the consistency group of the volume that
 * holds it, else to its volume's own group when the volume holds other LUNs (volumeGroupsOf); a
 * LUN on an offline or data-protection (read-only mirror) volume cannot be snapshotted
 * (canSnapshotLun).
 */
export function toInventory(arrayId: string, arrayName: string, cluster: DiscoveredCluster): OntapInventory {
  const groupOfVolume = new Map<string, string>();
  for (const group of cluster.consistencyGroups) {
    for (const volume of group.volumes) groupOfVolume.set(volume.name, `${arrayId}:cg:${group.uuid}`);
  }
  const volumeGroups = volumeGroupsOf(arrayId, cluster, groupOfVolume);
  for (const [volume, id] of volumeGroups.groupOfVolume) groupOfVolume.set(volume, id);
  const volumesByName = new Map(cluster.volumes.map((volume) => [volume.name, volume]));
  const arrayVolumes = cluster.luns.map((lun): ArrayVolume => {
    return {
      id: arrayVolumeIdOf(arrayId, lun.uuid),
      arrayId,
      name: `${lun.svm}:${lun.name}`,
      supportsSnapshots: canSnapshotLun(lun, volumesByName.get(lun.volume)),
      consistencyGroupId: groupOfVolume.get(lun.volume) ?? null,
      naaId: lun.naaId,
    };
  });
  return {
    array: {
      id: arrayId,
      name: arrayName,
      vendor: 'netapp',
      supportsSnapshots: true,
      connector: ONTAP_CONNECTOR,
    },
    arrayVolumes,
    consistencyGroups: [
      ...cluster.consistencyGroups.map((group) => ({
        id: `${arrayId}:cg:${group.uuid}`,
        arrayId,
        name: group.svm ? `${group.svm.name}:${group.name}` : group.name,
      })),
      ...volumeGroups.groups,
    ],
  };
}
