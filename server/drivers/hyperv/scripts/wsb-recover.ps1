# A Windows Server Backup recovery (`wbadmin start recovery`): a whole volume over itself
# (itemType Volume, every VM on it rolls back) or files into a folder (itemType File). The VMs
# named in $P.stopVmIds are turned off first: a volume in use by a running VM cannot be recovered.
foreach ($vmId in @($P.stopVmIds)) {
  if (-not $vmId) { continue }
  $vm = Get-VM -Id $vmId
  if ($vm.State -ne 'Off') { Stop-VM -VM $vm -TurnOff -Force }
}
$arguments = @('start', 'recovery', "-version:$($P.versionId)", "-itemType:$($P.itemType)",
  "-items:$(@($P.items) -join ',')", "-backupTarget:$($P.backupTarget)", '-quiet')
if ($P.recoveryTarget) { $arguments += @("-recoveryTarget:$($P.recoveryTarget)", '-overwrite:Overwrite') }
$output = & {
  $ErrorActionPreference = 'Continue'
  wbadmin @arguments 2>&1 | ForEach-Object { "$_" }
} | Out-String
$code = $LASTEXITCODE
# Files recovered into a folder, with their sizes (the copy into the repository reports progress by them).
$files = if ($P.recoveryTarget -and $code -eq 0) {
  @(Get-ChildItem -LiteralPath $P.recoveryTarget -File | ForEach-Object {
    [pscustomobject]@{ Path = $_.FullName; Length = $_.Length } })
} else { @() }
[pscustomobject]@{ ExitCode = $code; Output = $output; Files = $files }
