# Removes the checkpoint named $P.name (Hyper-V merges its AVHDX into the parent in the
# background) and says whether the VM's disks still run on AVHDX files, i.e. the merge goes on.
$vm = Get-VM -Id $P.vmId
$checkpoint = Get-VMSnapshot -VM $vm -Name $P.name -ErrorAction SilentlyContinue
if ($checkpoint) { Remove-VMSnapshot -VMSnapshot $checkpoint }
$remaining = @(Get-VMSnapshot -VM $vm).Count
$onAvhdx = @(Get-VMHardDiskDrive -VM $vm | Where-Object { $_.Path -like '*.avhdx' }).Count
[pscustomobject]@{ Removed = [bool]$checkpoint; IsMerging = ($remaining -eq 0 -and $onAvhdx -gt 0) }
