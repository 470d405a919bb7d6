/**
 * What the lab's three roles (hypervisor, array, repository) share: one root folder, the narrow
 * inventory lookups a call needs, the VM states the lab changed (vm-state.json), the live
 * workloads of running VMs and the injected faults.
 *
 * The lab keeps no state that matters in memory: power states it changed and frozen guests live in
 * vm-state.json, snapshots and restore points are folders whose metadata file is written last. A
 * worker killed mid-call and restarted in another process finds the same world.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DriverError } from '../../engine/driver';
import type { PowerState, VirtualDisk } from '../../engine/inventory';
import { FaultRegistry, type FaultRule, type FaultTarget, type LabAction, type LabFault } from './faults';
import { applicationDiskOf, ensureVmFiles, liveDiskPath } from './layout';
import { DEFAULT_WORKLOAD_TIMING, VmWorkload, type WorkloadTiming } from './workload';

/** A VM as the lab needs it. */
export interface LabVm {
  id: string;
  name: string;
  powerState: PowerState;
}

/**
 * The inventory lookups the lab makes, each for what one call touches (never the whole estate):
 * the runtime answers them with indexed queries, tests from an in-memory inventory.
 */
export interface LabInventory {
  vm(vmId: string): Promise<LabVm | null>;
  disksOfVm(vmId: string): Promise<VirtualDisk[]>;
  /** The disks that exist among `diskIds` (unknown ids are left out). */
  disks(diskIds: string[]): Promise<VirtualDisk[]>;
  /** The array LUN behind a host volume, if any. */
  arrayVolumeOfHostVolume(hostVolumeId: string): Promise<string | null>;
}

export interface LabOptions {
  root: string;
  inventory: LabInventory;
  /** Added to every call, so progress is visible in a demo (config lab.stepDelayMs). 0 in tests. */
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
  /** VMs whose disk files the lab created (absent in labs written before it was recorded). */
  vmIdsWithFiles?: string[];
}

export type CallTarget = Partial<Omit<FaultTarget, 'action'>>;

export function writeJsonAtomically(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(temporary, file);
}

export function readJson<T>(file: string): T | null {
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** How often a call held by a `hang` rule looks whether the rule is gone. */
const HANG_POLL_MS = 100;

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export class LabWorld {
  readonly faults: FaultRegistry;
  readonly options: Required<LabOptions>;
  private readonly workloads = new Map<string, VmWorkload>();

  constructor(options: LabOptions) {
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

  abs(...parts: string[]): string {
    return path.join(this.root, ...parts);
  }

  // ---------------------------------------------------------------- inventory

  async vmOf(vmId: string): Promise<LabVm> {
    const vm = await this.options.inventory.vm(vmId);
    if (!vm)
      throw new DriverError('not-found', `VM ${vmId} is not in the lab inventory`, { isRetryable: false });
    return vm;
  }

  async disksOf(diskIds: string[]): Promise<VirtualDisk[]> {
    const found = new Map((await this.options.inventory.disks(diskIds)).map((disk) => [disk.id, disk]));
    return diskIds.map((id) => {
      const disk = found.get(id);
      if (!disk)
        throw new DriverError('not-found', `disk ${id} is not in the lab inventory`, { isRetryable: false });
      return disk;
    });
  }

  async arrayVolumeOfDisk(disk: VirtualDisk): Promise<string | null> {
    if (disk.arrayVolumeId) return disk.arrayVolumeId;
    if (!disk.hostVolumeId) return null;
    return this.options.inventory.arrayVolumeOfHostVolume(disk.hostVolumeId);
  }

  async namesOf(vmIds: string[]): Promise<string> {
    const names = await Promise.all(
      vmIds.map(async (vmId) => (await this.options.inventory.vm(vmId))?.name ?? vmId),
    );
    return names.join(', ');
  }

  /** What a call on these disks touches, for fault matching. */
  async targetOfDisks(disks: VirtualDisk[], vmIds: string[] = []): Promise<Omit<FaultTarget, 'action'>> {
    const unique = (values: (string | null)[]) => [...new Set(values.filter((v): v is string => v !== null))];
    const arrayVolumeIds = await Promise.all(disks.map((disk) => this.arrayVolumeOfDisk(disk)));
    return {
      vmIds: unique([...vmIds, ...disks.map((disk) => disk.vmId)]),
      hostVolumeIds: unique(disks.map((disk) => disk.hostVolumeId)),
      arrayVolumeIds: unique(arrayVolumeIds),
    };
  }

  // ---------------------------------------------------------------- VM state

  private readState(): LabVmState {
    return readJson<LabVmState>(this.abs('vm-state.json')) ?? { powerOverrides: {}, frozenVmIds: [] };
  }

  updateState(change: (state: LabVmState) => void): void {
    const state = this.readState();
    change(state);
    writeJsonAtomically(this.abs('vm-state.json'), state);
  }

  async powerStateOf(vmId: string): Promise<PowerState> {
    return this.readState().powerOverrides[vmId] ?? (await this.vmOf(vmId)).powerState;
  }

  async assertStopped(vmId: string): Promise<void> {
    const power = await this.powerStateOf(vmId);
    if (power === 'running' || power === 'paused') {
      const { name } = await this.vmOf(vmId);
      throw new DriverError('invalid-state', `${name} is ${power}: power it off before restoring in place`, {
        isRetryable: false,
      });
    }
  }

  /** After an in-place restore a saved state no longer matches the disks: the VM is off. */
  async markRestored(vmId: string): Promise<void> {
    if ((await this.powerStateOf(vmId)) === 'saved') {
      this.updateState((state) => {
        state.powerOverrides[vmId] = 'off';
      });
    }
  }

  /** A volume revert stops every VM on the volume (the plan's resume steps start them again). */
  async stopVms(vmIds: string[]): Promise<void> {
    const powers = await Promise.all(vmIds.map((vmId) => this.powerStateOf(vmId)));
    this.updateState((state) => {
      vmIds.forEach((vmId, index) => {
        if (powers[index] !== 'off') state.powerOverrides[vmId] = 'off';
      });
    });
    for (const vmId of vmIds) await this.syncWorkload(vmId);
  }

  // ---------------------------------------------------------------- files and workloads

  /** Absolute paths of a VM's live disks, created on first use. */
  async ensureVm(vmId: string): Promise<string[]> {
    await this.vmOf(vmId);
    const files = ensureVmFiles(await this.options.inventory.disksOfVm(vmId), this.root, vmId);
    if (!this.readState().vmIdsWithFiles?.includes(vmId)) {
      this.updateState((state) => {
        state.vmIdsWithFiles = [...(state.vmIdsWithFiles ?? []), vmId];
      });
    }
    await this.syncWorkload(vmId);
    return files;
  }

  async liveDiskFile(diskId: string): Promise<string> {
    const [disk] = await this.disksOf([diskId]);
    return this.abs(liveDiskPath(disk));
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

  /**
   * Lets the in-flight transactions of the writing VMs among `vmIds` finish and holds their
   * writes (a quiesced snapshot, an in-guest VSS copy); the returned function restarts them.
   */
  holdWrites(vmIds: string[]): () => void {
    const held = vmIds.filter((vmId) => this.isWorkloadWriting(vmId));
    for (const vmId of held) this.workloads.get(vmId)?.quiesce();
    return () => {
      for (const vmId of held) this.workloads.get(vmId)?.start();
    };
  }

  /** Makes the VM's workload match its state: writing iff running, not frozen, files present. */
  async syncWorkload(vmId: string): Promise<void> {
    if (!this.options.isWorkloadEnabled) return;
    const shouldWrite =
      (await this.powerStateOf(vmId)) === 'running' && !this.readState().frozenVmIds.includes(vmId);
    let workload = this.workloads.get(vmId);
    if (!shouldWrite) {
      workload?.quiesce();
      return;
    }
    if (!workload) {
      const disk = applicationDiskOf(await this.options.inventory.disksOfVm(vmId));
      if (!disk || !existsSync(this.abs(liveDiskPath(disk)))) return;
      workload = new VmWorkload(vmId, this.abs(liveDiskPath(disk)), this.options.workload);
      this.workloads.set(vmId, workload);
    }
    workload.start();
  }

  /**
   * Turns workloads on (when constructed with them off) and starts them. Only the process that
   * runs the worker should: two processes writing the same lab disks would fight over them.
   */
  async enableWorkloads(): Promise<void> {
    this.options.isWorkloadEnabled = true;
    await this.start();
  }

  /**
   * Starts the workload of every VM whose disks the lab already created (a restarted process
   * resumes writing). The lab records those VMs itself, so this never lists the inventory.
   */
  async start(): Promise<void> {
    if (!this.options.isWorkloadEnabled) return;
    const vmIds = this.readState().vmIdsWithFiles ?? [];
    for (const vmId of vmIds) {
      if (await this.options.inventory.vm(vmId)) await this.syncWorkload(vmId);
    }
  }

  /** Stops every workload after its in-flight transaction (graceful shutdown, end of a test). */
  stop(): void {
    for (const workload of this.workloads.values()) workload.quiesce();
    this.workloads.clear();
  }

  // ---------------------------------------------------------------- calls

  /**
   * Every call starts here: the configured latency, then fault matching. `host-unreachable`
   * applies to every call and is thrown here, `hang` holds every call here; the call-specific faults are returned for the
   * caller to raise at the right moment.
   */
  async enter(
    action: LabAction,
    target: CallTarget,
    signal: AbortSignal,
    faults: readonly LabFault[] = [],
  ): Promise<FaultRule | null> {
    signal.throwIfAborted();
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
    // A hung host answers nothing until the rule goes; the poll is the lab's, the wait ends with
    // the call's own deadline or cancel (signal), as a real hung call would.
    while (this.faults.has(full, ['hang'])) await delay(HANG_POLL_MS, signal);
    return faults.length > 0 ? this.faults.take(full, faults) : null;
  }
}
