# Removes the checkpoint named $P.name (Hyper-V merges its AVHDX into the parent in the
# background) and says whether that VM's disks still run on AVHDX files, i.e. the merge goes on.
# A checkpoint already gone is fine: cleanup may run again after a crash.
$checkpoint = Get-VM | Get-VMSnapshot -Name $P.name -ErrorAction SilentlyContinue | Select-Object -First 1
$isMerging = $false
if ($checkpoint) {
  $vm = Get-VM -Id $checkpoint.VMId
  Remove-VMSnapshot -VMSnapshot $checkpoint
  $remaining = @(Get-VMSnapshot -VM $vm).Count
  $onAvhdx = @(Get-VMHardDiskDrive -VM $vm | Where-Object { $_.Path -like '*.avhdx' }).Count
  $isMerging = ($remaining -eq 0 -and $onAvhdx -gt 0)
}
[pscustomobject]@{ Removed = [bool]$checkpoint; IsMerging = $isMerging }
