# Offline capture: put a running VM into saved state. Anything else is left as it is.
$vm = Get-VM -Id $P.vmId
if ($vm.State -eq 'Running') { Save-VM -VM $vm }
(Get-VM -Id $P.vmId).State
