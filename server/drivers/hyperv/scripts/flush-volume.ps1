# Flushes the host's write cache of one volume before an array snapshot (Write-VolumeCache).
Write-VolumeCache -Path $P.volume
$true
