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
