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
