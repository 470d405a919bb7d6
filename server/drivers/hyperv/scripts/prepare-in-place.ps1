# In-place restore: the VM must be off now (checked live) and without checkpoints, since its
# disk files are overwritten. Answers the disk files by controller slot.
$vm = Get-VM -Id $P.vmId
[pscustomobject]@{
  Name = $vm.Name; State = $vm.State; StateName = $vm.State.ToString()
  CheckpointCount = @(Get-VMSnapshot -VM $vm).Count
  HardDrives = @(Get-VMHardDiskDrive -VM $vm | Where-Object { $null -eq $_.DiskNumber } | ForEach-Object {
    [pscustomobject]@{
      ControllerType = $_.ControllerType; ControllerNumber = $_.ControllerNumber
      ControllerLocation = $_.ControllerLocation; Path = $_.Path
    }
  })
}
