# Host facts: who we are, whether the shell is elevated, the Hyper-V module, host volumes with
# their VSS shadow storage, VSS writers and whether Windows Server Backup is installed.
# An account without elevation still answers (isElevated=false) so "test connection" can say so.
$identity = [Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()
$isElevated = $identity.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator) -or
  $identity.IsInRole('Hyper-V Administrators')
$hasModule = [bool](Get-Module -ListAvailable -Name Hyper-V)
$vmHost = $null
if ($hasModule -and $isElevated) {
  $h = Get-VMHost
  $vmHost = [pscustomobject]@{
    ComputerName = $h.ComputerName
    VirtualHardDiskPath = $h.VirtualHardDiskPath
    VirtualMachinePath = $h.VirtualMachinePath
  }
}
$os = Get-CimInstance Win32_OperatingSystem
# The disk under each volume, by the volume's \\?\Volume{guid}\ access path: a SAN LUN's UniqueId is
# its NAA id, which links the volume to the array LUN behind it.
$diskIds = @{}
Get-Disk -ErrorAction SilentlyContinue | ForEach-Object { $diskIds[[int]$_.Number] = $_.UniqueId }
$diskOfVolume = @{}
Get-Partition -ErrorAction SilentlyContinue | ForEach-Object {
  $uniqueId = $diskIds[[int]$_.DiskNumber]
  foreach ($path in @($_.AccessPaths)) { if ($path -like '\\?\Volume*') { $diskOfVolume[$path] = $uniqueId } }
}
$volumes = Get-CimInstance Win32_Volume | Where-Object { $_.DriveType -eq 3 } | ForEach-Object {
  [pscustomobject]@{
    DiskUniqueId = $diskOfVolume[$_.DeviceID]
    DeviceID = $_.DeviceID
    Name = $_.Name
    Label = $_.Label
    FileSystem = $_.FileSystem
    Capacity = $_.Capacity
    FreeSpace = $_.FreeSpace
  }
}
$shadowStorage = Get-CimInstance Win32_ShadowStorage | ForEach-Object {
  [pscustomobject]@{
    Volume = $_.Volume.DeviceID
    DiffVolume = $_.DiffVolume.DeviceID
    UsedSpace = $_.UsedSpace
    AllocatedSpace = $_.AllocatedSpace
    MaxSpace = $_.MaxSpace
  }
}
$csvs = $null
if (Get-Command Get-ClusterSharedVolume -ErrorAction SilentlyContinue) {
  $csvs = Get-ClusterSharedVolume -ErrorAction SilentlyContinue | ForEach-Object {
    [pscustomobject]@{ Name = $_.Name; Path = $_.SharedVolumeInfo.FriendlyVolumeName }
  }
}
$wsb = Get-WindowsFeature -Name Windows-Server-Backup -ErrorAction SilentlyContinue
[pscustomobject]@{
  ComputerName = $env:COMPUTERNAME
  OsVersion = $os.Version
  PSVersion = $PSVersionTable.PSVersion.ToString()
  IsElevated = $isElevated
  HasHyperVModule = $hasModule
  VMHost = $vmHost
  Volumes = $volumes
  ShadowStorage = $shadowStorage
  ClusterSharedVolumes = $csvs
  VssWriters = (vssadmin list writers | Out-String)
  WindowsServerBackupInstalled = if ($wsb) { $wsb.Installed } else { $null }
}
