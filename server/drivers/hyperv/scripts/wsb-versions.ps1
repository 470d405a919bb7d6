# The Windows Server Backup versions on a backup target (`wbadmin get versions`), as printed.
$IsInstalled = [bool](Get-Command wbadmin.exe -ErrorAction SilentlyContinue)
if (-not $IsInstalled) { return [pscustomobject]@{ IsInstalled = $false; ExitCode = $null; Output = $null } }
$output = & {
  $ErrorActionPreference = 'Continue'
  wbadmin get versions "-backupTarget:$($P.backupTarget)" 2>&1 | ForEach-Object { "$_" }
} | Out-String
[pscustomobject]@{ IsInstalled = $true; ExitCode = $LASTEXITCODE; Output = $output }
