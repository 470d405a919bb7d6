# Restore as new: a VM named $P.name whose disks are the restored files, powered on if asked.
if (Get-VM -Name $P.name -ErrorAction SilentlyContinue) {
  throw [System.InvalidOperationException]::new("A VM named $($P.name) already exists.")
}
$vm = New-VM -Name $P.name -Generation $P.generation -NoVHD -Path $P.folder -MemoryStartupBytes $P.memoryBytes
foreach ($disk in $P.disks) { Add-VMHardDiskDrive -VM $vm -Path $disk }
if ($P.start) { Start-VM -VM $vm }
$vm = Get-VM -Id $vm.Id
[pscustomobject]@{ Id = $vm.Id; Name = $vm.Name; State = $vm.State }
