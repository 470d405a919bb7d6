/**
 * The hypervisor role over PowerShell, for one Hyper-V host (CONNECTORS.md §2.5–2.6):
 * - `createSnapshot`: first the disks' change tracking ids (hyperv-change-tracking.ts), then a checkpoint named `migawka:<snapshotId>` (a retried step finds it instead of
 *   taking a second one). Quiesced → `ProductionOnly`, so a guest whose VSS fails is an error the
 *   job's consistency policy handles (`vss-writer-timeout`), never a silent standard checkpoint;
 *   otherwise `Standard` (saved-state and crash captures). The VM's own setting is put back.
 * - `copySnapshotToRepository`: the checkpoint's frozen parent VHDX files, streamed through SFTP
 *   into the repository (which hashes and reports progress) while the VM runs on its AVHDX.
 * - `releaseSnapshot`: `Remove-VMSnapshot` (Hyper-V merges the AVHDX). A merge still running
 *   after the removal is a retryable `invalid-state`: the cleanup step is asked again later.
 * - `restoreDisks`: as new (a new folder beside the original's, new VM, powered off), in place
 *   (the VM must be off and without checkpoints, checked live) or into a scratch folder; every
 *   written file is hashed on the host (Get-FileHash) and compared with the point.
 * - `revertToSnapshot`: `Restore-VMSnapshot`; guest scripts through PowerShell Direct with the
 *   guest credential; `flushHostIo`: `Write-VolumeCache`.
 * - `freezeGuest` / `thawGuest` (array captures): a ProductionOnly checkpoint of its own name
 *   (in-guest VSS through the backup integration service) and its removal.
 * Windows Server Backup (a `host-volumes` snapshot, the volume revert, staging and copy-out) is
 * hyperv-wsb.ts's: a snapshot id that names no checkpoint is looked up there.
 */

import { z } from 'zod';
import { DriverError } from '../../engine/driver';
import type { PowerState } from '../../engine/inventory';
import type { CallOptions, TransferOptions } from '../call';
import type {
  BackupRepository,
  CopyFromArrayRequest,
  CopyOutVmRequest,
  CopyResult,
  CopyToRepositoryRequest,
  CreateSnapshotRequest,
  DiskSource,
  HostSnapshotResult,
  HostSnapshotScope,
  HypervisorDriver,
  RestoreDisksRequest,
  RestoreResult,
  RevertVolumeRequest,
  ScriptResult,
  ScriptRun,
  StageVolumeRequest,
  StoredPoint,
} from '../roles';
import { copyFromArrayLuns } from './hyperv-array-copy';
import { copyOutFromArrayLuns } from './hyperv-array-copy-out';
import { readChangeTracking } from './hyperv-change-tracking';
import type { HypervClient } from './hyperv-client';
import { diskInventoryId, type GuestCredential, HYPERV_CONNECTOR, vmGuidOf } from './hyperv-discovery';
import { isDiskFull, isPowerShellError, toDriverError } from './hyperv-errors';
import { createVmFromDisks } from './hyperv-new-vm';
import {
  checkpointSchema,
  fileHashesSchema,
  folderSchema,
  guestScriptSchema,
  inPlaceSchema,
  powerStateOf,
  removeCheckpointSchema,
  revertedStateSchema,
  unknownStateWords,
  vmStateSchema,
} from './hyperv-records';
import { inPlaceTargets, splitPath } from './hyperv-restore-targets';
import { HypervWsb } from './hyperv-wsb';
import type { WsbVersion } from './hyperv-wsb-text';

export const checkpointName = (snapshotId: string): string => `migawka:${snapshotId}`;
/** One per VM: the checkpoint that holds its guest frozen for an array snapshot (freezeGuest). */
export const freezeCheckpointName = (vmGuid: string): string => `migawka-freeze:${vmGuid}`;

function unsupported(what: string): DriverError {
  return new DriverError('connector-missing', `the Hyper-V connector has no ${what} yet`, {
    isRetryable: false,
  });
}

export interface HypervHypervisorOptions {
  client: HypervClient;
  /** The guest account for PowerShell Direct (pre-freeze / post-thaw scripts); null when none is set. */
  guestCredential: () => Promise<GuestCredential | null>;
  /** Windows Server Backup's target on this host (`E:`, `\\server\share`); null or absent when none is set. */
  wsbBackupTarget?: () => Promise<string | null>;
}

export class HypervHypervisor implements HypervisorDriver {
  readonly connector = HYPERV_CONNECTOR;
  private readonly client: HypervClient;
  private readonly wsb: HypervWsb;

  constructor(private readonly options: HypervHypervisorOptions) {
    this.client = options.client;
    this.wsb = new HypervWsb({
      client: options.client,
      backupTarget: options.wsbBackupTarget ?? (async () => null),
    });
  }

  /** Runs `work`, mapping PowerShell failures to fault codes named after `what`. */
  private async mapped<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toDriverError(error, `${this.client.label} ${what}`);
    }
  }

  private guid(vmId: string): string {
    const guid = vmGuidOf(vmId);
    if (!guid) throw new DriverError('not-found', `${vmId} is not a Hyper-V VM id`, { isRetryable: false });
    return guid;
  }

  async getPowerState(vmId: string, options: CallOptions): Promise<PowerState> {
    return this.mapped(`power state of ${vmId}`, async () => {
      const state = await this.client.run('vm-state', { vmId: this.guid(vmId) }, vmStateSchema, options);
      const power = powerStateOf(state);
      // Taken for off, a state this connector does not know would let a backup copy a live VM's
      // files as if it were off; taken for running, it would be quiesced as one. It is neither.
      if (power) return power;
      throw new DriverError(
        'invalid-state',
        `${unknownStateWords(state.Name, state)}: it is taken neither for off nor for running`,
        { isRetryable: false },
      );
    });
  }

  async saveState(vmId: string, options: CallOptions): Promise<void> {
    await this.mapped(`save of ${vmId}`, () =>
      this.client.run('save-vm', { vmId: this.guid(vmId) }, z.number(), options),
    );
  }

  async resume(vmId: string, options: CallOptions): Promise<void> {
    await this.mapped(`start of ${vmId}`, () =>
      this.client.run('start-vm', { vmId: this.guid(vmId) }, z.number(), options),
    );
  }

  /**
   * The guest freeze of an array capture: a ProductionOnly checkpoint, i.e. VSS inside the guest
   * through Hyper-V's backup integration service (CONNECTORS.md §4). From then on the VM writes
   * into AVHDX files and the parent VHDX files hold the quiesced state, frozen on the LUN until the
   * thaw, so the array snapshot taken in between holds them application-consistent. A freeze
   * checkpoint left by an earlier attempt is removed first: its state is not this capture's.
   */
  async freezeGuest(vmId: string, _freezeTimeoutMs: number, options: CallOptions): Promise<void> {
    const name = freezeCheckpointName(this.guid(vmId));
    await this.removeCheckpoint(name, `freeze of ${vmId}`, options);
    await this.takeCheckpoint(vmId, name, true, options, 'freeze');
  }

  /** Ends the freeze: the freeze checkpoint is removed (Hyper-V merges it in the background). */
  async thawGuest(vmId: string, options: CallOptions): Promise<void> {
    await this.removeCheckpoint(freezeCheckpointName(this.guid(vmId)), `thaw of ${vmId}`, options);
  }

  private removeCheckpoint(name: string, what: string, options: CallOptions) {
    return this.mapped(what, () =>
      this.client.run('remove-checkpoint', { name }, removeCheckpointSchema, options),
    );
  }

  async runGuestScript(vmId: string, script: ScriptRun, options: CallOptions): Promise<ScriptResult> {
    const credential = await this.options.guestCredential();
    if (!credential) {
      throw new DriverError(
        'script-failed',
        `${this.client.label}: no guest credential is set on the connection, so scripts cannot run inside ${vmId}`,
        { isRetryable: false },
      );
    }
    const result = await this.mapped(`guest script in ${vmId}`, () =>
      this.client.run(
        'run-guest-script',
        {
          vmId: this.guid(vmId),
          ...credential,
          command: script.command,
          timeoutSeconds: Math.max(1, Math.ceil(script.timeoutMs / 1000)),
        },
        guestScriptSchema,
        options,
      ),
    );
    if (result.TimedOut) {
      throw new DriverError(
        'script-failed',
        `${script.command} in ${vmId} ran past ${Math.round(script.timeoutMs / 1000)} s and was stopped`,
        { isRetryable: false },
      );
    }
    return { exitCode: result.ExitCode ?? -1, output: result.Output ?? '' };
  }

  async flushHostIo(hostVolumeId: string, options: CallOptions): Promise<void> {
    const guid = /:([0-9a-f-]{36})$/i.exec(hostVolumeId)?.[1];
    if (!guid)
      throw new DriverError('not-found', `${hostVolumeId} is not a Hyper-V host volume id`, {
        isRetryable: false,
      });
    await this.mapped(`flush of ${hostVolumeId}`, () =>
      this.client.run('flush-volume', { volume: `\\\\?\\Volume{${guid}}\\` }, z.boolean(), options),
    );
  }

  async createSnapshot(
    request: CreateSnapshotRequest<HostSnapshotScope>,
    options: CallOptions,
  ): Promise<HostSnapshotResult> {
    const { scope, snapshotId } = request;
    if (scope.kind !== 'vm') {
      await this.wsb.backUpVolumes(request, options);
      return { snapshotId };
    }
    const name = checkpointName(snapshotId);
    // Read before the checkpoint: only ids older than it are a safe base (hyperv-change-tracking.ts).
    const guid = this.guid(scope.vmId);
    const changeTracking = await readChangeTracking(this.client, guid, name, request.diskIds, options);
    await this.takeCheckpoint(scope.vmId, name, request.isQuiesced, options);
    return { snapshotId, changeTracking };
  }

  private async takeCheckpoint(
    vmId: string,
    name: string,
    isQuiesced: boolean,
    options: CallOptions,
    purpose: 'snapshot' | 'freeze' = 'snapshot',
  ) {
    const params = {
      vmId: this.guid(vmId),
      name,
      checkpointType: isQuiesced ? 'ProductionOnly' : 'Standard',
    };
    try {
      await this.client.run('new-checkpoint', params, checkpointSchema, options);
    } catch (error) {
      // ProductionOnly refused: the guest could not do VSS. The consistency policy decides.
      if (
        isQuiesced &&
        isPowerShellError(error) &&
        error.command === 'CheckpointVM' &&
        error.errorId === 'OperationFailed' &&
        !isDiskFull(error.record) // a full disk is not a VSS failure
      ) {
        throw new DriverError(
          'vss-writer-timeout',
          `${this.client.label}: the production checkpoint of ${vmId} was refused: the guest could not take a VSS snapshot (${error.record.message})`,
          { isRetryable: false },
        );
      }
      // A VM with a pass-through disk cannot be checkpointed, so it cannot be frozen this way.
      if (purpose === 'freeze' && isPowerShellError(error) && error.errorId === 'PassThroughDiskPresent') {
        throw new DriverError('vss-writer-timeout', `${this.client.label}: ${error.record.message}`, {
          isRetryable: false,
        });
      }
      throw toDriverError(error, `${this.client.label} checkpoint of ${vmId}`);
    }
  }

  async releaseSnapshot(snapshotId: string, options: CallOptions): Promise<void> {
    const result = await this.removeCheckpoint(
      checkpointName(snapshotId),
      `removal of checkpoint ${snapshotId}`,
      options,
    );
    if (result.IsMerging) {
      throw new DriverError(
        'invalid-state',
        `${this.client.label}: checkpoint ${snapshotId} is removed but Hyper-V is still merging its disks; asking again later`,
        { isRetryable: true },
      );
    }
  }

  async revertToSnapshot(snapshotId: string, options: CallOptions): Promise<void> {
    const params = { name: checkpointName(snapshotId) };
    await this.mapped(`revert to checkpoint ${snapshotId}`, () =>
      this.client.run('restore-checkpoint', params, revertedStateSchema, options),
    );
  }

  async copySnapshotToRepository(
    request: CopyToRepositoryRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<CopyResult> {
    const guid = this.guid(request.vmId);
    const checkpoint = await this.mapped(`checkpoint ${request.snapshotId}`, () =>
      this.client.run(
        'get-checkpoint',
        { name: checkpointName(request.snapshotId) },
        checkpointSchema.nullable(),
        options,
      ),
    );
    if (!checkpoint) {
      const fromWsb = await this.wsb.copyToRepository(request, repository, options);
      if (fromWsb) return fromWsb;
      throw new DriverError(
        'not-found',
        `${this.client.label}: checkpoint ${request.snapshotId} is not on the host`,
        {
          isRetryable: false,
        },
      );
    }
    const wanted = new Set(request.diskIds);
    const disks: DiskSource[] = checkpoint.HardDrives.map((drive) => ({
      drive,
      diskId: diskInventoryId(guid, drive),
    }))
      .filter(({ diskId }) => wanted.has(diskId))
      .map(({ drive, diskId }) => ({
        diskId,
        bytes: drive.FileSize ?? 0,
        origin: { location: drive.Path, hostVolumeId: null, arrayVolumeId: null },
        read: (signal: AbortSignal) => this.client.readFile(drive.Path, signal),
      }));
    const missing = request.diskIds.filter((diskId) => !disks.some((disk) => disk.diskId === diskId));
    if (missing.length > 0) {
      throw new DriverError(
        'not-found',
        `${this.client.label}: checkpoint ${request.snapshotId} holds no ${missing.join(', ')}`,
        {
          isRetryable: false,
        },
      );
    }
    return repository.store(
      { restorePointId: request.restorePointId, vmId: request.vmId, snapshotId: request.snapshotId, disks },
      options,
    );
  }

  /** An array snapshot's copy mapped to this host: the VM's base VHDX files read from it (hyperv-array-copy.ts). */
  copyFromArrayLuns(
    request: CopyFromArrayRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<CopyResult> {
    const guid = this.guid(request.vmId);
    return this.mapped(`copy of ${request.vmId} from an array snapshot`, () =>
      copyFromArrayLuns(this.client, guid, request, repository, options),
    );
  }

  async restoreDisks(
    request: RestoreDisksRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<RestoreResult> {
    const point = await repository.read(request.restorePointId, options);
    if (!point) {
      throw new DriverError('not-found', `restore point ${request.restorePointId} holds no data`, {
        isRetryable: false,
      });
    }
    if (request.target === 'in-place') return this.restoreInPlace(request.vmId, point, repository, options);
    const name =
      request.target === 'as-new' ? request.newVmName : `migawka-scratch-${request.restorePointId}`;
    if (!name)
      throw new DriverError('invalid-state', 'a restore as new needs a new VM name', { isRetryable: false });
    const [originalFolder] = splitPath(point.files[0]?.origin.location ?? 'C:\\Hyper-V\\x');
    const folder = `${splitPath(originalFolder)[0]}\\${name}`;
    await this.mapped(`restore folder ${folder}`, () =>
      this.client.run('prepare-folder', { path: folder, allowExisting: false }, folderSchema, options),
    );
    try {
      const targets = new Map(
        point.files.map((file) => [file.diskId, `${folder}\\${splitPath(file.origin.location)[1]}`]),
      );
      const bytes = await this.writeAndVerify(point, targets, repository, options);
      if (request.target === 'as-new') {
        const generation = await this.generationOf(request.vmId, options);
        const { powerState, ...createdVm } = await createVmFromDisks(
          this.client,
          { name, generation, folder, targets, start: request.powerOn === true },
          options,
        );
        return { bytes, verified: true, createdVm, ...(powerState ? { powerState } : {}) };
      }
      return { bytes, verified: true };
    } catch (error) {
      // Cleanup beside the side effect: a half-written restore folder is removed, not left behind.
      await this.client
        .run('remove-folder', { path: folder }, z.boolean(), {
          signal: new AbortController().signal,
          timeoutMs: 60_000,
        })
        .catch(() => {});
      throw error;
    }
  }

  /** The original VM's generation (a new VM must boot its disks the same way); 2 when it is gone. */
  private async generationOf(vmId: string, options: CallOptions): Promise<number> {
    try {
      const state = await this.client.run('vm-state', { vmId: this.guid(vmId) }, vmStateSchema, options);
      return state.Generation ?? 2;
    } catch (error) {
      if (isPowerShellError(error)) return 2;
      throw error;
    }
  }

  private async restoreInPlace(
    vmId: string,
    point: StoredPoint,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<RestoreResult> {
    const guid = this.guid(vmId);
    const live = await this.mapped(`in-place restore of ${vmId}`, () =>
      this.client.run('prepare-in-place', { vmId: guid }, inPlaceSchema, options),
    );
    const targets = inPlaceTargets(live, point, guid);
    return { bytes: await this.writeAndVerify(point, targets, repository, options), verified: true };
  }

  /** Writes each stored file to its target on the host, then compares the host's SHA-256 with the point. */
  private async writeAndVerify(
    point: StoredPoint,
    targets: Map<string, string>,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<number> {
    const total = point.files.reduce((sum, file) => sum + file.bytes, 0);
    let done = 0;
    for (const file of point.files) {
      const stream = await repository.readFile(point.restorePointId, file.diskId, options);
      async function* counted() {
        for await (const chunk of stream) {
          done += chunk.byteLength;
          options.onProgress?.(done, total);
          yield chunk;
        }
      }
      await this.client.writeFile(targets.get(file.diskId) as string, counted(), options.signal);
    }
    const hashes = await this.mapped('hash of the restored files', () =>
      this.client.run('file-hashes', { paths: [...targets.values()] }, fileHashesSchema, options),
    );
    for (const file of point.files) {
      const target = targets.get(file.diskId) as string;
      const hash = hashes.find((candidate) => candidate.Path === target)?.Hash.toLowerCase();
      if (hash !== file.sha256) {
        throw new DriverError('data-corrupt', `${target} on the host does not match the point`, {
          isRetryable: false,
        });
      }
    }
    return total;
  }

  /** Windows Server Backup's versions on the host's backup target, newest last. */
  wsbVersions(options: CallOptions): Promise<WsbVersion[]> {
    return this.wsb.listVersions(options);
  }

  revertVolume(
    request: RevertVolumeRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<RestoreResult> {
    return this.wsb.revertVolume(request, repository, options);
  }

  stageVolume(
    request: StageVolumeRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<RestoreResult> {
    return this.wsb.stageVolume(request, repository, options);
  }

  discardStaging(stagingId: string, options: CallOptions): Promise<void> {
    return this.wsb.discardStaging(stagingId, options);
  }

  async copyWithGuestAgent(): Promise<CopyResult> {
    throw unsupported('in-guest agent copy');
  }

  /** From an array's staged clone (`request.luns`: hyperv-array-copy-out.ts), else from WSB's staging folder. */
  copyOutVm(
    request: CopyOutVmRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<RestoreResult> {
    if (!request.luns?.length) return this.wsb.copyOutVm(request, repository, options);
    return copyOutFromArrayLuns(this.client, this.guid(request.vmId), request, repository, options);
  }
}
