# Removes the checkpoint named $P.name (Hyper-V merges its AVHDX into the parent in the
# background) and says whether that VM's disks still run on AVHDX files, i.e. the merge goes on.
# A checkpoint already gone is fine: cleanup may run again after a crash. Gone means absent from
# the checkpoint lists of all the host's VMs, each list read: a VM whose list cannot be read (being
# removed, access denied, a WMI fault) may hold it, so that stops the script with error id
# CheckpointListFailed naming the VM and the checkpoint, the cause's category kept.
$checkpoint = $null
foreach ($vm in @(Get-VM)) {
  try {
    $listed = @(Get-VMSnapshot -VM $vm)
  } catch {
    $message = "Checkpoint '$($P.name)' could not be looked for on VM '$($vm.Name)': its checkpoints could not be listed ($($_.Exception.Message))"
    $exception = New-Object System.Management.Automation.RuntimeException -ArgumentList $message, $_.Exception
    throw (New-Object System.Management.Automation.ErrorRecord -ArgumentList $exception, 'CheckpointListFailed', $_.CategoryInfo.Category, $vm)
  }
  $checkpoint = $listed | Where-Object { $_.Name -eq $P.name } | Select-Object -First 1
  if ($checkpoint) { break }
}
$isMerging = $false
if ($checkpoint) {
  Remove-VMSnapshot -VMSnapshot $checkpoint
  $remaining = @(Get-VMSnapshot -VM $vm).Count
  $onAvhdx = @(Get-VMHardDiskDrive -VM $vm | Where-Object { $_.Path -like '*.avhdx' }).Count
  $isMerging = ($remaining -eq 0 -and $onAvhdx -gt 0)
}
[pscustomobject]@{ Removed = [bool]$checkpoint; IsMerging = $isMerging }
