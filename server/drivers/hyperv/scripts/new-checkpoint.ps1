# Takes the checkpoint named $P.name unless it exists already (a retried step finds it).
# ProductionOnly fails when the guest cannot do VSS instead of silently taking a standard one.
# The VM's own checkpoint type is put back afterwards: the backup must not change its settings.
$vm = Get-VM -Id $P.vmId
# Hyper-V cannot checkpoint a VM with a pass-through disk: say so by id, not by its English text.
if (@(Get-VMHardDiskDrive -VM $vm | Where-Object { $null -ne $_.DiskNumber }).Count -gt 0) {
  Write-Error -ErrorId 'PassThroughDiskPresent' -Category InvalidOperation `
    -Message "$($vm.Name) has a pass-through disk; Hyper-V cannot checkpoint it."
}
$checkpoint = Get-VMSnapshot -VM $vm -Name $P.name -ErrorAction SilentlyContinue
if (-not $checkpoint) {
  $previous = $vm.CheckpointType
  Set-VM -VM $vm -CheckpointType $P.checkpointType
  try {
    $checkpoint = Checkpoint-VM -VM $vm -SnapshotName $P.name -Passthru
  } finally {
    Set-VM -VM $vm -CheckpointType $previous
  }
}
[pscustomobject]@{
  Id = $checkpoint.Id; Name = $checkpoint.Name; SnapshotType = $checkpoint.SnapshotType
  CreationTime = $checkpoint.CreationTime
  HardDrives = @($checkpoint.HardDrives | ForEach-Object {
    [pscustomobject]@{
      ControllerType = $_.ControllerType; ControllerNumber = $_.ControllerNumber
      ControllerLocation = $_.ControllerLocation; Path = $_.Path
    }
  })
}
