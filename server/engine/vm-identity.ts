/**
 * A VM's own id on its hypervisor, as an operator reads it there: what tells apart two VMs of one
 * name on one host (Hyper-V allows it), so a confirmation typed for one never confirms the other.
 *
 * Connectors key the VMs they sync by the platform's id behind a prefix naming the platform:
 * "hv:<VMId GUID>" (drivers/hyperv/hyperv-discovery.ts vmInventoryId) and "xen:<uuid>"
 * (drivers/xapi/xapi-discovery.ts xenId); drivers/platform-vm-ids.test.ts holds them together. An imported
 * inventory's ids (the demo lab's among them) are its own and shown as they are.
 */
import type { HypervisorKind } from './inventory';

const PLATFORM_PREFIXES: Record<HypervisorKind, string> = { hyperv: 'hv:', xenserver: 'xen:' };

/** The shortest id shown: 8 characters, the length of a GUID's first group. */
const SHORT_ID_LENGTH = 8;

/** The VM's id as its hypervisor shows it (Hyper-V's VMId, XenServer's uuid), else its inventory id. */
export function platformVmIdOf(vmId: string, kind: HypervisorKind | undefined): string {
  const prefix = kind ? PLATFORM_PREFIXES[kind] : undefined;
  return prefix && vmId.startsWith(prefix) ? vmId.slice(prefix.length) : vmId;
}

/**
 * The shortest start of `id` (at least 8 characters, like a GUID's first group) that none of
 * `others` starts the same way; the whole id when they share more. Two ids never shorten alike.
 */
export function shortenVmId(id: string, others: readonly string[]): string {
  const longest = Math.max(id.length, ...others.map((other) => other.length));
  for (let length = SHORT_ID_LENGTH; length < longest; length++) {
    const start = id.slice(0, length);
    if (others.every((other) => other.slice(0, length) !== start)) return start;
  }
  return id;
}

/**
 * What the VM's id is called and where an operator reads it: on its hypervisor when a connector
 * keyed it by the platform's id, else in the inventory it was imported from.
 */
export function platformVmIdWords(
  vmId: string,
  kind: HypervisorKind | undefined,
  vmName: string,
): { label: string; where: string } {
  if (platformVmIdOf(vmId, kind) === vmId) return { label: 'inventory id', where: 'the imported inventory' };
  if (kind === 'hyperv')
    return { label: 'Hyper-V VM id', where: `Get-VM -Name '${vmName}' | Select-Object Name, Id` };
  return { label: 'XenServer VM uuid', where: `xe vm-list name-label='${vmName}' params=uuid,resident-on` };
}
