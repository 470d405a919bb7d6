# Reverts the VM holding the checkpoint named $P.name to it: everything written since is lost.
# Answers the VM's state after, by number and name.
# Not found means absent from the checkpoint lists of all the host's VMs, each list read: a VM
# whose list cannot be read (being removed, access denied, a WMI fault) may hold it, so that stops
# the script with error id CheckpointListFailed naming the VM and the checkpoint, the cause's
# category kept, and nothing is reverted.
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
if (-not $checkpoint) {
  Write-Error -ErrorId 'CheckpointNotFound' -Category ObjectNotFound -Message "No checkpoint is named $($P.name)."
}
Restore-VMSnapshot -VMSnapshot $checkpoint -Confirm:$false
$vm = Get-VM -Id $checkpoint.VMId
[pscustomobject]@{ State = $vm.State; StateName = $vm.State.ToString() }
