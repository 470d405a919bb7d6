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
