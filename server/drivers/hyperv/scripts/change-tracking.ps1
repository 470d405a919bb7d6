# The Resilient Change Tracking (RCT) ids Hyper-V holds for VM $P.vmId, read just before Migawka
# takes its checkpoint $P.checkpointName (docs/connectors/hyperv.md, "Change tracking ids"):
# - RCT ids live only on reference points (Msvm_VirtualSystemReferencePoint, Hyper-V 2016+), which
#   a backup product makes by converting a *recovery* checkpoint. Migawka reads them, makes none.
# - A reference point names its disks by the WMI InstanceID of their storage settings
#   (VirtualDiskIdentifiers, in the order of ResilientChangeTrackingIdentifiers), so the VM's
#   storage settings come too, and its drives (slot and file): the connector matches them by file.
# - CheckpointExists: the checkpoint was already there (a retried step), so these ids were read
#   after it and are not a safe base for it.
# - A host older than 2016 has no such class: the WMI error id InvalidClass says so, not its text.
$vm = Get-VM -Id $P.vmId
$namespace = 'root\virtualization\v2'
$exists = [bool](Get-VMSnapshot -VM $vm -Name $P.checkpointName -ErrorAction SilentlyContinue)
$points = $null
$missing = $null
try {
  $points = @(Get-CimInstance -Namespace $namespace -ClassName Msvm_VirtualSystemReferencePoint `
      -Filter "VirtualSystemIdentifier='$($vm.Id)'" |
    Select-Object InstanceID, ReferencePointType, ConsistencyLevel, VirtualDiskIdentifiers, ResilientChangeTrackingIdentifiers)
} catch {
  if ("$($_.Exception.NativeErrorCode)" -ne 'InvalidClass') { throw }
  $missing = "$($_.Exception.NativeErrorCode)"
}
$disks = @(Get-CimInstance -Namespace $namespace -ClassName Msvm_StorageAllocationSettingData `
    -Filter "InstanceID like 'Microsoft:$($vm.Id)%' and ResourceType = 31" |
  Select-Object InstanceID, HostResource)
$drives = @(Get-VMHardDiskDrive -VM $vm | Where-Object { $null -eq $_.DiskNumber } |
  Select-Object ControllerType, ControllerNumber, ControllerLocation, Path)
[pscustomobject]@{
  CheckpointExists = $exists; MissingClass = $missing; ReferencePoints = $points; Disks = $disks
  Drives = $drives
}
