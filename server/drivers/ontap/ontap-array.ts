/**
 * The array role (roles.ts ArrayDriver) for an ONTAP cluster, over OntapOperations. Inventory ids
 * come from discovery (`<array>:lun:<lun uuid>`, `<array>:cg:<cg uuid>`); names on the array are the
 * engine's ids (snapshot `snapshotId`, clone `mgw_stage_<stagingId>`), so every call can be repeated.
 *
 * A CG snapshot is two-phase: start (ONTAP fences writes), the request's `whileFenced` hook (the
 * runner thaws the guests it froze), commit within the fence. A plain LUN snapshot does not fence,
 * so it never calls the hook and the runner thaws after it returns. The same sequence as one
 * function, scripts included, is `takeConsistentArraySnapshot` (ontap-consistent-snapshot.ts).
 *
 * Restores use the array's own snapshots: the restore points name the snapshot they were read from.
 */
import { DriverError } from '../../engine/driver';
import type { CallOptions, TransferOptions } from '../call';
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
import type { OntapClient } from './ontap-client';
import { arrayVolumeIdOf, isVolumeGroupId, ONTAP_CONNECTOR } from './ontap-discovery';
import { exposeSnapshot, ontapName, withdrawClonesOf, withdrawExposure } from './ontap-exposure';
import { naaFromSerial } from './ontap-naa';
import { OntapOperations } from './ontap-operations';
import {
  consistencyGroupSchema,
  lunMapSchema,
  lunSchema,
  type OntapLun,
  volumeSchema,
} from './ontap-records';

export interface OntapArrayOptions {
  client: OntapClient;
  /** Inventory id of the array (the prefix of its LUN and CG ids). */
  arrayId: string;
  /**
   * The igroup staged clones are mapped to (the staging host's initiators), besides the igroups of
   * the live LUN (the VM's host, which copies the VM out); empty when none is set.
   */
  stagingIgroup: string;
  /** `action_timeout` of a CG snapshot's write fence (default ONTAP's 7 s). */
  fenceSeconds?: number;
}

export function stagingCloneName(stagingId: string): string {
  return `mgw_stage_${ontapName(stagingId)}`;
}

export class OntapArray implements ArrayDriver {
  readonly connector = ONTAP_CONNECTOR;
  private readonly operations: OntapOperations;

  constructor(private readonly options: OntapArrayOptions) {
    this.operations = new OntapOperations(options.client);
  }

  private idSuffix(id: string, kind: 'lun' | 'cg'): string {
    const prefix = `${this.options.arrayId}:${kind}:`;
    if (!id.startsWith(prefix)) {
      throw new DriverError(
        'not-found',
        `${id} is not a ${kind === 'lun' ? 'LUN' : 'consistency group'} of ${this.options.client.label}`,
        {
          isRetryable: false,
        },
      );
    }
    return id.slice(prefix.length);
  }

  private allLuns(options: CallOptions): Promise<OntapLun[]> {
    return this.options.client.list(
      '/api/storage/luns?fields=uuid,name,serial_number,location,space,svm',
      lunSchema,
      options,
    );
  }

  private async luns(arrayVolumeIds: string[], options: CallOptions): Promise<OntapLun[]> {
    const wanted = arrayVolumeIds.map((id) => this.idSuffix(id, 'lun'));
    const all = await this.allLuns(options);
    return wanted.map((uuid) => {
      const lun = all.find((candidate) => candidate.uuid === uuid);
      if (!lun)
        throw new DriverError('not-found', `${this.options.client.label} has no LUN ${uuid} (rediscover?)`, {
          isRetryable: false,
        });
      return lun;
    });
  }

  async createSnapshot(
    request: CreateSnapshotRequest<ArraySnapshotScope>,
    options: CallOptions,
  ): Promise<{ snapshotId: string; name: string }> {
    const name = ontapName(request.snapshotId);
    const step = { ...options, stepKey: `snapshot:${request.snapshotId}` };
    const { consistencyGroupId, arrayVolumeIds } = request.scope;
    // The LUNs of one volume (a group discovery made of them) are in its snapshot anyway.
    if (consistencyGroupId && !isVolumeGroupId(this.options.arrayId, consistencyGroupId)) {
      const uuid = this.idSuffix(consistencyGroupId, 'cg');
      const groups = await this.options.client.list(
        '/api/application/consistency-groups?fields=uuid,name,volumes',
        consistencyGroupSchema,
        options,
      );
      const group = groups.find((candidate) => candidate.uuid === uuid);
      if (!group)
        throw new DriverError('not-found', `${this.options.client.label} has no consistency group ${uuid}`, {
          isRetryable: false,
        });
      await this.operations.snapshotConsistencyGroup(
        {
          consistencyGroup: group.name,
          snapshotName: name,
          fenceSeconds: this.options.fenceSeconds,
          thaw: request.whileFenced ?? (async () => undefined),
        },
        step,
      );
      return { snapshotId: request.snapshotId, name };
    }
    const volumes = new Map<string, string>();
    for (const lun of await this.luns(arrayVolumeIds, options))
      volumes.set(lun.location.volume.name, lun.svm?.name ?? '');
    for (const [volume, svm] of volumes) {
      await this.operations.snapshotVolume(
        { svm, volume, snapshotName: name },
        { ...step, stepKey: `${step.stepKey}:${volume}` },
      );
    }
    return { snapshotId: request.snapshotId, name };
  }

  /** Deletes the snapshot wherever it is (a CG's, or single volumes'); gone already is fine. */
  async releaseSnapshot(snapshotId: string, options: CallOptions): Promise<void> {
    const name = ontapName(snapshotId);
    const step = { ...options, stepKey: `release:${snapshotId}` };
    // A copy clone a cancelled or killed copy left behind would keep the snapshot busy.
    await withdrawClonesOf(this.exposure, snapshotId, options);
    const groups = await this.options.client.list(
      '/api/application/consistency-groups?fields=uuid,name,volumes',
      consistencyGroupSchema,
      options,
    );
    for (const group of groups) await this.operations.deleteCgSnapshot(group.name, name, step);
    const volumes = await this.options.client.list(
      '/api/storage/volumes?fields=uuid,name,svm,state,space',
      volumeSchema,
      options,
    );
    for (const volume of volumes) {
      await this.operations.deleteVolumeSnapshot(
        { svm: volume.svm.name, volume: volume.name, snapshotName: name },
        step,
      );
    }
  }

  private get exposure() {
    return { client: this.options.client, operations: this.operations };
  }

  /** A FlexClone of the snapshot, its LUNs mapped where the live LUNs are: the VM's host reads it. */
  async exposeSnapshot(request: ExposeSnapshotRequest, options: CallOptions): Promise<ExposedLun[]> {
    const luns = await this.luns(request.arrayVolumeIds, options);
    return exposeSnapshot(
      this.exposure,
      request,
      luns.map((lun, index) => ({ id: request.arrayVolumeIds[index], lun })),
      options,
    );
  }

  withdrawExposure(exposureId: string, options: CallOptions): Promise<void> {
    return withdrawExposure(this.exposure, exposureId, options);
  }

  /** The one array snapshot the points were read from (a revert cannot mix snapshots). */
  private async snapshotOfPoints(
    restorePointIds: string[],
    repository: BackupRepository,
    options: CallOptions,
  ): Promise<string> {
    const names = new Set<string>();
    for (const id of restorePointIds) {
      const point = await repository.read(id, options);
      if (!point?.snapshotId) {
        throw new DriverError('not-found', `restore point ${id} names no array snapshot`, {
          isRetryable: false,
        });
      }
      names.add(ontapName(point.snapshotId));
    }
    if (names.size !== 1) {
      throw new DriverError(
        'invalid-state',
        `the points come from ${names.size} different snapshots; a volume reverts to one`,
        { isRetryable: false },
      );
    }
    return [...names][0];
  }

  private async lunOf(
    request: { volume: RevertVolumeRequest['volume'] },
    options: CallOptions,
  ): Promise<OntapLun> {
    if (request.volume.kind !== 'array-volume') {
      throw new DriverError('invalid-state', `${request.volume.id} is a host volume, not an ONTAP LUN`, {
        isRetryable: false,
      });
    }
    const [lun] = await this.luns([request.volume.id], options);
    return lun;
  }

  /** SnapRestore of the LUN's volume: every LUN in it rolls back (the VMs were stopped by the runner). */
  async revertVolume(
    request: RevertVolumeRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<RestoreResult> {
    const snapshotName = await this.snapshotOfPoints(request.restorePointIds, repository, options);
    const lun = await this.lunOf(request, options);
    await this.refuseUnplannedNeighbours(request, lun, options);
    await this.operations.revertVolume(
      { svm: lun.svm?.name ?? '', volume: lun.location.volume.name, snapshotName },
      { ...options, stepKey: `revert:${request.volume.id}:${snapshotName}` },
    );
    return { bytes: lun.space.size, verified: false };
  }

  /**
   * SnapRestore rolls back the LUN's whole volume, every LUN in it. The inventory holds one array
   * volume per LUN, so a LUN sharing the volume that the revert was not planned with (neither this
   * one nor one of its consistency group's) was in no blast radius the operator confirmed: it would
   * silently lose everything written since the snapshot. Refused before anything is touched.
   */
  private async refuseUnplannedNeighbours(
    request: RevertVolumeRequest,
    lun: OntapLun,
    options: CallOptions,
  ): Promise<void> {
    const planned = new Set([request.volume.id, ...(request.groupVolumeIds ?? [])]);
    const svmOf = (candidate: OntapLun) => candidate.svm?.name ?? '';
    const unplanned = (await this.allLuns(options)).filter(
      (candidate) =>
        candidate.location.volume.name === lun.location.volume.name &&
        svmOf(candidate) === svmOf(lun) &&
        !planned.has(arrayVolumeIdOf(this.options.arrayId, candidate.uuid)),
    );
    if (unplanned.length === 0) return;
    const names = unplanned.map((candidate) => `'${svmOf(candidate)}:${candidate.name}'`).join(', ');
    throw new DriverError(
      'invalid-state',
      `reverting ${svmOf(lun)}:${lun.name} restores its whole volume '${lun.location.volume.name}', which also holds ${names}: the revert was not planned for ${unplanned.length === 1 ? 'that LUN' : 'those LUNs'}, so nothing was reverted. Restore the VMs from a staged copy instead, or keep each LUN in a volume of its own`,
      { isRetryable: false },
    );
  }

  /**
   * FlexClone of the snapshot; nothing live is touched. Its LUNs are mapped to the staging igroup
   * and to every igroup the live LUN is mapped to: the copy-out runs on the VM's host, which sees
   * the clone as a new disk (found by NAA id, stagedLuns) and copies only the chosen VM from it.
   */
  async stageVolume(
    request: StageVolumeRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<RestoreResult> {
    const snapshotName = await this.snapshotOfPoints(request.restorePointIds, repository, options);
    const lun = await this.lunOf(request, options);
    const svm = lun.svm?.name ?? '';
    const cloneName = stagingCloneName(request.stagingId);
    const step = { ...options, stepKey: `stage:${request.stagingId}` };
    const igroups = await this.igroupsOf(lun, options);
    await this.operations.createClone(
      { svm, parentVolume: lun.location.volume.name, snapshotName, cloneName },
      step,
    );
    for (const igroup of igroups) await this.operations.mapClone(svm, cloneName, igroup, step);
    return { bytes: lun.space.size, verified: false };
  }

  /** The staging igroup and the igroups the live LUN is mapped to (its hosts), in that order. */
  private async igroupsOf(lun: OntapLun, options: CallOptions): Promise<string[]> {
    const maps = await this.options.client.list(
      '/api/protocols/san/lun-maps?fields=lun,igroup,logical_unit_number',
      lunMapSchema,
      options,
    );
    const igroups = new Set(this.options.stagingIgroup ? [this.options.stagingIgroup] : []);
    for (const map of maps) if (map.lun.uuid === lun.uuid) igroups.add(map.igroup.name);
    if (igroups.size === 0) {
      throw new DriverError(
        'invalid-state',
        `${this.options.client.label}: no staging igroup is set and ${lun.name} is mapped to no igroup, so no host could read the staged clone`,
        { isRetryable: false },
      );
    }
    return [...igroups];
  }

  /** The staged clone's LUN for each live LUN it holds a copy of, by NAA id (the hosts' Get-Disk UniqueId). */
  async stagedLuns(request: StagedLunsRequest, options: CallOptions): Promise<ExposedLun[]> {
    const cloneName = stagingCloneName(request.stagingId);
    const copies = await this.options.client.list(
      `/api/storage/luns?location.volume.name=${encodeURIComponent(cloneName)}&fields=uuid,name,serial_number,location,space`,
      lunSchema,
      options,
    );
    const staged: ExposedLun[] = [];
    const sources = await this.luns(request.arrayVolumeIds, options);
    sources.forEach((lun, index) => {
      const copy = copies.find((candidate) => candidate.name === `/vol/${cloneName}/${lunBase(lun.name)}`);
      if (!copy) return; // a group LUN in another volume: this clone holds no copy of it
      staged.push({
        arrayVolumeId: request.arrayVolumeIds[index],
        sourceNaaId: naaFromSerial(lun.serial_number),
        naaId: naaFromSerial(copy.serial_number),
      });
    });
    if (staged.length === 0) {
      throw new DriverError(
        'not-found',
        `${this.options.client.label}: the staging clone ${cloneName} is gone or holds no copy of ${sources.map((lun) => lun.name).join(', ')}`,
        { isRetryable: false },
      );
    }
    return staged;
  }

  /** Undo of stageVolume: unmap from every igroup, then delete the clone; both are no-ops once done. */
  async discardStaging(stagingId: string, options: CallOptions): Promise<void> {
    const cloneName = stagingCloneName(stagingId);
    const step = { ...options, stepKey: `discard:${stagingId}` };
    const found = await this.options.client.list(
      `/api/storage/volumes?name=${cloneName}&fields=uuid,name,svm,state,space`,
      volumeSchema,
      options,
    );
    if (!found[0]) return;
    await this.operations.unmapClone(cloneName, null, step);
    await this.operations.deleteClone(found[0].svm.name, cloneName, step);
  }
}

const lunBase = (name: string) => name.split('/').at(-1) ?? name;
