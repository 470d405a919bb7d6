# Windows Server Backup of whole host volumes (wbadmin, CONNECTORS.md §2.5). wbadmin prints text
# for humans, so its output goes back as printed with its exit code and the connector reads it
# (hyperv-wsb-text.ts). A marker per snapshot id names the version the backup made, so a retried
# step, the copy and the restores find that version instead of taking or guessing another one.
# $P.findOnly: only look the marker up (never start a backup).
$IsInstalled = [bool](Get-Command wbadmin.exe -ErrorAction SilentlyContinue)
$markerFolder = Join-Path $env:ProgramData 'Migawka\wsb'
$marker = Join-Path $markerFolder "$($P.snapshotId).txt"
if (Test-Path -LiteralPath $marker) {
  $found = (Get-Content -LiteralPath $marker -Raw).Trim()
  return [pscustomobject]@{ IsInstalled = $IsInstalled; ExitCode = 0; Output = $null; VersionId = $found }
}
if ($P.findOnly -or -not $IsInstalled) {
  return [pscustomobject]@{ IsInstalled = $IsInstalled; ExitCode = $null; Output = $null; VersionId = $null }
}
# A native command's stderr must not stop the script ($ErrorActionPreference is Stop): keep its text.
$output = & {
  $ErrorActionPreference = 'Continue'
  wbadmin start backup "-backupTarget:$($P.backupTarget)" "-include:$(@($P.volumes) -join ',')" -quiet 2>&1 |
    ForEach-Object { "$_" }
} | Out-String
$code = $LASTEXITCODE
$versionId = $null
if ($code -eq 0) {
  $versions = & {
    $ErrorActionPreference = 'Continue'
    wbadmin get versions "-backupTarget:$($P.backupTarget)" 2>&1 | ForEach-Object { "$_" }
  } | Out-String
  # The identifier's shape (MM/DD/YYYY-HH:MM, UTC) is the same in every language; the labels are not.
  $versionId = [regex]::Matches($versions, '\d{2}/\d{2}/\d{4}-\d{2}:\d{2}') | ForEach-Object { $_.Value } |
    Sort-Object { [datetime]::ParseExact($_, 'MM/dd/yyyy-HH:mm', $null) } | Select-Object -Last 1
  # No identifier found (an unreadable listing): no marker, so the connector reports the failure.
  if ($versionId) {
    New-Item -ItemType Directory -Force -Path $markerFolder | Out-Null
    Set-Content -LiteralPath $marker -Value $versionId
  }
}
[pscustomobject]@{ IsInstalled = $IsInstalled; ExitCode = $code; Output = $output; VersionId = $versionId }
