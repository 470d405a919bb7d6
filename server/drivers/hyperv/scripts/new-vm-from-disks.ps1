# Restore as new: a VM named $P.name whose disks are the restored files, powered on if asked.
# Answers the new VM's id and its drives by controller slot: Migawka records the VM under the ids a
# sync reads it by (the VM's guid, the drive's slot), so the next sync does not add it twice.
if (Get-VM -Name $P.name -ErrorAction SilentlyContinue) {
  throw [System.InvalidOperationException]::new("A VM named $($P.name) already exists.")
}
$vm = New-VM -Name $P.name -Generation $P.generation -NoVHD -Path $P.folder -MemoryStartupBytes $P.memoryBytes
foreach ($disk in $P.disks) { Add-VMHardDiskDrive -VM $vm -Path $disk }
if ($P.start) { Start-VM -VM $vm }
$vm = Get-VM -Id $vm.Id
[pscustomobject]@{
  Id = $vm.Id; Name = $vm.Name; State = $vm.State; StateName = $vm.State.ToString()
  HardDrives = @(Get-VMHardDiskDrive -VM $vm | ForEach-Object {
    [pscustomobject]@{
      ControllerType = $_.ControllerType; ControllerNumber = $_.ControllerNumber
      ControllerLocation = $_.ControllerLocation; Path = $_.Path
    }
  })
}
