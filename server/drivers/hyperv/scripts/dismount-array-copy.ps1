# Undo of mount-array-copy, before the array unmaps the copy: removes the folder paths under
# mountRoot and takes the copies' disks offline. A copy already gone (unmapped) is fine.
# Then logs out of the copies that are targets of their own (EqualLogic clones), so the group can
# take them offline and delete them without a session left behind.
# Params: mountRoot, copies = the NAA ids (Get-Disk UniqueId) of the copies, targets = their
# iSCSI target names (empty when the array mapped the copies to targets the host keeps).
Update-HostStorageCache
foreach ($naa in @($P.copies)) {
  $disk = Get-Disk | Where-Object { $_.UniqueId -eq $naa } | Select-Object -First 1
  if ($null -eq $disk) { continue }
  foreach ($part in @(Get-Partition -DiskNumber $disk.Number)) {
    foreach ($path in @($part.AccessPaths | Where-Object { $_ -like "$($P.mountRoot)*" })) {
      Remove-PartitionAccessPath -InputObject $part -AccessPath $path
    }
  }
  Set-Disk -Number $disk.Number -IsOffline $true
}
foreach ($target in @($P.targets)) {
  if (Get-IscsiSession | Where-Object { $_.TargetNodeAddress -eq $target -and $_.IsConnected }) {
    Disconnect-IscsiTarget -NodeAddress $target -Confirm:$false
  }
}
if (Test-Path -LiteralPath $P.mountRoot) { Remove-Item -LiteralPath $P.mountRoot -Recurse -Force }
$true
