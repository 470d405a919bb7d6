/**
 * What the runner asks of an ONTAP cluster, one method per step, each idempotent for the engine's
 * names (a retry or a resumed worker may run it again) and each failing as a DriverError:
 * - volume snapshot; snapshot delete (gone already is fine);
 * - consistency-group snapshot in two phases: start (ONTAP fences writes on every member volume)
 *   → the caller thaws the guests → commit, all within the fence (7 s by default). A late commit
 *   is refused by ONTAP, which has already aborted the snapshot: the step fails clean and the job's
 *   consistency policy decides;
 * - volume revert (SnapRestore: every LUN in the volume goes back, newer snapshots are deleted);
 * - FlexClone of a snapshot for staged / as-new restores: clone → map → (the host copies the
 *   chosen VM's disks) → unmap → delete, each its own step with its cleanup.
 */
import { DriverError } from '../../engine/driver';
import type { CallOptions } from '../call';
import type { OntapClient } from './ontap-client';
import { isOntapError, ONTAP_CODES, toDriverError } from './ontap-errors';
import { naaFromSerial } from './ontap-naa';
import {
  consistencyGroupSchema,
  lunMapSchema,
  lunSchema,
  type OntapVolume,
  snapshotSchema,
  volumeSchema,
} from './ontap-records';

/** Steps pass their stable key; the journal keys of the jobs they start derive from it. */
export interface StepCall extends CallOptions {
  stepKey: string;
}

export interface VolumeSnapshotRequest {
  svm: string;
  volume: string;
  snapshotName: string;
  comment?: string;
}

export interface CgSnapshotRequest {
  consistencyGroup: string;
  snapshotName: string;
  /** The write fence, seconds (ONTAP 9.14.1+: 5–120; 7 by default). */
  fenceSeconds?: number;
  /** Runs once the fence is up: thaw the guests (and run post-thaw work that must not wait). */
  thaw: (signal: AbortSignal) => Promise<void>;
}

export interface CloneRequest {
  svm: string;
  parentVolume: string;
  snapshotName: string;
  cloneName: string;
}

export interface MappedLun {
  lunName: string;
  naaId: string;
  lunNumber: number;
}

const enc = encodeURIComponent;

export class OntapOperations {
  constructor(private readonly client: OntapClient) {}

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toDriverError(error, this.client.label);
    }
  }

  async findVolume(svm: string, name: string, options: CallOptions): Promise<OntapVolume> {
    const fields = 'uuid,name,svm,state,space,clone';
    const found = await this.client.list(
      `/api/storage/volumes?name=${enc(name)}&svm.name=${enc(svm)}&fields=${fields}`,
      volumeSchema,
      options,
    );
    if (!found[0]) {
      throw new DriverError('not-found', `${this.client.label}: no volume ${name} on SVM ${svm}`, {
        isRetryable: false,
      });
    }
    return found[0];
  }

  private async snapshotUuid(volumeUuid: string, name: string, options: CallOptions): Promise<string | null> {
    const found = await this.client.list(
      `/api/storage/volumes/${volumeUuid}/snapshots?name=${enc(name)}&fields=uuid,name`,
      snapshotSchema,
      options,
    );
    return found[0]?.uuid ?? null;
  }

  /**
   * A volume snapshot named by the engine. One that already exists under that name is ours (a
   * retry after the job ended, or after ONTAP forgot it), so the duplicate-name failure is success.
   */
  snapshotVolume(request: VolumeSnapshotRequest, options: StepCall): Promise<void> {
    return this.guard(async () => {
      const volume = await this.findVolume(request.svm, request.volume, options);
      const exists = async () =>
        (await this.snapshotUuid(volume.uuid, request.snapshotName, options)) !== null;
      await this.client
        .runJob(
          {
            method: 'POST',
            path: `/api/storage/volumes/${volume.uuid}/snapshots`,
            body: { name: request.snapshotName, comment: request.comment ?? 'migawka' },
          },
          {
            ...options,
            journalKey: `${options.stepKey}:snapshot`,
            recover: async () => ((await exists()) ? 'done' : 'absent'),
          },
        )
        .catch((error: unknown) => {
          if (!isOntapError(error, ONTAP_CODES.duplicateSnapshotName)) throw error;
        });
    });
  }

  deleteVolumeSnapshot(request: VolumeSnapshotRequest, options: StepCall): Promise<void> {
    return this.guard(async () => {
      const volume = await this.findVolume(request.svm, request.volume, options);
      const uuid = await this.snapshotUuid(volume.uuid, request.snapshotName, options);
      if (uuid === null) return; // gone already: cleanup may run twice
      await this.client
        .runJob(
          { method: 'DELETE', path: `/api/storage/volumes/${volume.uuid}/snapshots/${uuid}` },
          {
            ...options,
            journalKey: `${options.stepKey}:delete-snapshot`,
            recover: async () =>
              (await this.snapshotUuid(volume.uuid, request.snapshotName, options)) ? 'absent' : 'done',
          },
        )
        .catch((error: unknown) => {
          if (!isOntapError(error, ONTAP_CODES.notFound)) throw error;
        });
    });
  }

  private async groupUuid(name: string, options: CallOptions): Promise<string> {
    const found = await this.client.list(
      `/api/application/consistency-groups?name=${enc(name)}&fields=uuid,name,volumes`,
      consistencyGroupSchema,
      options,
    );
    if (!found[0]) {
      throw new DriverError('not-found', `${this.client.label}: no consistency group ${name}`, {
        isRetryable: false,
      });
    }
    return found[0].uuid;
  }

  private async cgSnapshot(group: string, name: string, options: CallOptions) {
    const found = await this.client.list(
      `/api/application/consistency-groups/${group}/snapshots?name=${enc(name)}&fields=uuid,name,state`,
      snapshotSchema,
      options,
    );
    return found[0] ?? null;
  }

  /**
   * Two-phase CG snapshot. The thaw runs whatever happens to the start (a frozen guest must never
   * be left frozen because the array said no); the commit is sent right after the thaw.
   */
  snapshotConsistencyGroup(request: CgSnapshotRequest, options: StepCall): Promise<{ snapshotUuid: string }> {
    return this.guard(async () => {
      const group = await this.groupUuid(request.consistencyGroup, options);
      const existing = await this.cgSnapshot(group, request.snapshotName, options);
      // Unverified on real clusters: whether a started, uncommitted snapshot is listed, and with
      // which state. Only one reported as still fenced is distrusted; any other is a committed one.
      if (existing && existing.state !== 'fenced') {
        await request.thaw(options.signal);
        return { snapshotUuid: existing.uuid };
      }
      if (existing) {
        // A fenced leftover of a worker that died between start and commit: the freeze it was
        // taken under is over, so it cannot be trusted; drop it and let the runner start again.
        await this.discardCgSnapshot(group, existing.uuid, options);
        await request.thaw(options.signal);
        throw new DriverError(
          'snapshot-failed',
          `${this.client.label}: an unfinished snapshot ${request.snapshotName} was discarded; take it again`,
        );
      }
      let snapshotUuid: string;
      try {
        snapshotUuid = await this.startCgSnapshot(group, request, options);
      } catch (error) {
        await request.thaw(options.signal);
        throw error;
      }
      let thawError: unknown = null;
      await request.thaw(options.signal).catch((error: unknown) => {
        thawError = error;
      });
      await this.commitCgSnapshot(group, snapshotUuid, request.snapshotName, options);
      if (thawError) throw thawError;
      return { snapshotUuid };
    });
  }

  private async startCgSnapshot(
    group: string,
    request: CgSnapshotRequest,
    options: StepCall,
  ): Promise<string> {
    const fence = request.fenceSeconds ?? 7;
    const outcome = await this.client.runJob(
      {
        method: 'POST',
        path: `/api/application/consistency-groups/${group}/snapshots?action=start&action_timeout=${fence}`,
        body: { name: request.snapshotName, consistency_type: 'application', comment: 'migawka' },
      },
      {
        ...options,
        journalKey: `${options.stepKey}:cg-start`,
        recover: async () =>
          (await this.cgSnapshot(group, request.snapshotName, options)) ? 'done' : 'absent',
      },
    );
    // The start names its snapshot in Location; without it (an older release) look it up by name.
    const fromLocation = outcome.location?.split('/').at(-1);
    if (fromLocation) return fromLocation;
    const found = await this.cgSnapshot(group, request.snapshotName, options);
    if (!found)
      throw new DriverError('snapshot-failed', `${this.client.label}: the started snapshot is not there`);
    return found.uuid;
  }

  private async commitCgSnapshot(
    group: string,
    uuid: string,
    name: string,
    options: StepCall,
  ): Promise<void> {
    try {
      await this.client.runJob(
        {
          method: 'PATCH',
          path: `/api/application/consistency-groups/${group}/snapshots/${uuid}?action=commit`,
          body: {},
        },
        {
          ...options,
          journalKey: `${options.stepKey}:cg-commit`,
          recover: async () => {
            const found = await this.cgSnapshot(group, name, options);
            return found && found.state !== 'fenced' ? 'done' : 'absent';
          },
        },
      );
    } catch (error) {
      if (isOntapError(error, ONTAP_CODES.cgCommitAfterFence)) {
        // ONTAP aborted it; make sure nothing of it is left behind, on a deadline of its own.
        await this.discardCgSnapshot(group, uuid, {
          signal: AbortSignal.timeout(30_000),
          timeoutMs: 30_000,
        }).catch(() => undefined);
      }
      throw error;
    }
  }

  private async discardCgSnapshot(group: string, uuid: string, options: CallOptions): Promise<void> {
    await this.client
      .runJob(
        { method: 'DELETE', path: `/api/application/consistency-groups/${group}/snapshots/${uuid}` },
        { ...options, journalKey: `discard:${uuid}`, recover: async () => 'done' },
      )
      .catch((error: unknown) => {
        if (!isOntapError(error, ONTAP_CODES.notFound)) throw error;
      });
  }

  /** Deletes a CG snapshot (and with it every member volume's copy); gone already is fine. */
  deleteCgSnapshot(consistencyGroup: string, snapshotName: string, options: StepCall): Promise<void> {
    return this.guard(async () => {
      const group = await this.groupUuid(consistencyGroup, options);
      const found = await this.cgSnapshot(group, snapshotName, options);
      if (found) await this.discardCgSnapshot(group, found.uuid, options);
    });
  }

  /** SnapRestore of a whole volume: every LUN in it (every VM on them) rolls back. */
  revertVolume(request: VolumeSnapshotRequest, options: StepCall): Promise<void> {
    return this.guard(async () => {
      const volume = await this.findVolume(request.svm, request.volume, options);
      const path = `/api/storage/volumes/${volume.uuid}?restore_to.snapshot.name=${enc(request.snapshotName)}`;
      // Reverting twice to the same snapshot gives the same bytes: a lost job is simply sent again.
      await this.client.runJob(
        { method: 'PATCH', path, body: {} },
        { ...options, journalKey: `${options.stepKey}:revert`, recover: async () => 'absent' },
      );
    });
  }

  /** FlexClone of a snapshot (staged / as-new restore): nothing live is touched. */
  createClone(request: CloneRequest, options: StepCall): Promise<void> {
    return this.guard(async () => {
      const exists = async () =>
        (
          await this.client.list(
            `/api/storage/volumes?name=${enc(request.cloneName)}&fields=uuid,name,svm,state,space`,
            volumeSchema,
            options,
          )
        ).length > 0;
      if (await exists()) return;
      await this.client.runJob(
        {
          method: 'POST',
          path: '/api/storage/volumes',
          body: {
            name: request.cloneName,
            'svm.name': request.svm,
            'clone.is_flexclone': true,
            'clone.parent_volume.name': request.parentVolume,
            'clone.parent_snapshot.name': request.snapshotName,
          },
        },
        {
          ...options,
          journalKey: `${options.stepKey}:clone`,
          recover: async () => ((await exists()) ? 'done' : 'absent'),
        },
      );
    });
  }

  /** Maps every LUN of the clone to the host's igroup; one already mapped is kept. */
  mapClone(svm: string, cloneName: string, igroup: string, options: StepCall): Promise<MappedLun[]> {
    return this.guard(async () => {
      const luns = await this.client.list(
        `/api/storage/luns?location.volume.name=${enc(cloneName)}&fields=uuid,name,serial_number,location,space`,
        lunSchema,
        options,
      );
      for (const lun of luns) {
        await this.client
          .call(
            {
              method: 'POST',
              path: '/api/protocols/san/lun-maps',
              body: { 'svm.name': svm, 'igroup.name': igroup, 'lun.name': lun.name },
            },
            options,
          )
          .catch((error: unknown) => {
            if (!isOntapError(error, '5374901')) throw error;
          });
      }
      const maps = await this.client.list(
        '/api/protocols/san/lun-maps?fields=lun,igroup,logical_unit_number',
        lunMapSchema,
        options,
      );
      return luns.map((lun) => ({
        lunName: lun.name,
        naaId: naaFromSerial(lun.serial_number),
        lunNumber:
          maps.find((map) => map.lun.uuid === lun.uuid && map.igroup.name === igroup)?.logical_unit_number ??
          -1,
      }));
    });
  }

  /** Undo of mapClone (from one igroup, or from every igroup when null); a map already gone is fine. */
  unmapClone(cloneName: string, igroup: string | null, options: StepCall): Promise<void> {
    return this.guard(async () => {
      const maps = await this.client.list(
        '/api/protocols/san/lun-maps?fields=lun,igroup,logical_unit_number',
        lunMapSchema,
        options,
      );
      for (const map of maps) {
        if (!map.lun.name.startsWith(`/vol/${cloneName}/`)) continue;
        if (igroup !== null && map.igroup.name !== igroup) continue;
        await this.client
          .call(
            { method: 'DELETE', path: `/api/protocols/san/lun-maps/${map.lun.uuid}/${map.igroup.uuid}` },
            options,
          )
          .catch((error: unknown) => {
            if (!isOntapError(error, ONTAP_CODES.notFound)) throw error;
          });
      }
    });
  }

  /** Undo of createClone; refuses (invalid-state) while a LUN of it is still mapped. */
  deleteClone(svm: string, cloneName: string, options: StepCall): Promise<void> {
    return this.guard(async () => {
      const found = await this.client.list(
        `/api/storage/volumes?name=${enc(cloneName)}&svm.name=${enc(svm)}&fields=uuid,name,svm,state,space,clone`,
        volumeSchema,
        options,
      );
      const clone = found[0];
      if (!clone) return;
      if (!clone.clone?.is_flexclone) {
        throw new DriverError(
          'invalid-state',
          `${this.client.label}: ${cloneName} is not a FlexClone; not deleting it`,
          { isRetryable: false },
        );
      }
      await this.client.runJob(
        { method: 'DELETE', path: `/api/storage/volumes/${clone.uuid}` },
        { ...options, journalKey: `${options.stepKey}:delete-clone`, recover: async () => 'absent' },
      );
    });
  }
}
