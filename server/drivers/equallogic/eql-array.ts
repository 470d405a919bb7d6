/**
 * The array role (roles.ts ArrayDriver) for an EqualLogic group, over EqlOperations. Inventory ids
 * are `<array>:vol:<volume name>` (discovery below writes them); names on the group are the engine's
 * ids, made safe for the CLI, so every call can be repeated.
 *
 * Volume collections are the group's consistency groups: discovery writes each one as
 * `<array>:coll:<name>` with its member volumes, so the engine's ARRAY-CG-INCOMPLETE finding does not
 * fire for a VM whose volumes one collection covers, and such a snapshot is one
 * `collection select … snapshot create-now` (one instant). Volumes in no collection are snapshotted
 * one by one (not one instant), and the finding stands for a VM spanning them. A volume in several
 * collections is written as a member of the first the group lists.
 */
import { createHash } from 'node:crypto';
import { DriverError } from '../../engine/driver';
import type { ArrayVolume, ConsistencyGroup, StorageArray } from '../../engine/inventory';
import type { CallOptions, TransferOptions } from '../call';
import type { Connector, ManagedObject } from '../registry';
import type {
  ArrayDriver,
  ArraySnapshotScope,
  BackupRepository,
  CreateSnapshotRequest,
  ExposedLun,
  ExposeSnapshotRequest,
  RestoreResult,
  RevertVolumeRequest,
  StagedLunsRequest,
  StageVolumeRequest,
} from '../roles';
import type { EqlClient } from './eql-client';
import { cloneForHosts, cloneLun } from './eql-exposure';
import { naaFromEqlTarget } from './eql-naa';
import { COPY_PREFIX, EqlOperations, type EqlVolumeInfo, STAGING_PREFIX } from './eql-operations';

export const EQUALLOGIC_CONNECTOR = 'equallogic';

/** CLI-safe: letters, digits and `._:-`; anything else from an id becomes `-`. */
function groupName(id: string): string {
  return id.replace(/[^A-Za-z0-9._:-]/g, '-').replace(/^[^A-Za-z0-9]/, 'x');
}

const collectionId = (arrayId: string, name: string) => `${arrayId}:coll:${name}`;

export function eqlStagingName(stagingId: string): string {
  return `${STAGING_PREFIX}${groupName(stagingId)}`;
}

/**
 * A backup's copy clones, one per volume of the exposure: `mgw-copy-<tag>-<restore point>-<n>`,
 * where the tag (8 hex digits of the snapshot name's SHA-256) lets the snapshot's release find
 * the clones a killed worker left, as ONTAP's release finds its FlexClones by parent; the group
 * records no "clone of" link, and both names in full would pass its 64-character volume names.
 */
const snapshotTag = (snapshotName: string) =>
  createHash('sha256').update(snapshotName).digest('hex').slice(0, 8);
const copyCloneName = (snapshotName: string, exposureId: string, index: number) =>
  `${COPY_PREFIX}${snapshotTag(snapshotName)}-${groupName(exposureId)}-${index}`;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const isCopyOfExposure = (name: string, exposureId: string) =>
  new RegExp(`^${COPY_PREFIX}[0-9a-f]{8}-${escapeRegExp(groupName(exposureId))}-\\d+$`).test(name);

const isOurClone = (name: string) => name.startsWith(STAGING_PREFIX) || name.startsWith(COPY_PREFIX);

/**
 * A volume without snapshot reserve (`Snap-Reserve: 0%`) or offline cannot be snapshotted: the
 * engine's ARRAY-NO-SNAPSHOT finding names it before a backup fails on the group. A firmware whose
 * `show` prints no `Status` or no reserve line leaves it unknown (null: ARRAY-SNAPSHOT-UNKNOWN),
 * not assumed able.
 */
function canSnapshot(info: EqlVolumeInfo | undefined): boolean | null {
  if (!info) return null;
  if (info.isOnline === false || info.snapReservePercent === 0) return false;
  if (info.isOnline === null || info.snapReservePercent === null) return null;
  return true;
}

/** The group's volumes as inventory rows (`volume show`: one line per volume, name first). */
export async function discoverEqualLogic(
  client: EqlClient,
  arrayId: string,
  arrayName: string,
  options: CallOptions,
): Promise<{ array: StorageArray; arrayVolumes: ArrayVolume[]; consistencyGroups: ConsistencyGroup[] }> {
  const lines = await client.run('volume show', options);
  const names = lines.map((line) => line.split(/\s+/)[0]).filter((name) => name && !isOurClone(name));
  const operations = new EqlOperations(client);
  const collections = await operations.collections(options);
  // Each volume's NAA id, from its target name: hosts report the disk under a volume by it, so
  // the inventory links host volumes to these volumes (engine/device-ids.ts), as for ONTAP LUNs.
  const infos = new Map<string, EqlVolumeInfo>();
  for (const name of names) infos.set(name, await operations.volumeInfo(name, options));
  const collectionOf = new Map<string, string>();
  for (const collection of collections) {
    for (const volume of collection.volumes)
      if (!collectionOf.has(volume)) collectionOf.set(volume, collectionId(arrayId, collection.name));
  }
  return {
    consistencyGroups: collections.map((collection) => ({
      id: collectionId(arrayId, collection.name),
      arrayId,
      name: collection.name,
    })),
    array: {
      id: arrayId,
      name: arrayName,
      vendor: 'equallogic',
      supportsSnapshots: true,
      connector: EQUALLOGIC_CONNECTOR,
    },
    arrayVolumes: names.map((name) => ({
      id: `${arrayId}:vol:${name}`,
      arrayId,
      name,
      supportsSnapshots: canSnapshot(infos.get(name)),
      consistencyGroupId: collectionOf.get(name) ?? null,
      naaId: naaFromEqlTarget(infos.get(name)?.iscsiName ?? ''),
    })),
  };
}

export class EqlArray implements ArrayDriver {
  readonly connector = EQUALLOGIC_CONNECTOR;
  private readonly operations: EqlOperations;

  constructor(
    private readonly client: EqlClient,
    private readonly arrayId: string,
  ) {
    this.operations = new EqlOperations(client);
  }

  private volumeOf(id: string): string {
    const prefix = `${this.arrayId}:vol:`;
    if (!id.startsWith(prefix)) {
      throw new DriverError('not-found', `${id} is not a volume of ${this.client.label}`, {
        isRetryable: false,
      });
    }
    return id.slice(prefix.length);
  }

  async createSnapshot(
    request: CreateSnapshotRequest<ArraySnapshotScope>,
    options: CallOptions,
  ): Promise<{ snapshotId: string; name: string }> {
    const { consistencyGroupId } = request.scope;
    if (consistencyGroupId) {
      const prefix = `${this.arrayId}:coll:`;
      if (!consistencyGroupId.startsWith(prefix)) {
        throw new DriverError(
          'not-found',
          `${consistencyGroupId} is not a volume collection of ${this.client.label}`,
          {
            isRetryable: false,
          },
        );
      }
      // EqualLogic does not fence writes: there is nothing to call `whileFenced` inside.
      await this.operations.snapshotCollection(
        consistencyGroupId.slice(prefix.length),
        groupName(request.snapshotId),
        options,
      );
      return { snapshotId: request.snapshotId, name: groupName(request.snapshotId) };
    }
    for (const id of request.scope.arrayVolumeIds) {
      await this.operations.snapshotVolume(this.volumeOf(id), groupName(request.snapshotId), options);
    }
    return { snapshotId: request.snapshotId, name: groupName(request.snapshotId) };
  }

  /**
   * Deletes the snapshot from every volume that has it, and the copies a worker killed between
   * `create-now` and `rename` left under the group's own names (found by their marker); gone
   * already is fine.
   */
  async releaseSnapshot(snapshotId: string, options: CallOptions): Promise<void> {
    const name = groupName(snapshotId);
    const lines = await this.client.run('volume show', options);
    const names = lines.map((line) => line.split(/\s+/)[0]).filter(Boolean);
    // Copy clones a killed worker left (their copy step never withdrew them) go first.
    const leftovers = `${COPY_PREFIX}${snapshotTag(name)}-`;
    for (const volume of names)
      if (volume.startsWith(leftovers)) await this.operations.deleteClone(volume, options);
    // Our snapshots are on live volumes only; a clone never carries one.
    const volumes = names.filter((volume) => !isOurClone(volume));
    for (const volume of volumes) {
      if ((await this.operations.snapshotNames(volume, options)).includes(name)) {
        await this.operations.deleteSnapshot(volume, name, options);
      }
    }
    await this.operations.discardUnrenamed(volumes, name, options);
  }

  private async snapshotOfPoints(
    ids: string[],
    repository: BackupRepository,
    options: CallOptions,
  ): Promise<string> {
    const names = new Set<string>();
    for (const id of ids) {
      const point = await repository.read(id, options);
      if (!point?.snapshotId)
        throw new DriverError('not-found', `restore point ${id} names no array snapshot`, {
          isRetryable: false,
        });
      names.add(groupName(point.snapshotId));
    }
    if (names.size !== 1) {
      throw new DriverError(
        'invalid-state',
        `the points come from ${names.size} different snapshots; a volume reverts to one`,
        {
          isRetryable: false,
        },
      );
    }
    return [...names][0];
  }

  private arrayVolume(request: { volume: RevertVolumeRequest['volume'] }): string {
    if (request.volume.kind !== 'array-volume') {
      throw new DriverError(
        'invalid-state',
        `${request.volume.id} is a host volume, not an EqualLogic volume`,
        { isRetryable: false },
      );
    }
    return this.volumeOf(request.volume.id);
  }

  async revertVolume(
    request: RevertVolumeRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<RestoreResult> {
    const snapshot = await this.snapshotOfPoints(request.restorePointIds, repository, options);
    await this.operations.revertVolume(this.arrayVolume(request), snapshot, options);
    return { bytes: 0, verified: false };
  }

  async stageVolume(
    request: StageVolumeRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<RestoreResult> {
    const snapshotName = await this.snapshotOfPoints(request.restorePointIds, repository, options);
    await cloneForHosts(
      this.operations,
      this.client.label,
      { volume: this.arrayVolume(request), snapshotName, cloneName: eqlStagingName(request.stagingId) },
      options,
    );
    return { bytes: 0, verified: false };
  }

  /**
   * The staged clone for the staged volume (the first id: the clone holds that volume only), as
   * the VM's host finds it: the target to log in to and the NAA ids of the live volume and the copy.
   */
  async stagedLuns(request: StagedLunsRequest, options: CallOptions): Promise<ExposedLun[]> {
    const [arrayVolumeId] = request.arrayVolumeIds;
    const lun = await cloneLun(
      this.operations,
      this.client.label,
      { arrayVolumeId, volume: this.volumeOf(arrayVolumeId), cloneName: eqlStagingName(request.stagingId) },
      options,
    );
    return [lun];
  }

  /** Undo of stageVolume: access withdrawn, offline, deleted (the host logged out when it dismounted). */
  discardStaging(stagingId: string, options: CallOptions): Promise<void> {
    return this.operations.deleteClone(eqlStagingName(stagingId), options);
  }

  /** A backup's copy: a clone of the snapshot per volume, open to the live volume's initiators. */
  async exposeSnapshot(request: ExposeSnapshotRequest, options: CallOptions): Promise<ExposedLun[]> {
    const snapshotName = groupName(request.snapshotId);
    const luns: ExposedLun[] = [];
    for (const [index, arrayVolumeId] of request.arrayVolumeIds.entries()) {
      const volume = this.volumeOf(arrayVolumeId);
      const cloneName = copyCloneName(snapshotName, request.exposureId, index);
      await cloneForHosts(this.operations, this.client.label, { volume, snapshotName, cloneName }, options);
      luns.push(
        await cloneLun(this.operations, this.client.label, { arrayVolumeId, volume, cloneName }, options),
      );
    }
    return luns;
  }

  /** Undo of exposeSnapshot: every clone of the exposure goes; none left is fine. */
  async withdrawExposure(exposureId: string, options: CallOptions): Promise<void> {
    const lines = await this.client.run('volume show', options);
    for (const name of lines.map((line) => line.split(/\s+/)[0]))
      if (name && isCopyOfExposure(name, exposureId)) await this.operations.deleteClone(name, options);
  }
}

export interface ConnectedGroup {
  name: string;
  arrayId: string;
  client: EqlClient;
}

/** The `equallogic` connector: the array role for every group this installation is connected to. */
export function createEqualLogicConnector(groups: () => readonly ConnectedGroup[]): Connector {
  const drivers = new WeakMap<EqlClient, EqlArray>();
  return {
    name: EQUALLOGIC_CONNECTOR,
    array(array: ManagedObject): ArrayDriver {
      const group = groups().find((candidate) => candidate.arrayId === array.id);
      if (!group) {
        throw new DriverError(
          'connector-missing',
          `array ${array.name} is not behind any EqualLogic connection`,
          {
            isRetryable: false,
          },
        );
      }
      let driver = drivers.get(group.client);
      if (!driver) {
        driver = new EqlArray(group.client, group.arrayId);
        drivers.set(group.client, driver);
      }
      return driver;
    },
  };
}

/** Resolves the group serving an array (the store: the connection whose discovery wrote it). */
export type ConnectedGroupLookup = (arrayId: string) => Promise<ConnectedGroup | null>;

/** The connector of the process's registry: each call resolves the array's connection first. */
export function createStoredEqualLogicConnector(lookup: ConnectedGroupLookup): Connector {
  const drivers = new WeakMap<EqlClient, EqlArray>();
  return {
    name: EQUALLOGIC_CONNECTOR,
    array(array: ManagedObject): ArrayDriver {
      const base = { connector: EQUALLOGIC_CONNECTOR } as ArrayDriver;
      return new Proxy(base, {
        get: (target, property) => {
          if (
            typeof property !== 'string' ||
            !(property in EqlArray.prototype) ||
            property === 'constructor'
          ) {
            return Reflect.get(target, property);
          }
          return async (...args: unknown[]) => {
            const group = await lookup(array.id);
            if (!group) {
              throw new DriverError(
                'connector-missing',
                `array ${array.name} is not behind any EqualLogic connection; add it or run its discovery again`,
                { isRetryable: false },
              );
            }
            let driver = drivers.get(group.client);
            if (!driver) {
              driver = new EqlArray(group.client, group.arrayId);
              drivers.set(group.client, driver);
            }
            return Reflect.apply(Reflect.get(driver, property) as (...a: unknown[]) => unknown, driver, args);
          };
        },
      });
    },
  };
}
