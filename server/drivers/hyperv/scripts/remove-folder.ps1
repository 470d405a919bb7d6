# Deletes a scratch folder this connector created; a folder already gone is fine.
if (Test-Path -LiteralPath $P.path) { Remove-Item -LiteralPath $P.path -Recurse -Force }
$true
