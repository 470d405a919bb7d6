/**
 * The state of the fake Hyper-V host: volumes, VMs with their disks as real files under a temp
 * directory (Windows paths `D:\x\y.vhdx` live at `<root>/D/x/y.vhdx`), checkpoints, and guests
 * with what PowerShell Direct would find inside them. Numbers are the PS 5.1 enum values
 * (CONNECTORS.md §2.2). Tests change the state directly (a guest writes, a writer fails, a volume
 * fills up) and read it back (was the checkpoint merged, was the process ended).
 *
 * One simplification, said here once: an AVHDX holds a full copy of the disk instead of only the
 * changed blocks. What the connector sees is the same: the parent is frozen at the checkpoint,
 * the VM writes into the AVHDX, and the merge folds the AVHDX back into the parent.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FakeSan } from './fake-san';
import type { FakeWsbState } from './fake-wsb';

export const VM_STATE = { Running: 2, Off: 3, Saved: 6, Paused: 9 } as const;
export const CHECKPOINT_TYPE = { Disabled: 2, Production: 3, ProductionOnly: 4, Standard: 5 } as const;
/** Microsoft.HyperV.PowerShell.SnapshotType. */
export const SNAPSHOT_TYPE = { Standard: 0, Recovery: 1, Planned: 2, Missing: 3, Replica: 4 } as const;

export interface FakeVolume {
  deviceId: string;
  /** `D:\` */
  name: string;
  label: string;
  fileSystem: string;
  /** Win32_Volume's Capacity and FreeSpace; null where Windows reports none (a locked or raw volume). */
  capacity: number | null;
  freeSpace: number | null;
  /** Get-Disk's UniqueId of the disk under the volume; absent when the fake has none to report. */
  diskUniqueId?: string;
}

export interface FakeShadowStorage {
  volume: string;
  diffVolume: string;
  usedSpace: number;
  allocatedSpace: number;
  maxSpace: number;
}

export interface FakeDrive {
  controllerType: 0 | 1;
  controllerNumber: number;
  controllerLocation: number;
  /** Current file (VHDX, or AVHDX while a checkpoint exists); display text for pass-through. */
  path: string;
  diskNumber: number | null;
  /** The base VHDX under any AVHDX (what a merge folds back into). */
  basePath: string | null;
  sizeBytes: number;
}

export interface FakeCheckpoint {
  id: string;
  name: string;
  snapshotType: number;
  createdAt: Date;
  /** The frozen files, slot by slot. */
  drives: { controllerType: number; controllerNumber: number; controllerLocation: number; path: string }[];
  /** The VM's state when taken (a production checkpoint has no memory: reverting leaves it off). */
  isProduction: boolean;
}

export interface FakeIntegrationService {
  id: string;
  name: string;
  enabled: boolean;
  /** CIM operational status number (2 OK, 12 No Contact) and its English description. */
  primaryCode: number;
  primary: string;
  secondary: string | null;
}

export interface FakeGuest {
  user: string;
  password: string;
  /** PowerShell Direct answers (Windows 10 / Server 2016+ guest, VM running). */
  isDirectAvailable: boolean;
  /** The guest's VSS writers fail: ProductionOnly checkpoints are refused. */
  hasFailedVssWriter: boolean;
  volumes: {
    deviceId: string;
    driveLetter: string;
    fileSystem: string;
    capacity: number;
    freeSpace: number;
    diskNumber: number | null;
    isDynamic: boolean | null;
  }[];
  shadowStorage: FakeShadowStorage[];
  services: { name: string; status: number }[];
  /** Guest commands: exit code and output, or `hangs` (runs past any timeout). */
  commands: Record<string, { exitCode: number; output: string } | { hangs: true }>;
  /** Commands run, in order (tests check pre-freeze ran before the checkpoint). */
  ran: string[];
}

export interface FakeVm {
  id: string;
  name: string;
  state: number;
  generation: number;
  version: string;
  checkpointType: number;
  path: string;
  snapshotFileLocation: string;
  drives: FakeDrive[];
  integrationServices: FakeIntegrationService[];
  checkpoints: FakeCheckpoint[];
  /** Calls of `tick()` until a running merge ends; 0 = no merge running. */
  mergeTicksLeft: number;
  guest: FakeGuest | null;
  /** RCT reference points another backup product made (fake-change-tracking.ts); absent = none. */
  referencePoints?: FakeReferencePoint[];
  /** What `Get-VMSnapshot -VM` on this VM fails with (VM being removed, access denied, WMI fault); absent = it lists. */
  checkpointListError?: FakePsError;
}

/** Msvm_VirtualSystemReferencePoint: the RCT id of each disk slot it covers. */
export interface FakeReferencePoint {
  instanceId: string;
  /** 2 RCT-based, 1 log-based (Hyper-V Replica: no RCT ids). */
  type: number;
  disks: { controllerType: number; controllerNumber: number; controllerLocation: number; rctId: string }[];
}

/**
 * The failover cluster a fake host is a node of: one object shared by every node's model (each
 * node answers Get-Cluster* with the same cluster), numbers as PS 5.1 prints the enums.
 */
export interface FakeCluster {
  name: string;
  /** State: Up 0, Down 1, Paused 2, Joining 3. */
  nodes: { name: string; id: string; state: number }[];
  /** State: Online 2, Offline 3, Failed 4; `volumeName` is the partition's `\\?\Volume{guid}\`. */
  csvs: {
    name: string;
    state: number;
    ownerNode: string;
    friendlyVolumeName: string;
    volumeName: string;
    fileSystem: string;
    size: number;
    freeSpace: number;
  }[];
  /** Clustered VM roles. State: Online 0, Offline 1, Failed 2. */
  roles: { name: string; ownerNode: string; state: number; vmId: string }[];
}

export interface FakeHostState {
  /** The cluster this host is a node of; absent on a stand-alone host. */
  cluster?: FakeCluster;
  computerName: string;
  osVersion: string;
  isElevated: boolean;
  hasHyperVModule: boolean;
  volumes: FakeVolume[];
  shadowStorage: FakeShadowStorage[];
  csvs: { name: string; path: string }[];
  isWsbInstalled: boolean;
  /** Windows Server 2012 R2: WMI has no Msvm_VirtualSystemReferencePoint class. */
  lacksReferencePoints?: boolean;
  /** WMI refuses the reference-point query (access denied on root\virtualization\v2). */
  denyReferencePoints?: boolean;
  /** Windows Server Backup's versions on its targets (fake-wsb.ts). */
  wsb: FakeWsbState;
  vssWritersText: string;
  vms: FakeVm[];
  /** How many `tick()`s a merge takes after Remove-VMSnapshot (0 = at once). */
  mergeTicks: number;
  /** Event log of the fake: scripts run, processes ended by a closed channel. */
  log: string[];
  /** The array LUNs mapped to this host (fake-san.ts); absent when no array is wired in. */
  san?: FakeSan;
}

/** Error a fake cmdlet throws: becomes the `{ok:false}` envelope with these fields. */
export class FakePsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly fqid: string,
    readonly category: string,
    readonly hresult: number | null = null,
  ) {
    super(message);
  }
}

export class FakeHypervModel {
  constructor(
    readonly root: string,
    readonly state: FakeHostState,
  ) {}

  /** Where a Windows path lives on this machine. */
  localPath(windowsPath: string): string {
    const normalized = windowsPath.replace(/\//g, '\\').replace(/^\\/, '');
    const match = /^([A-Za-z]):\\?(.*)$/.exec(normalized);
    if (!match) throw new Error(`not a Windows path: ${windowsPath}`);
    return path.join(this.root, match[1].toUpperCase(), ...match[2].split('\\').filter(Boolean));
  }

  volumeOf(windowsPath: string): FakeVolume | undefined {
    const letter = windowsPath.replace(/^\//, '').slice(0, 2).toUpperCase();
    return this.state.volumes.find((volume) => volume.name.toUpperCase().startsWith(letter));
  }

  writeFile(windowsPath: string, bytes: Buffer): void {
    const local = this.localPath(windowsPath);
    mkdirSync(path.dirname(local), { recursive: true });
    writeFileSync(local, bytes);
  }

  readFile(windowsPath: string): Buffer {
    return readFileSync(this.localPath(windowsPath));
  }

  exists(windowsPath: string): boolean {
    return existsSync(this.localPath(windowsPath));
  }

  hasFile(windowsPath: string): boolean {
    return existsSync(this.localPath(windowsPath));
  }

  fileSize(windowsPath: string): number {
    return statSync(this.localPath(windowsPath)).size;
  }

  removeFile(windowsPath: string): void {
    rmSync(this.localPath(windowsPath), { force: true, recursive: true });
  }

  vmById(id: string): FakeVm {
    const vm = this.state.vms.find((candidate) => candidate.id.toLowerCase() === String(id).toLowerCase());
    if (!vm) {
      throw new FakePsError(
        'VirtualizationException',
        `Hyper-V was unable to find a virtual machine with ID "${id}".`,
        'InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM',
        'InvalidArgument',
      );
    }
    return vm;
  }

  /** A guest writes into its disk: into the AVHDX while a checkpoint exists. */
  guestWrites(vmName: string, slot: number, bytes: Buffer): void {
    const vm = this.state.vms.find((candidate) => candidate.name === vmName);
    const drive = vm?.drives[slot];
    if (!drive || drive.diskNumber !== null) throw new Error(`no virtual disk ${slot} on ${vmName}`);
    this.writeFile(drive.path, bytes);
  }

  checkpoint(vm: FakeVm, name: string, checkpointType: number): FakeCheckpoint {
    if (vm.mergeTicksLeft > 0) {
      throw new FakePsError(
        'VirtualizationException',
        `Cannot create checkpoint for '${vm.name}' because a merge is in progress.`,
        'InvalidState,Microsoft.HyperV.PowerShell.Commands.CheckpointVM',
        'InvalidOperation',
      );
    }
    const production =
      checkpointType === CHECKPOINT_TYPE.Production || checkpointType === CHECKPOINT_TYPE.ProductionOnly;
    const guestCanVss = vm.state === VM_STATE.Running && vm.guest !== null && !vm.guest.hasFailedVssWriter;
    if (checkpointType === CHECKPOINT_TYPE.ProductionOnly && vm.state === VM_STATE.Running && !guestCanVss) {
      throw new FakePsError(
        'VirtualizationException',
        `Production checkpoints cannot be created for '${vm.name}'.`,
        'OperationFailed,Microsoft.HyperV.PowerShell.Commands.CheckpointVM',
        'NotSpecified',
      );
    }
    const volume = this.volumeOf(vm.path);
    // A volume whose free space Windows does not report still has room: only the report is missing.
    if (volume && volume.freeSpace !== null && volume.freeSpace < 64 * 1024 * 1024) {
      throw new FakePsError(
        'IOException',
        'There is not enough space on the disk.',
        'OperationFailed,Microsoft.HyperV.PowerShell.Commands.CheckpointVM',
        'NotSpecified',
        0x80070070 | 0,
      );
    }
    const checkpoint: FakeCheckpoint = {
      id: randomUUID(),
      name,
      snapshotType: SNAPSHOT_TYPE.Standard,
      createdAt: new Date(),
      drives: [],
      isProduction: production && guestCanVss,
    };
    for (const drive of vm.drives) {
      if (drive.diskNumber !== null) continue;
      const parent = drive.path;
      const avhdx = parent.replace(/\.a?vhdx$/i, `_${checkpoint.id.toUpperCase()}.avhdx`);
      copyFileSync(this.localPath(parent), this.localPath(avhdx));
      checkpoint.drives.push({
        controllerType: drive.controllerType,
        controllerNumber: drive.controllerNumber,
        controllerLocation: drive.controllerLocation,
        path: parent,
      });
      drive.basePath ??= parent;
      drive.path = avhdx;
    }
    vm.checkpoints.push(checkpoint);
    return checkpoint;
  }

  /** Remove-VMSnapshot: the merge starts (ends at once, or after `mergeTicks` ticks). */
  removeCheckpoint(vm: FakeVm, checkpoint: FakeCheckpoint): void {
    vm.checkpoints = vm.checkpoints.filter((candidate) => candidate !== checkpoint);
    if (vm.checkpoints.length > 0) return;
    vm.mergeTicksLeft = this.state.mergeTicks;
    if (vm.mergeTicksLeft === 0) this.finishMerge(vm);
  }

  private finishMerge(vm: FakeVm): void {
    for (const drive of vm.drives) {
      if (drive.diskNumber !== null || !drive.basePath || drive.path === drive.basePath) continue;
      copyFileSync(this.localPath(drive.path), this.localPath(drive.basePath));
      this.removeFile(drive.path);
      drive.path = drive.basePath;
      drive.basePath = null;
    }
  }

  /** Background work advances: merges running for too long end. */
  tick(): void {
    for (const vm of this.state.vms) {
      if (vm.mergeTicksLeft === 0) continue;
      vm.mergeTicksLeft -= 1;
      if (vm.mergeTicksLeft === 0) this.finishMerge(vm);
    }
  }

  /** Restore-VMSnapshot: the disks hold the checkpoint's data again; production → VM off. */
  revert(vm: FakeVm, checkpoint: FakeCheckpoint): void {
    for (const frozen of checkpoint.drives) {
      const drive = vm.drives.find(
        (candidate) =>
          candidate.controllerType === frozen.controllerType &&
          candidate.controllerNumber === frozen.controllerNumber &&
          candidate.controllerLocation === frozen.controllerLocation,
      );
      if (drive) copyFileSync(this.localPath(frozen.path), this.localPath(drive.path));
    }
    vm.state = checkpoint.isProduction ? VM_STATE.Off : vm.state;
  }
}

/** A VHDX-looking file of `size` bytes: the `vhdxfile` signature, then data derived from `seed`. */
export function fakeVhdxBytes(size: number, seed: string): Buffer {
  const bytes = Buffer.alloc(size);
  bytes.write('vhdxfile', 0, 'ascii');
  let state = [...seed].reduce((sum, c) => (sum * 31 + c.charCodeAt(0)) >>> 0, 7);
  for (let index = 8; index < size; index += 1) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[index] = state >>> 24;
  }
  return bytes;
}
