# Copies files on the host (a staged VHDX into place or into a new VM's folder): the bytes stay on
# the host instead of travelling through Migawka and back. Each pair is { from, to }.
foreach ($pair in @($P.pairs)) {
  $folder = Split-Path -Parent $pair.to
  if (-not (Test-Path -LiteralPath $folder)) { New-Item -ItemType Directory -Path $folder | Out-Null }
  Copy-Item -LiteralPath $pair.from -Destination $pair.to -Force
}
$true
