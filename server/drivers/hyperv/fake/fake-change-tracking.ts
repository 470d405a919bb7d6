/**
 * The fake host's answer to change-tracking.ps1: the VM's reference points and storage settings,
 * projected by `Select-Object` from CIM instances as Windows PowerShell 5.1 prints them:
 * - uint16 properties as numbers, string[] properties as JSON arrays (a one-element .NET array
 *   stays an array inside an object), an unset array property as null;
 * - `@(…)` of no instance is `[]`, and a caught InvalidClass (a 2012 R2 host) leaves `$points` null;
 * - the storage settings' InstanceID is `Microsoft:<VM GUID upper-case>\<controller GUID>\<n>\<slot>\L`
 *   and HostResource the one-element array of the disk's file.
 */
import { type FakeHypervModel, FakePsError, type FakeVm } from './fake-hyperv-model';

/** The resource GUIDs Hyper-V puts in a disk's InstanceID, by controller type (0 IDE, 1 SCSI). */
const CONTROLLER_GUID = ['83F8638B-8DCA-4152-9EDA-2CA8B33039B4', 'D422512C-2D82-4B16-9AA3-9B38A3E71F0C'];

export function storageInstanceId(
  vm: FakeVm,
  slot: { controllerType: number; controllerNumber: number; controllerLocation: number },
): string {
  return `Microsoft:${vm.id.toUpperCase()}\\${CONTROLLER_GUID[slot.controllerType]}\\${slot.controllerNumber}\\${slot.controllerLocation}\\L`;
}

export function changeTrackingOut(model: FakeHypervModel, params: Record<string, unknown>) {
  const vm = model.vmById(String(params.vmId));
  if (model.state.denyReferencePoints) {
    // Any CIM error but InvalidClass is rethrown by the script: Get-CimInstance's own record.
    throw new FakePsError(
      'CimException',
      'Access denied ',
      'HRESULT 0x80041003,Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand',
      'PermissionDenied',
      -2146233087,
    );
  }
  const missingClass = model.state.lacksReferencePoints ? 'InvalidClass' : null;
  const points = missingClass
    ? null
    : (vm.referencePoints ?? []).map((point) => ({
        InstanceID: point.instanceId,
        ReferencePointType: point.type,
        ConsistencyLevel: 1,
        VirtualDiskIdentifiers: point.disks.map((disk) => storageInstanceId(vm, disk)),
        ResilientChangeTrackingIdentifiers: point.type === 2 ? point.disks.map((disk) => disk.rctId) : null,
      }));
  return {
    CheckpointExists: vm.checkpoints.some((checkpoint) => checkpoint.name === params.checkpointName),
    MissingClass: missingClass,
    ReferencePoints: points,
    Disks: vm.drives
      .filter((drive) => drive.diskNumber === null)
      .map((drive) => ({ InstanceID: storageInstanceId(vm, drive), HostResource: [drive.path] })),
    Drives: vm.drives
      .filter((drive) => drive.diskNumber === null)
      .map((drive) => ({
        ControllerType: drive.controllerType,
        ControllerNumber: drive.controllerNumber,
        ControllerLocation: drive.controllerLocation,
        Path: drive.path,
      })),
  };
}
