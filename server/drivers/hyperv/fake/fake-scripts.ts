/**
 * How the fake host answers each repository script: from the model, in the shapes Windows
 * PowerShell 5.1 prints. Every handler is tied to the SHA-256 of the script it stands for: a
 * script changed in the repository without the fake being changed too is answered with an error
 * naming it, so its test fails instead of passing against an outdated imitation.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync } from 'node:fs';
import type { ScriptName } from '../hyperv-scripts';
import { changeTrackingOut } from './fake-change-tracking';
import {
  CHECKPOINT_TYPE,
  type FakeCheckpoint,
  type FakeHypervModel,
  FakePsError,
  type FakeVm,
  VM_STATE,
} from './fake-hyperv-model';
import { SAN_FAKE_SCRIPTS } from './fake-san-scripts';
import { vmStateName } from './fake-vm-states';
import { WSB_FAKE_SCRIPTS } from './fake-wsb';
import { PsDate, pipelineValue } from './ps-json';

type Params = Record<string, unknown>;
export type ScriptHandler = (model: FakeHypervModel, params: Params) => unknown;

function drivesOf(vm: FakeVm) {
  return vm.drives.map((drive) => ({
    ControllerType: drive.controllerType,
    ControllerNumber: drive.controllerNumber,
    ControllerLocation: drive.controllerLocation,
    Path: drive.path,
  }));
}

/** `State = $vm.State; StateName = $vm.State.ToString()`, named by the host's release's enum. */
function stateOut(model: FakeHypervModel, vm: FakeVm) {
  return { State: vm.state, StateName: vmStateName(model.state.osVersion, vm.state) };
}

function checkpointOut(model: FakeHypervModel, checkpoint: FakeCheckpoint, withSize: boolean) {
  return {
    Id: checkpoint.id,
    Name: checkpoint.name,
    SnapshotType: checkpoint.snapshotType,
    CreationTime: new PsDate(checkpoint.createdAt),
    HardDrives: checkpoint.drives.map((drive) => ({
      ControllerType: drive.controllerType,
      ControllerNumber: drive.controllerNumber,
      ControllerLocation: drive.controllerLocation,
      Path: drive.path,
      ...(withSize ? { FileSize: model.fileSize(drive.path) } : {}),
    })),
  };
}

function findCheckpoint(vm: FakeVm, name: unknown): FakeCheckpoint | undefined {
  return vm.checkpoints.find((checkpoint) => checkpoint.name === name);
}

/**
 * The search of get-, remove- and restore-checkpoint.ps1: each VM's `Get-VMSnapshot -VM` in
 * `Get-VM` order, up to the VM holding the checkpoint; a list that fails first stops it with
 * CheckpointListFailed, naming the VM and the checkpoint, the cause's category kept (a
 * RuntimeException: the cause's HRESULT is not).
 */
function checkpointListedAnywhere(
  model: FakeHypervModel,
  name: unknown,
): { vm: FakeVm; checkpoint: FakeCheckpoint } | null {
  for (const vm of model.state.vms) {
    const cause = vm.checkpointListError;
    if (cause) {
      throw new FakePsError(
        'RuntimeException',
        `Checkpoint '${String(name)}' could not be looked for on VM '${vm.name}': its checkpoints could not be listed (${cause.message})`,
        'CheckpointListFailed',
        cause.category,
      );
    }
    const checkpoint = findCheckpoint(vm, name);
    if (checkpoint) return { vm, checkpoint };
  }
  return null;
}

function requireElevated(model: FakeHypervModel): void {
  if (!model.state.isElevated) {
    throw new FakePsError(
      'VirtualizationException',
      'You do not have the required permission to complete this task. Contact the administrator of the authorization policy for the computer.',
      'Unspecified,Microsoft.HyperV.PowerShell.Commands.GetVM',
      'PermissionDenied',
    );
  }
  if (!model.state.hasHyperVModule) {
    throw new FakePsError(
      'CommandNotFoundException',
      "The term 'Get-VM' is not recognized as the name of a cmdlet, function, script file, or operable program.",
      'CommandNotFoundException',
      'ObjectNotFound',
    );
  }
}

/** PowerShell Direct into the guest, failing as Invoke-Command -VMId does. */
function direct(model: FakeHypervModel, params: Params) {
  const vm = model.vmById(String(params.vmId));
  const guest = vm.guest;
  if (vm.state !== VM_STATE.Running) {
    throw new FakePsError(
      'ArgumentException',
      `The virtual machine ${vm.name} is not in running state.`,
      'InvalidVMState,Microsoft.PowerShell.Commands.InvokeCommandCommand',
      'InvalidArgument',
    );
  }
  if (!guest?.isDirectAvailable) {
    throw new FakePsError(
      'PSDirectException',
      'An error has occurred which Windows PowerShell cannot handle. A remote session might have ended.',
      'PSSessionStateBroken,Microsoft.PowerShell.Commands.InvokeCommandCommand',
      'OpenError',
    );
  }
  if (guest.user !== params.user || guest.password !== params.password) {
    throw new FakePsError(
      'PSDirectException',
      'The credential is invalid.',
      'InvalidCredentials,Microsoft.PowerShell.Commands.InvokeCommandCommand',
      'InvalidArgument',
    );
  }
  return { vm, guest };
}

const remoting = { PSComputerName: 'localhost', RunspaceId: '8c1d1f2e-0000-4000-8000-000000000001' };

export const FAKE_SCRIPTS: Record<ScriptName, ScriptHandler> = {
  'cluster-facts': (model) => {
    const cluster = model.state.cluster;
    if (!cluster) return { ClusterName: null, Nodes: null, SharedVolumes: null, VmRoles: null };
    // Each collection is a pipeline's value: one node, CSV or role is an object, none is null.
    return {
      ClusterName: cluster.name,
      Nodes: pipelineValue(
        cluster.nodes.map((node) => ({ Name: node.name, Id: node.id, State: node.state })),
      ),
      SharedVolumes: pipelineValue(
        cluster.csvs.map((csv) => ({
          Name: csv.name,
          State: csv.state,
          OwnerNode: csv.ownerNode,
          FriendlyVolumeName: csv.friendlyVolumeName,
          VolumeName: csv.volumeName,
          FileSystem: csv.fileSystem,
          Size: csv.size,
          FreeSpace: csv.freeSpace,
        })),
      ),
      VmRoles: pipelineValue(
        cluster.roles.map((role) => ({
          Name: role.name,
          OwnerNode: role.ownerNode,
          State: role.state,
          VmId: role.vmId,
        })),
      ),
    };
  },
  'host-facts': (model) => {
    const { state } = model;
    const canHyperV = state.isElevated && state.hasHyperVModule;
    return {
      ComputerName: state.computerName,
      OsVersion: state.osVersion,
      PSVersion: '5.1.20348.2849',
      IsElevated: state.isElevated,
      HasHyperVModule: state.hasHyperVModule,
      VMHost: canHyperV
        ? {
            ComputerName: state.computerName,
            VirtualHardDiskPath: 'C:\\ProgramData\\Microsoft\\Windows\\Virtual Hard Disks',
            VirtualMachinePath: 'C:\\ProgramData\\Microsoft\\Windows\\Hyper-V',
          }
        : null,
      Volumes: pipelineValue(
        state.volumes.map((volume) => ({
          DeviceID: volume.deviceId,
          Name: volume.name,
          Label: volume.label,
          FileSystem: volume.fileSystem,
          Capacity: volume.capacity,
          FreeSpace: volume.freeSpace,
          DiskUniqueId: volume.diskUniqueId ?? null,
        })),
      ),
      ShadowStorage: pipelineValue(
        state.shadowStorage.map((storage) => ({
          Volume: storage.volume,
          DiffVolume: storage.diffVolume,
          UsedSpace: storage.usedSpace,
          AllocatedSpace: storage.allocatedSpace,
          MaxSpace: storage.maxSpace,
        })),
      ),
      ClusterSharedVolumes: pipelineValue(state.csvs.map((csv) => ({ Name: csv.name, Path: csv.path }))),
      VssWriters: state.vssWritersText,
      WindowsServerBackupInstalled: state.isWsbInstalled,
    };
  },
  'list-vms': (model) => {
    requireElevated(model);
    return pipelineValue(
      model.state.vms.map((vm) => ({
        Id: vm.id,
        Name: vm.name,
        ...stateOut(model, vm),
        Generation: vm.generation,
        Version: vm.version,
        CheckpointType: vm.checkpointType,
        Path: vm.path,
        ConfigurationLocation: vm.path,
        SnapshotFileLocation: vm.snapshotFileLocation,
        IsClustered: model.state.cluster?.roles.some((role) => role.vmId === vm.id) ?? false,
        HardDrives: pipelineValue(
          vm.drives.map((drive) => ({
            ControllerType: drive.controllerType,
            ControllerNumber: drive.controllerNumber,
            ControllerLocation: drive.controllerLocation,
            Path: drive.path,
            DiskNumber: drive.diskNumber,
            // Get-VHD -ErrorAction SilentlyContinue answers nothing for a file it cannot open.
            Vhd:
              drive.diskNumber === null && model.hasFile(drive.path)
                ? {
                    VhdFormat: 3,
                    VhdType: drive.basePath ? 4 : 3,
                    ParentPath: drive.basePath && drive.basePath !== drive.path ? drive.basePath : null,
                    Size: drive.sizeBytes,
                    FileSize: model.fileSize(drive.path),
                  }
                : null,
          })),
        ),
        IntegrationServices: pipelineValue(
          vm.integrationServices.map((service) => ({
            Id: service.id,
            Name: service.name,
            Enabled: service.enabled,
            PrimaryOperationalStatus: service.primaryCode,
            PrimaryStatusDescription: service.primary,
            SecondaryStatusDescription: service.secondary,
          })),
        ),
        Checkpoints: pipelineValue(
          vm.checkpoints.map((checkpoint) => ({
            Id: checkpoint.id,
            Name: checkpoint.name,
            SnapshotType: checkpoint.snapshotType,
            CreationTime: new PsDate(checkpoint.createdAt),
            ParentSnapshotName: null,
          })),
        ),
      })),
    );
  },
  'guest-facts': (model, params) => {
    const { guest } = direct(model, params);
    return {
      Volumes: pipelineValue(
        guest.volumes.map((volume) => ({
          DeviceID: volume.deviceId,
          DriveLetter: volume.driveLetter,
          FileSystem: volume.fileSystem,
          Capacity: volume.capacity,
          FreeSpace: volume.freeSpace,
          DiskNumber: volume.diskNumber,
          IsDynamic: volume.isDynamic,
        })),
      ),
      ShadowStorage: pipelineValue(
        guest.shadowStorage.map((storage) => ({
          Volume: storage.volume,
          DiffVolume: storage.diffVolume,
          UsedSpace: storage.usedSpace,
          AllocatedSpace: storage.allocatedSpace,
          MaxSpace: storage.maxSpace,
        })),
      ),
      Services: pipelineValue(
        guest.services.map((service) => ({ Name: service.name, Status: service.status })),
      ),
      VssWriters: guest.hasFailedVssWriter
        ? "Writer name: 'SqlServerWriter'\n   Writer Id: {a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}\n   State: [8] Failed\n   Last error: Retryable error\n"
        : "Writer name: 'System Writer'\n   Writer Id: {e8132975-6f93-4464-a53e-1050253ae220}\n   State: [1] Stable\n   Last error: No error\n",
      ...remoting,
    };
  },
  'vm-state': (model, params) => {
    requireElevated(model);
    const vm = model.vmById(String(params.vmId));
    return {
      Id: vm.id,
      Name: vm.name,
      ...stateOut(model, vm),
      Generation: vm.generation,
      DiskPaths: vm.drives.filter((drive) => drive.diskNumber === null).map((drive) => drive.path),
      CheckpointCount: vm.checkpoints.length,
    };
  },
  'save-vm': (model, params) => {
    const vm = model.vmById(String(params.vmId));
    if (vm.state === VM_STATE.Running) vm.state = VM_STATE.Saved;
    return vm.state;
  },
  'start-vm': (model, params) => {
    const vm = model.vmById(String(params.vmId));
    if (vm.state === VM_STATE.Saved || vm.state === VM_STATE.Off) vm.state = VM_STATE.Running;
    return vm.state;
  },
  'new-checkpoint': (model, params) => {
    requireElevated(model);
    const vm = model.vmById(String(params.vmId));
    if (vm.drives.some((drive) => drive.diskNumber !== null)) {
      throw new FakePsError(
        'WriteErrorException',
        `${vm.name} has a pass-through disk; Hyper-V cannot checkpoint it.`,
        'PassThroughDiskPresent',
        'InvalidOperation',
      );
    }
    const type = CHECKPOINT_TYPE[String(params.checkpointType) as keyof typeof CHECKPOINT_TYPE];
    if (type === undefined) throw new Error(`unknown checkpoint type ${String(params.checkpointType)}`);
    const checkpoint = findCheckpoint(vm, params.name) ?? model.checkpoint(vm, String(params.name), type);
    return checkpointOut(model, checkpoint, false);
  },
  'change-tracking': changeTrackingOut,
  'get-checkpoint': (model, params) => {
    const found = checkpointListedAnywhere(model, params.name);
    return found ? checkpointOut(model, found.checkpoint, true) : null;
  },
  'remove-checkpoint': (model, params) => {
    const found = checkpointListedAnywhere(model, params.name);
    if (!found) return { Removed: false, IsMerging: false };
    model.removeCheckpoint(found.vm, found.checkpoint);
    const onAvhdx = found.vm.drives.filter((drive) => /\.avhdx$/i.test(drive.path)).length;
    return { Removed: true, IsMerging: found.vm.checkpoints.length === 0 && onAvhdx > 0 };
  },
  'restore-checkpoint': (model, params) => {
    const found = checkpointListedAnywhere(model, params.name);
    if (!found) {
      throw new FakePsError(
        'WriteErrorException',
        `No checkpoint is named ${String(params.name)}.`,
        'CheckpointNotFound',
        'ObjectNotFound',
      );
    }
    model.revert(found.vm, found.checkpoint);
    return stateOut(model, found.vm);
  },
  'run-guest-script': (model, params) => {
    const { guest } = direct(model, params);
    const command = String(params.command);
    guest.ran.push(command);
    const scripted = guest.commands[command];
    if (!scripted)
      return {
        TimedOut: false,
        ExitCode: 9009,
        Output: `'${command}' is not recognized as an internal or external command.\r\n`,
      };
    if ('hangs' in scripted) return { TimedOut: true, ExitCode: null, Output: null };
    return { TimedOut: false, ExitCode: scripted.exitCode, Output: scripted.output };
  },
  'file-hashes': (model, params) => {
    const paths = (Array.isArray(params.paths) ? params.paths : [params.paths]).map(String);
    return pipelineValue(
      paths.map((file) => {
        if (!model.exists(file)) {
          throw new FakePsError(
            'ItemNotFoundException',
            `Cannot find path '${file}' because it does not exist.`,
            'PathNotFound,Microsoft.PowerShell.Commands.GetFileHashCommand',
            'ObjectNotFound',
          );
        }
        return {
          Path: file,
          Hash: createHash('sha256').update(model.readFile(file)).digest('hex').toUpperCase(),
        };
      }),
    );
  },
  'prepare-folder': (model, params) => {
    const folder = String(params.path);
    const local = model.localPath(folder);
    if (model.exists(folder)) {
      if (readdirSync(local).length > 0 && !params.allowExisting) {
        throw new FakePsError(
          'IOException',
          `The folder ${folder} is not empty.`,
          'IOException',
          'NotSpecified',
          0x80131620 | 0,
        );
      }
    } else mkdirSync(local, { recursive: true });
    return { Path: folder, FreeSpace: model.volumeOf(folder)?.freeSpace ?? 0 };
  },
  'remove-folder': (model, params) => {
    model.removeFile(String(params.path));
    return true;
  },
  'new-vm-from-disks': (model, params) => {
    requireElevated(model);
    const name = String(params.name);
    if (model.state.vms.some((vm) => vm.name === name)) {
      throw new FakePsError(
        'InvalidOperationException',
        `A VM named ${name} already exists.`,
        'InvalidOperationException',
        'NotSpecified',
      );
    }
    const disks = (params.disks as string[]).map(String);
    const vm: FakeVm = {
      id: randomUUID(),
      name,
      state: params.start ? VM_STATE.Running : VM_STATE.Off,
      generation: Number(params.generation),
      version: '10.0',
      checkpointType: CHECKPOINT_TYPE.Production,
      path: String(params.folder),
      snapshotFileLocation: String(params.folder),
      drives: disks.map((disk, index) => ({
        controllerType: 1,
        controllerNumber: 0,
        controllerLocation: index,
        path: disk,
        diskNumber: null,
        basePath: null,
        sizeBytes: model.fileSize(disk),
      })),
      integrationServices: [],
      checkpoints: [],
      mergeTicksLeft: 0,
      guest: null,
    };
    model.state.vms.push(vm);
    return { Id: vm.id, Name: vm.name, ...stateOut(model, vm), HardDrives: drivesOf(vm) };
  },
  'prepare-in-place': (model, params) => {
    requireElevated(model);
    const vm = model.vmById(String(params.vmId));
    return {
      Name: vm.name,
      ...stateOut(model, vm),
      CheckpointCount: vm.checkpoints.length,
      HardDrives: drivesOf({ ...vm, drives: vm.drives.filter((drive) => drive.diskNumber === null) }),
    };
  },
  ...WSB_FAKE_SCRIPTS,
  ...SAN_FAKE_SCRIPTS,
} as Record<ScriptName, ScriptHandler>;
