# One VM's power state (VMState enum: a number in PS 5.1, and its name, since the numbers from 32783
# up differ between Windows releases), its generation and whether its disks
# run on AVHDX files (a checkpoint exists or a merge is still running).
$vm = Get-VM -Id $P.vmId
[pscustomobject]@{
  Id = $vm.Id; Name = $vm.Name; State = $vm.State; StateName = $vm.State.ToString()
  Generation = $vm.Generation
  DiskPaths = @(Get-VMHardDiskDrive -VM $vm | Where-Object { $null -eq $_.DiskNumber } | ForEach-Object { $_.Path })
  CheckpointCount = @(Get-VMSnapshot -VM $vm).Count
}
