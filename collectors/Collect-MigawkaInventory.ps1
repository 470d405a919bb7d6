<#
.SYNOPSIS
  Collects one Hyper-V host's facts for Migawka, for a host the console cannot reach.

.DESCRIPTION
  Run it on the host, in an elevated Windows PowerShell 5.1 (an Administrator or a member of
  Hyper-V Administrators). It reads the host, its VMs and, with -GuestCredential, each running
  guest through PowerShell Direct, and writes one JSON document that `migawka check` and the
  console's import page read. A guest it cannot read is recorded as unknown with the reason. On a
  failover cluster node it also records the cluster (nodes, Cluster Shared Volumes, clustered VM
  roles); run it on each node: one document holds one node's VMs. Nothing on the host is changed.

  Generated from the Migawka repository's server/drivers/hyperv/scripts/*.ps1 by
  `npm run collector:build`: do not edit by hand.

.EXAMPLE
  .\Collect-MigawkaInventory.ps1 -OutFile hv01.json -GuestCredential (Get-Credential)
#>
[CmdletBinding()]
param(
  [string] $OutFile = 'inventory.json',
  [System.Management.Automation.PSCredential] $GuestCredential
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

function Read-MigawkaHostFacts {
  param($P)
# --- begin host-facts.ps1
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
# --- end host-facts.ps1
}

function Read-MigawkaVms {
  param($P)
# --- begin list-vms.ps1
# Every VM of the host with its disks (VHD facts or pass-through disk number), integration
# services (raw Id kept: names are localized) and checkpoints. Enums stay numbers (PS 5.1); the
# VM's State also goes by name (StateName): VMState's numbers from 32783 up differ between releases.
Get-VM | ForEach-Object {
  $vm = $_
  $drives = Get-VMHardDiskDrive -VM $vm | ForEach-Object {
    $vhd = $null
    if ($null -eq $_.DiskNumber -and $_.Path) {
      $v = Get-VHD -Path $_.Path -ErrorAction SilentlyContinue
      if ($v) {
        $vhd = [pscustomobject]@{
          VhdFormat = $v.VhdFormat; VhdType = $v.VhdType; ParentPath = $v.ParentPath
          Size = $v.Size; FileSize = $v.FileSize
        }
      }
    }
    [pscustomobject]@{
      ControllerType = $_.ControllerType; ControllerNumber = $_.ControllerNumber
      ControllerLocation = $_.ControllerLocation; Path = $_.Path; DiskNumber = $_.DiskNumber
      Vhd = $vhd
    }
  }
  $services = Get-VMIntegrationService -VM $vm | ForEach-Object {
    [pscustomobject]@{
      Id = $_.Id; Name = $_.Name; Enabled = $_.Enabled
      PrimaryOperationalStatus = $_.PrimaryOperationalStatus
      PrimaryStatusDescription = $_.PrimaryStatusDescription
      SecondaryStatusDescription = $_.SecondaryStatusDescription
    }
  }
  $checkpoints = Get-VMSnapshot -VM $vm | ForEach-Object {
    [pscustomobject]@{
      Id = $_.Id; Name = $_.Name; SnapshotType = $_.SnapshotType; CreationTime = $_.CreationTime
      ParentSnapshotName = $_.ParentSnapshotName
    }
  }
  [pscustomobject]@{
    Id = $vm.Id; Name = $vm.Name; State = $vm.State; StateName = $vm.State.ToString()
    Generation = $vm.Generation
    Version = $vm.Version; CheckpointType = $vm.CheckpointType; Path = $vm.Path
    ConfigurationLocation = $vm.ConfigurationLocation
    SnapshotFileLocation = $vm.SnapshotFileLocation; IsClustered = $vm.IsClustered
    HardDrives = $drives; IntegrationServices = $services; Checkpoints = $checkpoints
  }
}
# --- end list-vms.ps1
}

function Read-MigawkaGuestFacts {
  param($P)
# --- begin guest-facts.ps1
# Facts only the guest knows, read through PowerShell Direct (VMBus, no network): volumes, shadow
# storage, VSS writers and the services of applications that need application-consistent backups.
$secure = ConvertTo-SecureString $P.password -AsPlainText -Force
$credential = New-Object System.Management.Automation.PSCredential($P.user, $secure)
Invoke-Command -VMId $P.vmId -Credential $credential -ErrorAction Stop -ScriptBlock {
  $volumes = Get-CimInstance Win32_Volume | Where-Object { $_.DriveType -eq 3 -and $_.DriveLetter } |
    ForEach-Object {
      $partition = Get-Partition -DriveLetter $_.DriveLetter.TrimEnd(':') -ErrorAction SilentlyContinue
      $disk = if ($partition) { Get-CimInstance Win32_DiskPartition |
        Where-Object { $_.DiskIndex -eq $partition.DiskNumber } | Select-Object -First 1 } else { $null }
      [pscustomobject]@{
        DeviceID = $_.DeviceID; DriveLetter = $_.DriveLetter; FileSystem = $_.FileSystem
        Capacity = $_.Capacity; FreeSpace = $_.FreeSpace
        DiskNumber = if ($partition) { $partition.DiskNumber } else { $null }
        IsDynamic = if ($disk) { $disk.Type -like 'Logical Disk Manager*' } else { $null }
      }
    }
  $shadowStorage = Get-CimInstance Win32_ShadowStorage | ForEach-Object {
    [pscustomobject]@{
      Volume = $_.Volume.DeviceID; DiffVolume = $_.DiffVolume.DeviceID
      UsedSpace = $_.UsedSpace; AllocatedSpace = $_.AllocatedSpace; MaxSpace = $_.MaxSpace
    }
  }
  $services = Get-Service -Name 'MSSQLSERVER', 'MSSQL$*', 'MSExchangeIS', 'NTDS' -ErrorAction SilentlyContinue |
    ForEach-Object { [pscustomobject]@{ Name = $_.Name; Status = $_.Status } }
  [pscustomobject]@{
    Volumes = $volumes
    ShadowStorage = $shadowStorage
    Services = $services
    VssWriters = (vssadmin list writers | Out-String)
  }
}
# --- end guest-facts.ps1
}

function Read-MigawkaClusterFacts {
  param($P)
# --- begin cluster-facts.ps1
# The failover cluster this host is a node of, or ClusterName $null on a stand-alone host (no
# FailoverClusters module, or the cluster service not running): its nodes (Get-ClusterNode), Cluster
# Shared Volumes (Get-ClusterSharedVolume) and clustered VM roles (Get-ClusterGroup, GroupType 111
# VirtualMachine) with the VM id of each role's "Virtual Machine" resource (Get-ClusterParameter VmID),
# so a VM that moved between nodes is the same VM. Enums stay numbers (PS 5.1): node State Up=0,
# Down=1, Paused=2, Joining=3; group State Online=0, Offline=1, Failed=2, PartialOnline=3, Pending=4;
# CSV State Online=2, Offline=3, Failed=4.
$cluster = $null
if (Get-Command Get-Cluster -ErrorAction SilentlyContinue) {
  $cluster = Get-Cluster -ErrorAction SilentlyContinue
}
if ($null -eq $cluster) {
  [pscustomobject]@{ ClusterName = $null; Nodes = $null; SharedVolumes = $null; VmRoles = $null }
  return
}
$nodes = Get-ClusterNode | ForEach-Object {
  [pscustomobject]@{ Name = $_.Name; Id = $_.Id; State = $_.State }
}
$volumes = Get-ClusterSharedVolume | ForEach-Object {
  $csv = $_
  foreach ($info in @($csv.SharedVolumeInfo)) {
    [pscustomobject]@{
      Name = $csv.Name
      State = $csv.State
      OwnerNode = $csv.OwnerNode.Name
      FriendlyVolumeName = $info.FriendlyVolumeName
      VolumeName = $info.Partition.Name
      FileSystem = $info.Partition.FileSystem
      Size = $info.Partition.Size
      FreeSpace = $info.Partition.FreeSpace
    }
  }
}
$roles = Get-ClusterGroup | Where-Object { [int]$_.GroupType -eq 111 } | ForEach-Object {
  $group = $_
  $vmId = $null
  $resource = $group | Get-ClusterResource | Where-Object { $_.ResourceType.Name -eq 'Virtual Machine' } |
    Select-Object -First 1
  if ($resource) { $vmId = ($resource | Get-ClusterParameter -Name VmID).Value }
  [pscustomobject]@{ Name = $group.Name; OwnerNode = $group.OwnerNode.Name; State = $group.State; VmId = $vmId }
}
[pscustomobject]@{ ClusterName = $cluster.Name; Nodes = $nodes; SharedVolumes = $volumes; VmRoles = $roles }
# --- end cluster-facts.ps1
}

$hostFacts = Read-MigawkaHostFacts -P $null
$vms = @()
$guests = @()
$cluster = $null
if ($hostFacts.IsElevated -and $hostFacts.HasHyperVModule) {
  $cluster = Read-MigawkaClusterFacts -P $null
  $vms = @(Read-MigawkaVms -P $null)
  foreach ($vm in $vms) {
    $vmId = "$($vm.Id)"
    if (-not $GuestCredential) {
      $guests += [pscustomobject]@{ vmId = $vmId; unknown = 'no guest credential was given to the collector' }
    } elseif ([int]$vm.State -ne 2) {
      $guests += [pscustomobject]@{ vmId = $vmId; unknown = "$($vm.Name) is not running" }
    } else {
      try {
        $P = [pscustomobject]@{
          vmId = $vmId
          user = $GuestCredential.UserName
          password = $GuestCredential.GetNetworkCredential().Password
        }
        $facts = Read-MigawkaGuestFacts -P $P
        $guests += [pscustomobject]@{ vmId = $vmId; facts = $facts }
      } catch {
        $guests += [pscustomobject]@{ vmId = $vmId; unknown = "PowerShell Direct to $($vm.Name): $($_.Exception.Message)" }
      } finally {
        $P = $null
      }
    }
  }
}
$document = [pscustomobject]@{
  format = 'migawka.hyperv-collection'
  version = 1
  collectedAt = (Get-Date).ToUniversalTime().ToString('o')
  host = $hostFacts
  vms = $vms
  guests = $guests
  cluster = $cluster
}
# Windows PowerShell 5.1 writes UTF-8 with a byte-order mark here; the import reads it (and UTF-16).
ConvertTo-Json -InputObject $document -Depth 10 | Out-File -FilePath $OutFile -Encoding utf8
$unknown = @($guests | Where-Object { $_.unknown }).Count
Write-Host "Wrote $($OutFile): host $($hostFacts.ComputerName), $($vms.Count) VM(s), $unknown guest(s) not read."
if ($cluster -and $cluster.ClusterName) {
  Write-Host "$($hostFacts.ComputerName) is a node of cluster $($cluster.ClusterName): run the collector on each other node too."
}
