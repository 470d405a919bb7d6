# The checkpoint named $P.name (on whichever VM holds it) with the disk files it froze (the
# parents of the running AVHDX), or $null when there is none.
$checkpoint = Get-VM | Get-VMSnapshot -Name $P.name -ErrorAction SilentlyContinue | Select-Object -First 1
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
