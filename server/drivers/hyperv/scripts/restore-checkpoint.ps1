# Reverts the VM to the checkpoint named $P.name: everything written since is lost.
$vm = Get-VM -Id $P.vmId
$checkpoint = Get-VMSnapshot -VM $vm -Name $P.name
Restore-VMSnapshot -VMSnapshot $checkpoint -Confirm:$false
(Get-VM -Id $P.vmId).State
