/**
 * The names an operator reads where a driver's message names an object by its id. Drivers work on
 * inventory ids ("xen:6f1c…", "hv:0b2e…"), and their messages say what failed in those terms; the
 * plan the operation runs knows each VM's name, so a step's error is recorded with the names.
 */
import type { Inventory } from './inventory';
import type { OperationPlan } from './plan-types';
import { pointTimeOf } from './point-plan';

/** Each VM the plan names, by id: the VMs it captures or restores, and those a restore stops or rolls back. */
export function vmNamesOfPlan(plan: OperationPlan): Map<string, string> {
  const names = new Map<string, string>();
  const add = (vms: readonly { vmId: string; vmName?: string }[] | undefined) => {
    // A plan stored by an earlier version may lack a list or a name: nothing to name then.
    for (const vm of vms ?? []) if (vm.vmName) names.set(vm.vmId, vm.vmName);
  };
  if (plan.kind === 'backup') add(plan.vms);
  else if (plan.kind === 'restore') {
    add([plan]);
    add(plan.collateral);
    add(plan.stoppedVms);
  } else add([plan]);
  return names;
}

/** Steps that take a snapshot: their `snapshotId` is chosen by the plan, and means nothing to an operator. */
const SNAPSHOT_STEP_KINDS: ReadonlySet<string> = new Set(['vss-snapshot', 'xen-snapshot', 'array-snapshot']);

/**
 * Each snapshot a backup plan takes, by id, named by the step that takes it ("release of snapshot
 * 01JF…" → "release of snapshot 'Hyper-V VSS snapshot of sql01'"). A restore's snapshot was taken
 * by an earlier operation: its id stays (the restore's VM and point are named in its own words).
 */
export function snapshotNamesOfPlan(plan: OperationPlan): Map<string, string> {
  const names = new Map<string, string>();
  if (plan.kind !== 'backup') return names;
  for (const step of plan.steps) {
    const { snapshotId } = step.params as { snapshotId?: unknown };
    if (SNAPSHOT_STEP_KINDS.has(step.kind) && typeof snapshotId === 'string')
      names.set(snapshotId, step.title);
  }
  return names;
}

/**
 * The stored point a restore, a verify or a delete reads, by id, named by its VM and when it was
 * taken ("restore point 0191… is corrupt" → "restore point 'sql01, 2026-03-01 10:05 UTC' is
 * corrupt"). A restore plan stored before it kept the point's VM and time has nothing to name it by.
 */
export function pointNamesOfPlan(plan: OperationPlan): Map<string, string> {
  const names = new Map<string, string>();
  if (plan.kind === 'backup' || plan.vmName === undefined || plan.pointCreatedAt === undefined) return names;
  // On a failure's path: a stored time that does not parse leaves the id, rather than throw.
  if (Number.isNaN(new Date(plan.pointCreatedAt).getTime())) return names;
  names.set(plan.restorePointId, `${plan.vmName}, ${pointTimeOf(plan.pointCreatedAt)}`);
  return names;
}

/**
 * Each named object of `inventory` by id: hosts, host volumes and SRs, VMs, their disks, arrays,
 * LUNs and consistency groups (what a driver's message may name by id). Guest volumes are left
 * out: their ids are the VM's id and a mount point, and a message names the mount point itself.
 */
export function namesInInventory(inventory: Inventory): Map<string, string> {
  const names = new Map<string, string>();
  for (const section of [
    inventory.hosts,
    inventory.hostVolumes,
    inventory.vms,
    inventory.virtualDisks,
    inventory.arrays,
    inventory.arrayVolumes,
    inventory.consistencyGroups,
  ] as const) {
    for (const object of section) names.set(object.id, object.name);
  }
  return names;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `message` with each id of `names` that stands alone replaced by its name in quotes
 * ("restore of xen:6f1c… failed" → "restore of 'sql01' failed"). An id is replaced only where it
 * is not part of a longer one or of a path: "vm-1" in "vm-10", "vm-1:disk0" or "lab/vm-1/os.img"
 * stays; a full stop or a colon after it does not count.
 */
export function withNamesForIds(message: string, names: ReadonlyMap<string, string>): string {
  // An id that is its name (the lab's) already reads as one.
  const ids = [...names.keys()].filter((id) => id !== '' && names.get(id) !== id && message.includes(id));
  if (ids.length === 0) return message;
  ids.sort((a, b) => b.length - a.length);
  // A ':' or '.' between word characters continues an id ("vm-1:disk0", "vm-1.vhdx"); before a
  // space or at the end it is punctuation ("restore of xen:6f1c: VM is running"). An id beside a
  // '/' or '\' is a segment of a path, which names a file, not the VM.
  const pattern = new RegExp(
    `(?<![\\w/\\\\-]|\\w[:.])(?:${ids.map(escapeRegExp).join('|')})(?![\\w/\\\\-]|[:.]\\w)`,
    'g',
  );
  return message.replace(pattern, (id) => `'${names.get(id)}'`);
}
