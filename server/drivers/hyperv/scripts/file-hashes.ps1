# SHA-256 of files on the host: how a restore proves what it wrote (compared with the point).
$P.paths | ForEach-Object {
  [pscustomobject]@{ Path = $_; Hash = (Get-FileHash -LiteralPath $_ -Algorithm SHA256).Hash }
}
