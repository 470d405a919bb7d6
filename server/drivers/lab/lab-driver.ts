/**
 * The embedded lab driver: implements the engine's Driver over real files (layout.ts), with a
 * live workload per running VM (workload.ts), injected faults (faults.ts) and a sandbox for
 * guest scripts (guest-script.ts). Everything an operation does here can be measured afterwards:
 * hashes in manifests, torn or clean application state, files really rolled back.
 *
 * The driver keeps no state that matters in memory: power states it changed and frozen guests
 * live in vm-state.json, snapshots and restore points are folders whose metadata file is written
 * last. A worker killed mid-call and restarted in another process finds the same world.
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import {
  type AgentCopyRequest,
  type CopyOptions,
  type CopyOutVmRequest,
  type CopyResult,
  type CopyToRepositoryRequest,
  type CreateSnapshotRequest,
  type Driver,
  DriverError,
  type RestoreDisksRequest,
  type RestoreResult,
  type RevertVolumeRequest,
  type ScriptResult,
  type ScriptRun,
  type StageVolumeRequest,
  type StoredFile,
  type VerifyResult,
  type VolumeRef,
} from '../../engine/driver';
import type { InventoryIndex, PowerState, VirtualDisk, Vm } from '../../engine/inventory';
import { checkConsistency } from './disk-image';
import { FaultRegistry, type FaultRule, type FaultTarget, type LabAction, type LabFault } from './faults';
import { copyFileHashed, hashFile } from './file-copy';
import { runSandboxedScript } from './guest-script';
import { applicationDiskOf, ensureVmFiles, labPaths, liveDiskPath, safeSegment } from './layout';
import { DEFAULT_WORKLOAD_TIMING, VmWorkload, type WorkloadTiming } from './workload';

export interface LabDriverOptions {
  root: string;
  /** The inventory the lab mirrors (VMs, disks, volumes); called on every driver call, keep it cheap. */
  inventory: () => InventoryIndex;
  /** Added to every call, so progress is visible in a demo (MIGAWKA_LAB_STEP_DELAY_MS). 0 in tests. */
  stepDelayMs?: number;
  workload?: WorkloadTiming;
  /** Whether running VMs really write (false: disks only change when a test writes them). */
  isWorkloadEnabled?: boolean;
  /** Multiplies guest script `sleep`s (1 = real seconds). */
  scriptTimeScale?: number;
  /** Repository capacity; a copy that would exceed it fails with repository-full. Null = unbounded. */
  repositoryQuotaBytes?: number | null;
}

interface LabVmState {
  /** Power states the lab changed (saved by save-state, off for a revert); absent = inventory's. */
  powerOverrides: Record<string, PowerState>;
  /** Guests whose file systems are frozen (no writes until thaw). */
  frozenVmIds: string[];
}

interface SnapshotManifest {
  snapshotId: string;
  createdAt: string;
  isQuiesced: boolean;
  disks: { diskId: string; vmId: string; file: string }[];
}

export interface ManifestFile extends StoredFile {
  /** Lab-relative path of the live disk the copy came from (where an in-place restore writes). */
  sourcePath: string;
  hostVolumeId: string | null;
  arrayVolumeId: string | null;
}

export interface PointManifest {
  format: 'migawka-lab-point/1';
  restorePointId: string;
  vmId: string;
  snapshotId: string | null;
  createdAt: string;
  applicationState: 'clean' | 'torn' | null;
  applicationDetail: string;
  files: ManifestFile[];
}

/** Disk lookup per inventory index (an estate has 60,000 disks; a linear search per call adds up). */
const disksByIdCache = new WeakMap<InventoryIndex, Map<string, VirtualDisk>>();

function writeJsonAtomically(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(temporary, file);
}

function readJson<T>(file: string): T | null {
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

function directoryBytes(directory: string): number {
  if (!existsSync(directory)) return 0;
  let total = 0;
  for (const entry of readdirSync(directory, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

export class LabDriver implements Driver {
  readonly name = 'lab';
  readonly faults: FaultRegistry;
  private readonly workloads = new Map<string, VmWorkload>();
  private readonly options: Required<LabDriverOptions>;

  constructor(options: LabDriverOptions) {
    this.options = {
      stepDelayMs: 0,
      workload: DEFAULT_WORKLOAD_TIMING,
      isWorkloadEnabled: true,
      scriptTimeScale: 1,
      repositoryQuotaBytes: null,
      ...options,
    };
    mkdirSync(options.root, { recursive: true });
    this.faults = FaultRegistry.inRoot(options.root);
  }

  get root(): string {
    return this.options.root;
  }

  /**
   * Turns workloads on (when constructed with them off) and starts them. Only the process that
   * runs the worker should: two processes writing the same lab disks would fight over them.
   */
  enableWorkloads(): void {
    this.options.isWorkloadEnabled = true;
    this.start();
  }

  /** Starts the workload of every running VM whose disks already exist (a restarted process resumes writing). */
  start(): void {
    if (!this.options.isWorkloadEnabled) return;
    for (const vm of this.index().inventory.vms) {
      const disk = applicationDiskOf(this.index().disksByVm.get(vm.id) ?? []);
      if (disk && existsSync(this.abs(liveDiskPath(disk)))) this.syncWorkload(vm.id);
    }
  }

  /** Stops every workload after its in-flight transaction (graceful shutdown, end of a test). */
  stop(): void {
    for (const workload of this.workloads.values()) workload.quiesce();
    this.workloads.clear();
  }

  /** Absolute paths of a VM's live disks, created on first use. */
  ensureVm(vmId: string): string[] {
    this.vmOf(vmId);
    const files = ensureVmFiles(this.index(), this.root, vmId);
    this.syncWorkload(vmId);
    return files;
  }

  liveDiskFile(diskId: string): string {
    return this.abs(liveDiskPath(this.diskOf(diskId)));
  }

  readPointManifest(restorePointId: string): PointManifest | null {
    return readJson<PointManifest>(this.abs(labPaths.repository(restorePointId), 'manifest.json'));
  }

  isWorkloadWriting(vmId: string): boolean {
    return this.workloads.get(vmId)?.isWriting ?? false;
  }

  /** Tests: hold the VM's workload mid-transaction until the returned release() (workload.ts). */
  holdWorkloadMidTransaction(vmId: string): () => void {
    const workload = this.workloads.get(vmId);
    if (!workload) throw new Error(`${vmId} has no running workload`);
    return workload.holdMidTransaction();
  }

  // ---------------------------------------------------------------- power and guest

  async getPowerState(vmId: string): Promise<PowerState> {
    await this.enter('getPowerState', { vmIds: [vmId] });
    return this.powerStateOf(vmId);
  }

  async saveState(vmId: string): Promise<void> {
    await this.enter('saveState', { vmIds: [vmId] });
    this.ensureVm(vmId);
    const power = this.powerStateOf(vmId);
    if (power === 'saved' || power === 'off') return; // already still: nothing to save (idempotent)
    this.updateState((state) => {
      state.powerOverrides[vmId] = 'saved';
    });
    this.syncWorkload(vmId);
  }

  async resume(vmId: string): Promise<void> {
    await this.enter('resume', { vmIds: [vmId] });
    // Back to what the inventory says the VM is (running, for every VM save-state or a revert stopped).
    this.updateState((state) => {
      delete state.powerOverrides[vmId];
    });
    this.syncWorkload(vmId);
  }

  async freezeGuest(vmId: string, timeoutMs: number): Promise<void> {
    const fault = await this.enter('freezeGuest', { vmIds: [vmId] }, ['freeze-timeout']);
    this.ensureVm(vmId);
    if (fault) {
      throw new DriverError(
        'freeze-timeout',
        `freeze of ${this.vmOf(vmId).name} timed out after ${Math.round(timeoutMs / 1000)} s`,
        { isRetryable: false },
      );
    }
    this.updateState((state) => {
      if (!state.frozenVmIds.includes(vmId)) state.frozenVmIds.push(vmId);
    });
    this.syncWorkload(vmId);
  }

  async thawGuest(vmId: string): Promise<void> {
    await this.enter('thawGuest', { vmIds: [vmId] });
    this.updateState((state) => {
      state.frozenVmIds = state.frozenVmIds.filter((id) => id !== vmId);
    });
    this.syncWorkload(vmId);
  }

  async runGuestScript(vmId: string, script: ScriptRun): Promise<ScriptResult> {
    const fault = await this.enter('runGuestScript', { vmIds: [vmId] }, ['script-exit']);
    this.vmOf(vmId);
    if (fault) {
      return {
        exitCode: fault.exitCode ?? 1,
        output: `injected fault: script exited ${fault.exitCode ?? 1}`,
      };
    }
    const result = await runSandboxedScript(script.command, {
      timeoutMs: script.timeoutMs,
      timeScale: this.options.scriptTimeScale,
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

  async flushHostIo(hostVolumeId: string): Promise<void> {
    await this.enter('flushHostIo', { hostVolumeIds: [hostVolumeId] });
    const volumeDir = this.abs('volumes', safeSegment(hostVolumeId));
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

  async createSnapshot(request: CreateSnapshotRequest): Promise<{ snapshotId: string }> {
    const disks = request.diskIds.map((id) => this.diskOf(id));
    const target = this.targetOfDisks(disks);
    if (request.scope.kind === 'array-volumes') target.arrayVolumeIds.push(...request.scope.arrayVolumeIds);
    if (request.scope.kind === 'host-volumes') target.hostVolumeIds.push(...request.scope.hostVolumeIds);
    const fault = await this.enter(
      'createSnapshot',
      target,
      request.isQuiesced ? ['snapshot-failed', 'vss-writer-timeout'] : ['snapshot-failed'],
    );
    const directory = this.abs(labPaths.snapshot(request.snapshotId));
    if (existsSync(path.join(directory, 'snapshot.json'))) return { snapshotId: request.snapshotId };
    if (fault?.fault === 'vss-writer-timeout') {
      throw new DriverError('vss-writer-timeout', `VSS writer of ${this.namesOf(target.vmIds)} timed out`, {
        isRetryable: false,
      });
    }
    if (fault)
      throw new DriverError('snapshot-failed', `snapshot ${request.snapshotId} failed: injected fault`);
    for (const vmId of target.vmIds) this.ensureVm(vmId);

    rmSync(directory, { recursive: true, force: true }); // a partial snapshot from a crashed call
    mkdirSync(directory, { recursive: true });
    // A quiesced snapshot lets in-flight transactions finish and holds writes for the copy.
    const held = request.isQuiesced ? target.vmIds.filter((vmId) => this.isWorkloadWriting(vmId)) : [];
    for (const vmId of held) this.workloads.get(vmId)?.quiesce();
    const entries: SnapshotManifest['disks'] = [];
    try {
      // Synchronous copies: no workload timer can run in between, so the snapshot is one instant.
      for (const disk of disks) {
        const file = `${safeSegment(disk.id)}.img`;
        copyFileSync(this.abs(liveDiskPath(disk)), path.join(directory, file));
        entries.push({ diskId: disk.id, vmId: disk.vmId, file });
      }
    } finally {
      for (const vmId of held) this.workloads.get(vmId)?.start();
    }
    const manifest: SnapshotManifest = {
      snapshotId: request.snapshotId,
      createdAt: new Date().toISOString(),
      isQuiesced: request.isQuiesced,
      disks: entries,
    };
    writeJsonAtomically(path.join(directory, 'snapshot.json'), manifest);
    return { snapshotId: request.snapshotId };
  }

  async copySnapshotToRepository(
    request: CopyToRepositoryRequest,
    options: CopyOptions = {},
  ): Promise<CopyResult> {
    const disks = request.diskIds.map((id) => this.diskOf(id));
    const fault = await this.enter(
      'copySnapshotToRepository',
      this.targetOfDisks(disks, [request.vmId]),
      ['repository-full'],
      options.signal,
    );
    const existing = this.readPointManifest(request.restorePointId);
    if (existing) return this.copyResultOf(existing);
    const snapshot = readJson<SnapshotManifest>(
      this.abs(labPaths.snapshot(request.snapshotId), 'snapshot.json'),
    );
    if (!snapshot) {
      throw new DriverError(
        'not-found',
        `snapshot ${request.snapshotId} does not exist (released or never taken)`,
        {
          isRetryable: false,
        },
      );
    }
    const sources = disks.map((disk) => {
      const entry = snapshot.disks.find((candidate) => candidate.diskId === disk.id);
      if (!entry) {
        throw new DriverError('not-found', `snapshot ${request.snapshotId} does not hold disk ${disk.id}`, {
          isRetryable: false,
        });
      }
      return { disk, file: path.join(this.abs(labPaths.snapshot(request.snapshotId)), entry.file) };
    });
    this.assertRepositoryRoom(
      fault,
      sources.map((source) => source.file),
    );
    return this.storePoint(request.restorePointId, request.vmId, request.snapshotId, sources, options);
  }

  async releaseSnapshot(snapshotId: string): Promise<void> {
    await this.enter('releaseSnapshot', {});
    rmSync(this.abs(labPaths.snapshot(snapshotId)), { recursive: true, force: true });
  }

  async copyWithGuestAgent(request: AgentCopyRequest, options: CopyOptions = {}): Promise<CopyResult> {
    const disks = request.diskIds.map((id) => this.diskOf(id));
    const fault = await this.enter(
      'copyWithGuestAgent',
      this.targetOfDisks(disks, [request.vmId]),
      ['repository-full'],
      options.signal,
    );
    const existing = this.readPointManifest(request.restorePointId);
    if (existing) return this.copyResultOf(existing);
    this.ensureVm(request.vmId);
    const sources = disks.map((disk) => ({ disk, file: this.abs(liveDiskPath(disk)) }));
    this.assertRepositoryRoom(
      fault,
      sources.map((source) => source.file),
    );
    // In-guest VSS: the application flushes and holds its writes while the agent reads.
    const workload = this.workloads.get(request.vmId);
    const wasWriting = workload?.isWriting ?? false;
    workload?.quiesce();
    try {
      return await this.storePoint(request.restorePointId, request.vmId, null, sources, options);
    } finally {
      if (wasWriting) workload?.start();
    }
  }

  // ---------------------------------------------------------------- restore

  async verifyRestorePoint(
    restorePointId: string,
  ): Promise<VerifyResult & { applicationState: 'clean' | 'torn' | null }> {
    await this.enter('verifyRestorePoint', {});
    const manifest = this.readPointManifest(restorePointId);
    if (!manifest) {
      return {
        isIntact: false,
        mismatches: [`restore point ${restorePointId}: manifest.json is missing`],
        applicationState: null,
      };
    }
    const mismatches: string[] = [];
    const directory = this.abs(labPaths.repository(restorePointId));
    for (const file of manifest.files) {
      const stored = path.join(directory, path.basename(file.path));
      if (!existsSync(stored)) {
        mismatches.push(`${file.path}: missing`);
        continue;
      }
      const { sha256 } = await hashFile(stored);
      if (sha256 !== file.sha256) mismatches.push(`${file.path}: sha256 ${sha256} ≠ manifest ${file.sha256}`);
    }
    const check = mismatches.length === 0 ? checkConsistency(this.storedFilesOf(manifest)) : null;
    return { isIntact: mismatches.length === 0, mismatches, applicationState: check?.state ?? null };
  }

  async restoreDisks(request: RestoreDisksRequest, options: CopyOptions = {}): Promise<RestoreResult> {
    const manifest = this.requirePoint(request.restorePointId);
    await this.enter('restoreDisks', this.targetOfManifest(manifest), [], options.signal);
    if (request.target === 'in-place') this.assertStopped(request.vmId);
    const destinationOf = (file: ManifestFile): string => {
      if (request.target === 'in-place') return this.abs(file.sourcePath);
      if (request.target === 'scratch')
        return this.abs(labPaths.scratch(request.restorePointId), path.basename(file.path));
      return this.abs(labPaths.restored(this.newVmName(request.newVmName)), path.basename(file.sourcePath));
    };
    const result = await this.writeBack(manifest, manifest.files, destinationOf, options);
    if (request.target === 'in-place') this.markRestored(request.vmId);
    return result;
  }

  async revertVolume(request: RevertVolumeRequest, options: CopyOptions = {}): Promise<RestoreResult> {
    const manifests = request.restorePointIds.map((id) => this.requirePoint(id));
    await this.enter('revertVolume', this.targetOfVolume(request.volume, request.vmIds), [], options.signal);
    // A volume revert stops every VM on the volume (the plan's resume steps start them again).
    this.updateState((state) => {
      for (const vmId of request.vmIds)
        if (this.powerStateOf(vmId) !== 'off') state.powerOverrides[vmId] = 'off';
    });
    for (const vmId of request.vmIds) this.syncWorkload(vmId);
    let bytes = 0;
    let isVerified = true;
    for (const manifest of manifests) {
      const files = manifest.files.filter((file) => this.isOnVolume(file, request.volume));
      const result = await this.writeBack(
        manifest,
        files,
        (file) => this.abs(file.sourcePath),
        options,
        bytes,
      );
      bytes += result.bytes;
      isVerified &&= result.verified;
    }
    return { bytes, verified: isVerified };
  }

  async stageVolume(request: StageVolumeRequest, options: CopyOptions = {}): Promise<RestoreResult> {
    const manifests = request.restorePointIds.map((id) => this.requirePoint(id));
    await this.enter('stageVolume', this.targetOfVolume(request.volume, []), [], options.signal);
    const directory = this.abs(labPaths.staging(request.stagingId));
    const marker = path.join(directory, 'staged.json');
    const done = readJson<RestoreResult>(marker);
    if (done) return done;
    let bytes = 0;
    let isVerified = true;
    for (const manifest of manifests) {
      const files = manifest.files.filter((file) => this.isOnVolume(file, request.volume));
      const result = await this.writeBack(
        manifest,
        files,
        (file) => path.join(directory, safeSegment(manifest.restorePointId), path.basename(file.path)),
        options,
        bytes,
      );
      bytes += result.bytes;
      isVerified &&= result.verified;
    }
    const result = { bytes, verified: isVerified };
    writeJsonAtomically(marker, result);
    return result;
  }

  async copyOutVm(request: CopyOutVmRequest, options: CopyOptions = {}): Promise<RestoreResult> {
    const manifest = this.requirePoint(request.restorePointId);
    await this.enter('copyOutVm', { vmIds: [request.vmId] }, [], options.signal);
    const staged = this.abs(labPaths.staging(request.stagingId), safeSegment(request.restorePointId));
    if (!existsSync(path.join(this.abs(labPaths.staging(request.stagingId)), 'staged.json'))) {
      throw new DriverError('not-found', `staging area ${request.stagingId} does not exist`, {
        isRetryable: false,
      });
    }
    if (request.target === 'in-place') this.assertStopped(request.vmId);
    // Copy out of the staged volume (not the repository): only this VM's files leave the scratch area.
    const stagedManifest: PointManifest = {
      ...manifest,
      files: manifest.files.map((file) => ({
        ...file,
        path: path.join(path.relative(this.root, staged), path.basename(file.path)),
      })),
    };
    const files = stagedManifest.files.filter((file) => existsSync(this.abs(file.path)));
    const result = await this.writeBack(
      stagedManifest,
      files,
      (file) =>
        request.target === 'in-place'
          ? this.abs(file.sourcePath)
          : this.abs(labPaths.restored(this.newVmName(request.newVmName)), path.basename(file.sourcePath)),
      options,
      0,
      (file) => this.abs(file.path),
    );
    if (request.target === 'in-place') this.markRestored(request.vmId);
    return result;
  }

  async discardStaging(stagingId: string): Promise<void> {
    await this.enter('discardStaging', {});
    rmSync(this.abs(labPaths.staging(stagingId)), { recursive: true, force: true });
  }

  async deleteRestorePointData(restorePointId: string): Promise<void> {
    await this.enter('deleteRestorePointData', {});
    rmSync(this.abs(labPaths.repository(restorePointId)), { recursive: true, force: true });
  }

  // ---------------------------------------------------------------- internals

  private index(): InventoryIndex {
    return this.options.inventory();
  }

  private abs(...parts: string[]): string {
    return path.join(this.root, ...parts);
  }

  private vmOf(vmId: string): Vm {
    const vm = this.index().vmsById.get(vmId);
    if (!vm)
      throw new DriverError('not-found', `VM ${vmId} is not in the lab inventory`, { isRetryable: false });
    return vm;
  }

  private diskOf(diskId: string): VirtualDisk {
    const index = this.index();
    let disks = disksByIdCache.get(index);
    if (!disks) {
      disks = new Map(index.inventory.virtualDisks.map((disk) => [disk.id, disk]));
      disksByIdCache.set(index, disks);
    }
    const disk = disks.get(diskId);
    if (!disk)
      throw new DriverError('not-found', `disk ${diskId} is not in the lab inventory`, {
        isRetryable: false,
      });
    return disk;
  }

  private namesOf(vmIds: string[]): string {
    return vmIds.map((vmId) => this.index().vmsById.get(vmId)?.name ?? vmId).join(', ');
  }

  private newVmName(name: string | null | undefined): string {
    if (!name)
      throw new DriverError('invalid-state', 'a restore as new needs a new VM name', { isRetryable: false });
    return name;
  }

  private readState(): LabVmState {
    return (
      readJson<LabVmState>(this.abs('vm-state.json')) ?? {
        powerOverrides: {},
        frozenVmIds: [],
      }
    );
  }

  private updateState(change: (state: LabVmState) => void): void {
    const state = this.readState();
    change(state);
    writeJsonAtomically(this.abs('vm-state.json'), state);
  }

  private powerStateOf(vmId: string): PowerState {
    return this.readState().powerOverrides[vmId] ?? this.vmOf(vmId).powerState;
  }

  /** Makes the VM's workload match its state: writing iff running, not frozen, files present. */
  private syncWorkload(vmId: string): void {
    if (!this.options.isWorkloadEnabled) return;
    const state = this.readState();
    const shouldWrite = this.powerStateOf(vmId) === 'running' && !state.frozenVmIds.includes(vmId);
    let workload = this.workloads.get(vmId);
    if (!shouldWrite) {
      workload?.quiesce();
      return;
    }
    if (!workload) {
      const disk = applicationDiskOf(this.index().disksByVm.get(vmId) ?? []);
      if (!disk || !existsSync(this.abs(liveDiskPath(disk)))) return;
      workload = new VmWorkload(vmId, this.abs(liveDiskPath(disk)), this.options.workload);
      this.workloads.set(vmId, workload);
    }
    workload.start();
  }

  private assertStopped(vmId: string): void {
    const power = this.powerStateOf(vmId);
    if (power === 'running' || power === 'paused') {
      throw new DriverError(
        'invalid-state',
        `${this.vmOf(vmId).name} is ${power}: power it off before restoring in place`,
        {
          isRetryable: false,
        },
      );
    }
  }

  /** After an in-place restore a saved state no longer matches the disks: the VM is off. */
  private markRestored(vmId: string): void {
    if (this.powerStateOf(vmId) === 'saved') {
      this.updateState((state) => {
        state.powerOverrides[vmId] = 'off';
      });
    }
  }

  private requirePoint(restorePointId: string): PointManifest {
    const manifest = this.readPointManifest(restorePointId);
    if (!manifest) {
      throw new DriverError(
        'data-corrupt',
        `restore point ${restorePointId} has no stored data (manifest.json missing)`,
        {
          isRetryable: false,
        },
      );
    }
    return manifest;
  }

  private storedFilesOf(manifest: PointManifest): string[] {
    const directory = this.abs(labPaths.repository(manifest.restorePointId));
    return manifest.files.map((file) => path.join(directory, path.basename(file.path)));
  }

  private isOnVolume(file: ManifestFile, volume: VolumeRef): boolean {
    return volume.kind === 'host-volume' ? file.hostVolumeId === volume.id : file.arrayVolumeId === volume.id;
  }

  private arrayVolumeOfDisk(disk: VirtualDisk): string | null {
    if (disk.arrayVolumeId) return disk.arrayVolumeId;
    if (!disk.hostVolumeId) return null;
    return this.index().hostVolumesById.get(disk.hostVolumeId)?.arrayVolumeId ?? null;
  }

  private targetOfDisks(disks: VirtualDisk[], vmIds: string[] = []): Omit<FaultTarget, 'action'> {
    const unique = (values: (string | null)[]) => [...new Set(values.filter((v): v is string => v !== null))];
    return {
      vmIds: unique([...vmIds, ...disks.map((disk) => disk.vmId)]),
      hostVolumeIds: unique(disks.map((disk) => disk.hostVolumeId)),
      arrayVolumeIds: unique(disks.map((disk) => this.arrayVolumeOfDisk(disk))),
    };
  }

  private targetOfManifest(manifest: PointManifest): Partial<Omit<FaultTarget, 'action'>> {
    return {
      vmIds: [manifest.vmId],
      hostVolumeIds: manifest.files.flatMap((file) => (file.hostVolumeId ? [file.hostVolumeId] : [])),
      arrayVolumeIds: manifest.files.flatMap((file) => (file.arrayVolumeId ? [file.arrayVolumeId] : [])),
    };
  }

  private targetOfVolume(volume: VolumeRef, vmIds: string[]): Partial<Omit<FaultTarget, 'action'>> {
    return volume.kind === 'host-volume'
      ? { vmIds, hostVolumeIds: [volume.id] }
      : { vmIds, arrayVolumeIds: [volume.id] };
  }

  /**
   * Every call starts here: the configured latency, then fault matching. `host-unreachable`
   * applies to every call and is thrown here; the call-specific faults are returned for the
   * caller to raise at the right moment.
   */
  private async enter(
    action: LabAction,
    target: Partial<Omit<FaultTarget, 'action'>>,
    faults: readonly LabFault[] = [],
    signal?: AbortSignal,
  ): Promise<FaultRule | null> {
    if (this.options.stepDelayMs > 0) await delay(this.options.stepDelayMs, signal);
    const full: FaultTarget = {
      action,
      vmIds: target.vmIds ?? [],
      hostVolumeIds: target.hostVolumeIds ?? [],
      arrayVolumeIds: target.arrayVolumeIds ?? [],
    };
    const unreachable = this.faults.take(full, ['host-unreachable']);
    if (unreachable) {
      const what = [...full.vmIds, ...full.hostVolumeIds, ...full.arrayVolumeIds].join(', ') || 'the host';
      throw new DriverError('host-unreachable', `${action}: host of ${what} is unreachable`, {
        isRetryable: true,
      });
    }
    return faults.length > 0 ? this.faults.take(full, faults) : null;
  }

  private assertRepositoryRoom(fault: FaultRule | null, sourceFiles: string[]): void {
    if (fault)
      throw new DriverError('repository-full', 'the backup repository is full (injected fault)', {
        isRetryable: false,
      });
    const quota = this.options.repositoryQuotaBytes;
    if (quota === null) return;
    const needed = sourceFiles.reduce((sum, file) => sum + statSync(file).size, 0);
    const used = directoryBytes(this.abs('repository'));
    if (used + needed > quota) {
      throw new DriverError(
        'repository-full',
        `the backup repository holds ${used} of ${quota} bytes; ${needed} more do not fit`,
        {
          isRetryable: false,
        },
      );
    }
  }

  /** Copies a point's files into the repository with hashes; the manifest is written last. */
  private async storePoint(
    restorePointId: string,
    vmId: string,
    snapshotId: string | null,
    sources: { disk: VirtualDisk; file: string }[],
    options: CopyOptions,
  ): Promise<CopyResult> {
    const directory = this.abs(labPaths.repository(restorePointId));
    rmSync(directory, { recursive: true, force: true }); // leftovers of a copy that died midway
    let done = 0;
    const total = sources.reduce((sum, source) => sum + statSync(source.file).size, 0);
    const files: ManifestFile[] = [];
    for (const { disk, file } of sources) {
      const name = `${safeSegment(disk.id)}.img`;
      const copy = await copyFileHashed(file, path.join(directory, name), {
        signal: options.signal,
        onChunk: (bytes) => {
          done += bytes;
          options.onProgress?.(done, total);
        },
      });
      files.push({
        diskId: disk.id,
        path: path.join(labPaths.repository(restorePointId), name),
        sha256: copy.sha256,
        bytes: copy.bytes,
        sourcePath: liveDiskPath(disk),
        hostVolumeId: disk.hostVolumeId,
        arrayVolumeId: this.arrayVolumeOfDisk(disk),
      });
    }
    const check = checkConsistency(files.map((file) => path.join(directory, path.basename(file.path))));
    const manifest: PointManifest = {
      format: 'migawka-lab-point/1',
      restorePointId,
      vmId,
      snapshotId,
      createdAt: new Date().toISOString(),
      applicationState: check.state,
      applicationDetail: check.detail,
      files,
    };
    writeJsonAtomically(path.join(directory, 'manifest.json'), manifest);
    return this.copyResultOf(manifest);
  }

  private copyResultOf(manifest: PointManifest): CopyResult {
    return {
      bytes: manifest.files.reduce((sum, file) => sum + file.bytes, 0),
      files: manifest.files.map(({ diskId, path: file, sha256, bytes }) => ({
        diskId,
        path: file,
        sha256,
        bytes,
      })),
      applicationState: manifest.applicationState,
    };
  }

  /**
   * Writes stored files to their destinations, then re-reads every destination and compares it
   * with the manifest hash: a restore is only "verified" when what is on disk is what was backed up.
   */
  private async writeBack(
    manifest: PointManifest,
    files: ManifestFile[],
    destinationOf: (file: ManifestFile) => string,
    options: CopyOptions,
    baseBytes = 0,
    sourceOf: (file: ManifestFile) => string = (file) =>
      path.join(this.abs(labPaths.repository(manifest.restorePointId)), path.basename(file.path)),
    totalBytes = baseBytes + files.reduce((sum, file) => sum + file.bytes, 0),
  ): Promise<RestoreResult> {
    let done = baseBytes;
    let bytes = 0;
    for (const file of files) {
      const source = sourceOf(file);
      if (!existsSync(source)) {
        throw new DriverError(
          'data-corrupt',
          `restore point ${manifest.restorePointId}: ${file.path} is missing`,
          {
            isRetryable: false,
          },
        );
      }
      const destination = destinationOf(file);
      const copy = await copyFileHashed(source, destination, {
        signal: options.signal,
        onChunk: (chunk) => {
          done += chunk;
          options.onProgress?.(done, totalBytes);
        },
      });
      if (copy.sha256 !== file.sha256) {
        throw new DriverError(
          'data-corrupt',
          `restore point ${manifest.restorePointId}: ${file.path} does not match its manifest hash`,
          {
            isRetryable: false,
          },
        );
      }
      const written = await hashFile(destination, options.signal);
      if (written.sha256 !== file.sha256) {
        throw new DriverError(
          'data-corrupt',
          `${destination} does not hold what was restored (hash differs after write)`,
          {
            isRetryable: false,
          },
        );
      }
      bytes += copy.bytes;
    }
    return { bytes, verified: true };
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

export const DEFAULT_APP_STEP_DELAY_MS = 1500;

/** Driver options from the environment (MIGAWKA_LAB_STEP_DELAY_MS, MIGAWKA_LAB_SCRIPT_TIME_SCALE, MIGAWKA_LAB_REPOSITORY_QUOTA_BYTES). */
export function labOptionsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Pick<LabDriverOptions, 'stepDelayMs' | 'scriptTimeScale' | 'repositoryQuotaBytes'> {
  const number = (name: string): number | null => {
    const raw = env[name];
    if (raw === undefined || raw === '') return null;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`${name} must be a non-negative number, got "${raw}"`);
    return value;
  };
  return {
    // The app's default makes progress visible in the console; tests build their drivers with 0.
    stepDelayMs: number('MIGAWKA_LAB_STEP_DELAY_MS') ?? DEFAULT_APP_STEP_DELAY_MS,
    scriptTimeScale: number('MIGAWKA_LAB_SCRIPT_TIME_SCALE') ?? 1,
    repositoryQuotaBytes: number('MIGAWKA_LAB_REPOSITORY_QUOTA_BYTES'),
  };
}
