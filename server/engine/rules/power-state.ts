/**
 * VM-POWER-STATE-UNKNOWN: the VM's power state could not be read (`Vm.powerStateUnknown`: Hyper-V
 * reported a VMState value Migawka does not know — Other, Hibernated, ComponentServicing, a newer
 * release's). The VM is planned in the state stored beside it, running for a sync's VMs, so no
 * restore overwrites it unasked and no backup copies its files as if it were off. That is a choice,
 * not a fact, and this finding says so, with what the hypervisor reported.
 *
 * Info, for every method: it blocks nothing by itself; each run reads the live state at its check
 * step, and a Hyper-V check refuses a state it does not know by name (the run fails there, naming it).
 */
import type { PowerState } from '../inventory';
import type { Finding } from '../types';
import { flat, NONE, type RuleContext } from './context';

function plannedAs(state: PowerState): string {
  return state === 'running'
    ? 'It is treated as running for safety: no restore overwrites it unasked, and no backup copies its files as if it were off.'
    : flat`It is planned as ${state}, as stored.`;
}

function remedyOf(ctx: RuleContext): string {
  const { vm, host } = ctx;
  if (host.kind === 'hyperv') {
    return flat`On host '${host.name}': \`Get-VM -Name '${vm.name}' | Format-List Name, State, Status\` shows its state; bring '${vm.name}' to a state Migawka knows (running, off, saved or paused: start it, save it or shut it down), then sync the host again.`;
  }
  return flat`Check '${vm.name}' on host '${host.name}', bring it to running, off, saved or paused, and sync its host again; or state its power state in an inventory file.`;
}

/** Appends VM-POWER-STATE-UNKNOWN when the VM's power state was not read. */
export function collectPowerStateFindings(ctx: RuleContext, findings: Finding[]): void {
  const { vm, host } = ctx;
  if (!vm.powerStateUnknown) return;
  findings.push({
    ruleId: 'VM-POWER-STATE-UNKNOWN',
    severity: 'info',
    vmId: vm.id,
    // Every method: whichever runs, its check step reads the state again.
    methods: NONE,
    message: flat`The power state of VM '${vm.name}' on host '${host.name}' was not read: ${vm.powerStateUnknown}. ${plannedAs(vm.powerState)} A backup or an in-place restore checks the live state before it touches the VM, and stops if that state still cannot be read.`,
    remedy: remedyOf(ctx),
    objects: [ctx.vmRef, ctx.hostRef],
  });
}
