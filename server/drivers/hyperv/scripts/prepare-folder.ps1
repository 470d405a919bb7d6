# Creates the folder a restore writes into; refuses a folder that already holds files, so a
# restore never mixes its disks with someone else's.
if (Test-Path -LiteralPath $P.path) {
  if (@(Get-ChildItem -LiteralPath $P.path -Force).Count -gt 0 -and -not $P.allowExisting) {
    throw [System.IO.IOException]::new("The folder $($P.path) is not empty.")
  }
} else {
  New-Item -ItemType Directory -Path $P.path | Out-Null
}
$drive = (Get-Item -LiteralPath $P.path).PSDrive
[pscustomobject]@{ Path = $P.path; FreeSpace = $drive.Free }
