/**
 * What names the VM a restore overwrites, uniquely: the typed confirmation and, when a namesake
 * made the name alone ambiguous, the sentence that says why more is asked. The service loads every
 * VM of the name with the neighbourhood (services/plans.ts planRestoreFor), wherever it is.
 */
import type { Vm } from '../inventory';
import { platformVmIdOf, platformVmIdWords, shortenVmId } from '../vm-identity';
import type { RestoreSubject } from './model';

/** The other VMs the index holds with exactly the VM's name. */
function namesakesOf(subject: RestoreSubject, vm: Vm): Vm[] {
  return subject.index.inventory.vms.filter((other) => other.id !== vm.id && other.name === subject.vmName);
}

/** The replaced VM's and its same-host namesakes' platform ids, each shortened against the others. */
function idsOnHost(subject: RestoreSubject, vm: Vm) {
  const kind = subject.index.hostsById.get(vm.hostId)?.kind;
  const sameHost = namesakesOf(subject, vm).filter((other) => other.hostId === vm.hostId);
  const full = [vm, ...sameHost].map((one) => platformVmIdOf(one.id, kind));
  const short = full.map((id, at) =>
    shortenVmId(
      id,
      full.filter((_, other) => other !== at),
    ),
  );
  return { kind, sameHost, full, short };
}

/**
 * The text that says which VM is overwritten: its name alone when no other VM has it; "web01 on
 * hv-02" when a namesake is on another host; "web01 (4f2a91c3) on hv-02" when one is on the same
 * host (Hyper-V allows it), with the VM's own id on its hypervisor, shortened while it stays
 * unique among them. A text typed for one VM thus never confirms the overwrite of its namesake.
 */
export function replacedVmName(subject: RestoreSubject): string {
  const { vm, vmName, index } = subject;
  if (!vm) return vmName;
  if (namesakesOf(subject, vm).length === 0) return vmName;
  const hostName = index.hostsById.get(vm.hostId)?.name ?? vm.hostId;
  const { sameHost, short } = idsOnHost(subject, vm);
  return sameHost.length === 0 ? `${vmName} on ${hostName}` : `${vmName} (${short[0]}) on ${hostName}`;
}

/**
 * Why the confirmation names the VM's id, for the wizard to show beside it: which other VMs of its
 * host have its name, and where the operator reads the id on the hypervisor. Null when the name
 * (with its host) already says which VM it is.
 */
export function replacedVmNote(subject: RestoreSubject): string | null {
  const { vm, vmName, index } = subject;
  if (!vm) return null;
  const { kind, sameHost, full, short } = idsOnHost(subject, vm);
  if (sameHost.length === 0) return null;
  const hostName = index.hostsById.get(vm.hostId)?.name ?? vm.hostId;
  const words = platformVmIdWords(vm.id, kind, vmName);
  const others = short.slice(1).join(', ');
  const who =
    sameHost.length === 1
      ? `Another VM on ${hostName} is also named ${vmName} (${others})`
      : `${sameHost.length} other VMs on ${hostName} are also named ${vmName} (${others})`;
  return `${who}: the one overwritten has ${words.label} ${full[0]}, as ${words.where} shows it.`;
}
