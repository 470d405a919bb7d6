# Undo of save-vm (and of a stop): a saved or off VM is started, a running one is left alone.
$vm = Get-VM -Id $P.vmId
if ($vm.State -eq 'Saved' -or $vm.State -eq 'Off') { Start-VM -VM $vm }
(Get-VM -Id $P.vmId).State
