/**
 * The lab's hypervisor role: power states and guest actions change vm-state.json and the VMs'
 * workloads; snapshots are folders of synchronous copies (`snapshots/<id>/`, snapshot.json last);
 * copies stream a VM's disks into the repository; restores write them back and re-hash them.
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { DriverError } from '../../engine/driver';
import type { PowerState, VirtualDisk } from '../../engine/inventory';
import type { CallOptions, TransferOptions } from '../call';
import type {
  AgentCopyRequest,
  BackupRepository,
  CopyOutVmRequest,
  CopyResult,
  CopyToRepositoryRequest,
  CreateSnapshotRequest,
  DiskSource,
  HostSnapshotScope,
  HypervisorDriver,
  RestoreDisksRequest,
  RestoreResult,
  ScriptResult,
  ScriptRun,
  StoredPointFile,
} from '../roles';
import type { FaultRule } from './faults';
import { readChunks } from './file-copy';
import { runSandboxedScript } from './guest-script';
import { copyResultOf } from './lab-repository';
import { takeLabSnapshot } from './lab-snapshots';
import { LabVolumes, requirePoint, stagedFilesOf, writeBack } from './lab-volumes';
import { readJson } from './lab-world';
import { labPaths, liveDiskPath, safeSegment } from './layout';

interface SnapshotManifest {
  snapshotId: string;
  disks: { diskId: string; vmId: string; file: string }[];
}

function newVmName(name: string | null | undefined): string {
  if (!name)
    throw new DriverError('invalid-state', 'a restore as new needs a new VM name', { isRetryable: false });
  return name;
}

export class LabHypervisor extends LabVolumes implements HypervisorDriver {
  readonly connector = 'lab';

  // ---------------------------------------------------------------- power and guest

  async getPowerState(vmId: string, options: CallOptions): Promise<PowerState> {
    await this.world.enter('getPowerState', { vmIds: [vmId] }, options.signal);
    return this.world.powerStateOf(vmId);
  }

  async saveState(vmId: string, options: CallOptions): Promise<void> {
    await this.world.enter('saveState', { vmIds: [vmId] }, options.signal);
    await this.world.ensureVm(vmId);
    const power = await this.world.powerStateOf(vmId);
    if (power === 'saved' || power === 'off') return; // already still: nothing to save (idempotent)
    this.world.updateState((state) => {
      state.powerOverrides[vmId] = 'saved';
    });
    await this.world.syncWorkload(vmId);
  }

  async resume(vmId: string, options: CallOptions): Promise<void> {
    await this.world.enter('resume', { vmIds: [vmId] }, options.signal);
    // Back to what the inventory says the VM is (running, for every VM save-state or a revert stopped).
    this.world.updateState((state) => {
      delete state.powerOverrides[vmId];
    });
    await this.world.syncWorkload(vmId);
  }

  async freezeGuest(vmId: string, freezeTimeoutMs: number, options: CallOptions): Promise<void> {
    const fault = await this.world.enter('freezeGuest', { vmIds: [vmId] }, options.signal, [
      'freeze-timeout',
    ]);
    await this.world.ensureVm(vmId);
    if (fault) {
      const { name } = await this.world.vmOf(vmId);
      throw new DriverError(
        'freeze-timeout',
        `freeze of ${name} timed out after ${Math.round(freezeTimeoutMs / 1000)} s`,
        { isRetryable: false },
      );
    }
    this.world.updateState((state) => {
      if (!state.frozenVmIds.includes(vmId)) state.frozenVmIds.push(vmId);
    });
    await this.world.syncWorkload(vmId);
  }

  async thawGuest(vmId: string, options: CallOptions): Promise<void> {
    await this.world.enter('thawGuest', { vmIds: [vmId] }, options.signal);
    this.world.updateState((state) => {
      state.frozenVmIds = state.frozenVmIds.filter((id) => id !== vmId);
    });
    await this.world.syncWorkload(vmId);
  }

  async runGuestScript(vmId: string, script: ScriptRun, options: CallOptions): Promise<ScriptResult> {
    const fault = await this.world.enter('runGuestScript', { vmIds: [vmId] }, options.signal, [
      'script-exit',
    ]);
    await this.world.vmOf(vmId);
    if (fault) {
      return {
        exitCode: fault.exitCode ?? 1,
        output: `injected fault: script exited ${fault.exitCode ?? 1}`,
      };
    }
    const result = await runSandboxedScript(script.command, {
      timeoutMs: script.timeoutMs,
      timeScale: this.world.options.scriptTimeScale,
      signal: options.signal,
    });
    if (result.hasTimedOut) {
      throw new DriverError(
        'script-failed',
        `script "${script.command}" timed out after ${Math.round(script.timeoutMs / 1000)} s`,
        { isRetryable: false },
      );
    }
    return { exitCode: result.exitCode, output: result.output };
  }

  async flushHostIo(hostVolumeId: string, options: CallOptions): Promise<void> {
    await this.world.enter('flushHostIo', { hostVolumeIds: [hostVolumeId] }, options.signal);
    const volumeDir = this.world.abs('volumes', safeSegment(hostVolumeId));
    if (!existsSync(volumeDir)) return;
    // The lab writes synchronously; fsync is the host-cache flush an array snapshot needs.
    for (const entry of readdirSync(volumeDir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const fd = openSync(path.join(entry.parentPath, entry.name), 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }

  // ---------------------------------------------------------------- capture

  createSnapshot(
    request: CreateSnapshotRequest<HostSnapshotScope>,
    options: CallOptions,
  ): Promise<{ snapshotId: string }> {
    return takeLabSnapshot(this.world, request, options);
  }

  async releaseSnapshot(snapshotId: string, options: CallOptions): Promise<void> {
    await this.world.enter('releaseSnapshot', {}, options.signal);
    rmSync(this.world.abs(labPaths.snapshot(snapshotId)), { recursive: true, force: true });
  }

  async copySnapshotToRepository(
    request: CopyToRepositoryRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<CopyResult> {
    const disks = await this.world.disksOf(request.diskIds);
    const target = await this.world.targetOfDisks(disks, [request.vmId]);
    const fault = await this.world.enter('copySnapshotToRepository', target, options.signal, [
      'repository-full',
    ]);
    const existing = await repository.read(request.restorePointId, options);
    if (existing) return copyResultOf(existing);
    const directory = this.world.abs(labPaths.snapshot(request.snapshotId));
    const snapshot = readJson<SnapshotManifest>(path.join(directory, 'snapshot.json'));
    if (!snapshot) {
      throw new DriverError(
        'not-found',
        `snapshot ${request.snapshotId} does not exist (released or never taken)`,
        {
          isRetryable: false,
        },
      );
    }
    const sources = await Promise.all(
      disks.map((disk) => {
        const entry = snapshot.disks.find((candidate) => candidate.diskId === disk.id);
        if (!entry) {
          throw new DriverError('not-found', `snapshot ${request.snapshotId} does not hold disk ${disk.id}`, {
            isRetryable: false,
          });
        }
        return this.diskSource(disk, path.join(directory, entry.file));
      }),
    );
    throwInjectedRepositoryFull(fault);
    return repository.store(
      {
        restorePointId: request.restorePointId,
        vmId: request.vmId,
        snapshotId: request.snapshotId,
        disks: sources,
      },
      options,
    );
  }

  async copyWithGuestAgent(
    request: AgentCopyRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<CopyResult> {
    const disks = await this.world.disksOf(request.diskIds);
    const target = await this.world.targetOfDisks(disks, [request.vmId]);
    const fault = await this.world.enter('copyWithGuestAgent', target, options.signal, ['repository-full']);
    const existing = await repository.read(request.restorePointId, options);
    if (existing) return copyResultOf(existing);
    await this.world.ensureVm(request.vmId);
    const sources = await Promise.all(
      disks.map((disk) => this.diskSource(disk, this.world.abs(liveDiskPath(disk)))),
    );
    throwInjectedRepositoryFull(fault);
    // In-guest VSS: the application flushes and holds its writes while the agent reads.
    const release = this.world.holdWrites([request.vmId]);
    try {
      return await repository.store(
        { restorePointId: request.restorePointId, vmId: request.vmId, snapshotId: null, disks: sources },
        options,
      );
    } finally {
      release();
    }
  }

  private async diskSource(disk: VirtualDisk, file: string): Promise<DiskSource> {
    return {
      diskId: disk.id,
      bytes: statSync(file).size,
      origin: {
        location: liveDiskPath(disk),
        hostVolumeId: disk.hostVolumeId,
        arrayVolumeId: await this.world.arrayVolumeOfDisk(disk),
      },
      read: (signal) => readChunks(file, signal),
    };
  }

  // ---------------------------------------------------------------- restore

  async restoreDisks(
    request: RestoreDisksRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<RestoreResult> {
    const point = await requirePoint(repository, request.restorePointId, options);
    await this.world.enter('restoreDisks', targetOfPoint(point.vmId, point.files), options.signal);
    if (request.target === 'in-place') await this.world.assertStopped(request.vmId);
    const newDiskOf = new Map((request.newDisks ?? []).map((entry) => [entry.fromDiskId, entry.disk]));
    const destinationOf = (file: StoredPointFile): string => {
      if (request.target === 'in-place') return this.world.abs(file.origin.location);
      // A placed new VM's disks go where the lab keeps every VM's live disks: it is a VM like the others.
      const newDisk = request.target === 'as-new' ? newDiskOf.get(file.diskId) : undefined;
      if (newDisk) return this.world.abs(liveDiskPath(newDisk));
      if (request.target === 'scratch')
        return this.world.abs(labPaths.scratch(request.restorePointId), path.basename(file.path));
      return this.world.abs(
        labPaths.restored(newVmName(request.newVmName)),
        path.basename(file.origin.location),
      );
    };
    const result = await writeBack(
      {
        point,
        files: point.files,
        destinationOf,
        sourceOf: (file) => repository.readFile(point.restorePointId, file.diskId, options),
      },
      options,
    );
    if (request.target === 'in-place') await this.world.markRestored(request.vmId);
    // A placed new VM is one of the lab's VMs: it runs if the restore started it, else it is off.
    const newVmId = request.target === 'as-new' ? request.newDisks?.[0]?.disk.vmId : undefined;
    if (newVmId) {
      const powerState = request.powerOn ? 'running' : 'off';
      this.world.updateState((state) => {
        state.powerOverrides[newVmId] = powerState;
      });
      return { ...result, powerState };
    }
    return result;
  }

  async copyOutVm(
    request: CopyOutVmRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<RestoreResult> {
    const point = await requirePoint(repository, request.restorePointId, options);
    await this.world.enter('copyOutVm', { vmIds: [request.vmId] }, options.signal);
    const staged = stagedFilesOf(this.world, request.stagingId, request.restorePointId);
    if (!staged) {
      throw new DriverError('not-found', `staging area ${request.stagingId} does not exist`, {
        isRetryable: false,
      });
    }
    if (request.target === 'in-place') await this.world.assertStopped(request.vmId);
    // Copy out of the staged volume (not the repository): only this VM's files leave the scratch area.
    const stagedFile = (file: StoredPointFile) => path.join(staged, path.basename(file.path));
    const result = await writeBack(
      {
        point,
        files: point.files.filter((file) => existsSync(stagedFile(file))),
        destinationOf: (file) =>
          request.target === 'in-place'
            ? this.world.abs(file.origin.location)
            : this.world.abs(
                labPaths.restored(newVmName(request.newVmName)),
                path.basename(file.origin.location),
              ),
        sourceOf: async (file) => readChunks(stagedFile(file), options.signal),
      },
      options,
    );
    if (request.target === 'in-place') await this.world.markRestored(request.vmId);
    return result;
  }
}

function throwInjectedRepositoryFull(fault: FaultRule | null): void {
  if (fault)
    throw new DriverError('repository-full', 'the backup repository is full (injected fault)', {
      isRetryable: false,
    });
}

function targetOfPoint(vmId: string, files: StoredPointFile[]) {
  return {
    vmIds: [vmId],
    hostVolumeIds: files.flatMap((file) => (file.origin.hostVolumeId ? [file.origin.hostVolumeId] : [])),
    arrayVolumeIds: files.flatMap((file) => (file.origin.arrayVolumeId ? [file.origin.arrayVolumeId] : [])),
  };
}
