# The checkpoint named $P.name (on whichever VM holds it) with the disk files it froze (the
# parents of the running AVHDX), or $null when there is none. None means absent from the checkpoint
# lists of all the host's VMs, each list read: a VM whose list cannot be read (being removed, access
# denied, a WMI fault) may hold it, so that stops the script with error id CheckpointListFailed
# naming the VM and the checkpoint, the cause's category kept.
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
if ($checkpoint) {
  [pscustomobject]@{
    Id = $checkpoint.Id; Name = $checkpoint.Name; SnapshotType = $checkpoint.SnapshotType
    CreationTime = $checkpoint.CreationTime
    HardDrives = @($checkpoint.HardDrives | ForEach-Object {
      $size = if ($_.Path) { (Get-Item -LiteralPath $_.Path).Length } else { $null }
      [pscustomobject]@{
        ControllerType = $_.ControllerType; ControllerNumber = $_.ControllerNumber
        ControllerLocation = $_.ControllerLocation; Path = $_.Path; FileSize = $size
      }
    })
  }
}
