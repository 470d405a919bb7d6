# The checkpoint named $P.name with the disk files it froze (the parents of the running AVHDX),
# or $null when there is none.
$vm = Get-VM -Id $P.vmId
$checkpoint = Get-VMSnapshot -VM $vm -Name $P.name -ErrorAction SilentlyContinue
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
