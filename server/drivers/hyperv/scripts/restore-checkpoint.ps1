# Reverts the VM holding the checkpoint named $P.name to it: everything written since is lost.
$checkpoint = Get-VM | Get-VMSnapshot -Name $P.name -ErrorAction SilentlyContinue | Select-Object -First 1
if (-not $checkpoint) {
  Write-Error -ErrorId 'CheckpointNotFound' -Category ObjectNotFound -Message "No checkpoint is named $($P.name)."
}
Restore-VMSnapshot -VMSnapshot $checkpoint -Confirm:$false
(Get-VM -Id $checkpoint.VMId).State
