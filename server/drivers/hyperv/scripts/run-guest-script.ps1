# A pre-freeze / post-thaw command inside the guest through PowerShell Direct, ended when it
# runs past $P.timeoutSeconds (the job is stopped, which ends the remote process).
$secure = ConvertTo-SecureString $P.password -AsPlainText -Force
$credential = New-Object System.Management.Automation.PSCredential($P.user, $secure)
$job = Invoke-Command -VMId $P.vmId -Credential $credential -AsJob -ArgumentList $P.command -ScriptBlock {
  param($command)
  $output = cmd.exe /c $command 2>&1 | Out-String
  [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output }
}
if (-not (Wait-Job -Job $job -Timeout $P.timeoutSeconds)) {
  Stop-Job -Job $job
  [pscustomobject]@{ TimedOut = $true; ExitCode = $null; Output = $null }
} else {
  $result = Receive-Job -Job $job -ErrorAction Stop
  [pscustomobject]@{ TimedOut = $false; ExitCode = $result.ExitCode; Output = $result.Output }
}
