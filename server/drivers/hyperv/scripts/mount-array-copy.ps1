# Finds one VM's disks on a copy of an array snapshot that the array mapped to this host (a
# FlexClone's LUNs): brings each copy's disk online, gives its partitions folder paths under
# mountRoot, and answers where each base VHDX of the VM is on the copy. A live partition is known
# by where it is mounted: a drive letter (`D:\`) or a Cluster Shared Volume's folder
# (`C:\ClusterStorage\Volume1\`); a file is on the longest of them its path starts with. Windows
# keeps a disk whose signature collides with a live disk's offline; bringing it online gives the
# copy a new one.
# Params: vmId, mountRoot, luns = @({ source; copy; [portal; target] }), the NAA ids (Get-Disk
# UniqueId) of each live LUN and of its copy; a copy with a target (an EqualLogic clone is a target
# of its own) is logged in to first, through the group's portal, unless a session is connected.
foreach ($lun in @($P.luns | Where-Object { $_.target })) {
  if (-not (Get-IscsiTargetPortal | Where-Object { $_.TargetPortalAddress -eq $lun.portal })) {
    New-IscsiTargetPortal -TargetPortalAddress $lun.portal | Out-Null
  }
  if (-not (Get-IscsiSession | Where-Object { $_.TargetNodeAddress -eq $lun.target -and $_.IsConnected })) {
    Connect-IscsiTarget -NodeAddress $lun.target -TargetPortalAddress $lun.portal | Out-Null
  }
}
Update-HostStorageCache
$vm = Get-VM -Id $P.vmId
$folders = @{}
foreach ($lun in @($P.luns)) {
  $source = Get-Disk | Where-Object { $_.UniqueId -eq $lun.source } | Select-Object -First 1
  if ($null -eq $source) { continue }
  $copy = Get-Disk | Where-Object { $_.UniqueId -eq $lun.copy } | Select-Object -First 1
  if ($null -eq $copy) {
    throw "No disk with UniqueId $($lun.copy) is visible: is the array snapshot's copy mapped to this host's initiators?"
  }
  if ($copy.IsOffline) { Set-Disk -Number $copy.Number -IsOffline $false }
  foreach ($part in @(Get-Partition -DiskNumber $source.Number)) {
    $roots = @($part.AccessPaths | Where-Object { $_ -match '^[A-Za-z]:\\' })
    if ($roots.Count -eq 0) { continue }
    $copyPart = Get-Partition -DiskNumber $copy.Number -PartitionNumber $part.PartitionNumber
    $folder = Join-Path $P.mountRoot "$($copy.Number)-$($part.PartitionNumber)"
    if (-not (Test-Path -LiteralPath $folder)) { New-Item -ItemType Directory -Path $folder | Out-Null }
    if (@($copyPart.AccessPaths) -notcontains "$folder\") {
      Add-PartitionAccessPath -InputObject $copyPart -AccessPath $folder
    }
    foreach ($root in $roots) { $folders[$root.TrimEnd('\').ToUpper()] = $folder }
  }
}
foreach ($drive in @(Get-VMHardDiskDrive -VM $vm | Where-Object { $null -eq $_.DiskNumber })) {
  $base = $drive.Path
  while ($base -like '*.avhdx') { $base = (Get-VHD -Path $base).ParentPath }
  $root = @($folders.Keys | Where-Object { $base.ToUpper().StartsWith("$_\") } |
    Sort-Object Length -Descending)[0]
  $onCopy = if ($root) { Join-Path $folders[$root] $base.Substring($root.Length + 1) } else { $null }
  [pscustomobject]@{
    ControllerType = [int]$drive.ControllerType; ControllerNumber = $drive.ControllerNumber
    ControllerLocation = $drive.ControllerLocation; Path = $base; CopyPath = $onCopy
    FileSize = if ($onCopy) { (Get-Item -LiteralPath $onCopy).Length } else { $null }
  }
}
