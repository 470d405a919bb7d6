/**
 * When a job's "Keep a memory checkpoint on the pool" cannot give a VM one (CONNECTORS.md §1.3–1.4).
 * `VM.checkpoint` saves the disks and the RAM of a running Xen VM into a snapshot kept on its pool:
 * - a VM not managed through XAPI has no pool to keep one (XS-CHECKPOINT-NOT-XEN);
 * - a VM that is not running has no memory to save: xapi answers VM_BAD_POWER_STATE
 *   (XS-CHECKPOINT-VM-NOT-RUNNING);
 * - a checkpoint snapshots every disk, so an SR whose driver lacks VDI_SNAPSHOT refuses it
 *   (SR_OPERATION_NOT_SUPPORTED; XS-CHECKPOINT-SR-NO-SNAPSHOT);
 * - the RAM image goes to the VM's suspend SR (its suspend_SR, else the pool's suspend_image_SR, else
 *   its host's suspend_image_sr; xapi's choose_suspend_sr): an SR with less free space than the VM's
 *   memory refuses it (SR_FULL; XS-CHECKPOINT-SUSPEND-SR-FULL), and none at all is VM_NO_SUSPEND_SR
 *   (XS-CHECKPOINT-NO-SUSPEND-SR, only when the VM's memory was read, and SR_FULL only when the SR's
 *   free space was: unread facts are not a finding).
 * CONNECTORS.md names no guest requirement (PV drivers) for a checkpoint, so none is invented here.
 * Each is a warning: the job's backup of the VM still runs, only its checkpoint is left out (said in
 * the plan), and the next run takes one once the VM can have it. Pure: reads the inventory only.
 */
import type { InventoryIndex } from '../inventory';
import type { BackupMethod, Finding, ObjectRef } from '../types';
import { flat } from './wording';

const XEN_METHODS: ReadonlySet<BackupMethod> = new Set(['xen-snapshot', 'xen-quiesced']);

/** The findings that leave a VM's memory checkpoint out; empty when it can be taken. */
export function checkpointFindings(index: InventoryIndex, vmId: string, method: BackupMethod): Finding[] {
  const vm = index.vmsById.get(vmId);
  if (!vm) return [];
  const host = index.hostsById.get(vm.hostId);
  const vmRef: ObjectRef = { kind: 'vm', id: vm.id, name: vm.name };
  const finding = (
    ruleId: Finding['ruleId'],
    message: string,
    remedy: string,
    objects = [vmRef],
  ): Finding => ({
    ruleId,
    severity: 'warning',
    vmId: vm.id,
    methods: [method],
    message,
    remedy,
    objects,
  });
  if (host?.kind !== 'xenserver' || !XEN_METHODS.has(method)) {
    return [
      finding(
        'XS-CHECKPOINT-NOT-XEN',
        flat`VM '${vm.name}' is not backed up by a XenServer snapshot, so no memory checkpoint can be kept on a pool for it; its backup runs without one.`,
        flat`Back '${vm.name}' up with xen-snapshot on its XenServer pool, or leave it out of a job that keeps memory checkpoints.`,
      ),
    ];
  }
  const findings: Finding[] = [];
  if (vm.powerState !== 'running') {
    findings.push(
      finding(
        'XS-CHECKPOINT-VM-NOT-RUNNING',
        flat`VM '${vm.name}' is ${vm.powerState === 'off' ? 'halted' : vm.powerState}: it has nothing in memory to checkpoint, so this run keeps no memory checkpoint of it (its disk backup still runs).`,
        flat`Start '${vm.name}' before the job runs if its memory state should be kept; a halted VM's disk backup is already file-system consistent.`,
      ),
    );
  }
  const seen = new Set<string>();
  for (const disk of index.disksByVm.get(vm.id) ?? []) {
    const volume = disk.hostVolumeId ? index.hostVolumesById.get(disk.hostVolumeId) : undefined;
    if (volume?.kind !== 'sr' || volume.canSnapshot !== false || seen.has(volume.id)) continue;
    seen.add(volume.id);
    findings.push(
      finding(
        'XS-CHECKPOINT-SR-NO-SNAPSHOT',
        flat`Storage repository '${volume.name}' cannot snapshot virtual disks (its storage driver lacks VDI_SNAPSHOT) and holds disks of VM '${vm.name}': the pool refuses a memory checkpoint of it.`,
        flat`Move the disks of '${vm.name}' to an SR whose driver can snapshot (\`xe vdi-pool-migrate\`, or Move VDI in XenCenter / Xen Orchestra).`,
        [vmRef, { kind: 'host-volume', id: volume.id, name: volume.name }],
      ),
    );
  }
  findings.push(...suspendSrFindings(index, vm, finding));
  return findings;
}

type MakeFinding = (
  ruleId: Finding['ruleId'],
  message: string,
  remedy: string,
  objects?: ObjectRef[],
) => Finding;

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(bytes < 1024 ** 3 ? 2 : 1)} GiB`;
}

/** Where the checkpoint's RAM image would go, and whether it fits there. */
function suspendSrFindings(
  index: InventoryIndex,
  vm: NonNullable<ReturnType<InventoryIndex['vmsById']['get']>>,
  finding: MakeFinding,
): Finding[] {
  if (vm.memoryBytes === null || vm.memoryBytes === undefined) return [];
  const vmRef: ObjectRef = { kind: 'vm', id: vm.id, name: vm.name };
  if (!vm.suspendSrVolumeId) {
    return [
      finding(
        'XS-CHECKPOINT-NO-SUSPEND-SR',
        flat`No storage repository is set for the memory image of VM '${vm.name}' (no suspend SR of the VM, the pool or its host that its host can reach): the pool refuses a memory checkpoint of it (VM_NO_SUSPEND_SR).`,
        flat`Set the pool's suspend image SR (\`xe pool-param-set suspend-image-SR=<sr-uuid>\`) or the VM's (\`xe vm-param-set suspend-SR-uuid=<sr-uuid>\`).`,
      ),
    ];
  }
  const sr = index.hostVolumesById.get(vm.suspendSrVolumeId);
  // An SR whose free space was not read is, like a VM's unread memory, no finding (see above).
  if (!sr || sr.freeBytes === null || sr.freeBytes >= vm.memoryBytes) return [];
  return [
    finding(
      'XS-CHECKPOINT-SUSPEND-SR-FULL',
      flat`Storage repository '${sr.name}', where the memory image of VM '${vm.name}' goes, has ${gib(sr.freeBytes)} free, less than its ${gib(vm.memoryBytes)} of memory: the pool would refuse the memory checkpoint (SR_FULL).`,
      flat`Free space on '${sr.name}', or point '${vm.name}' at an SR with room (\`xe vm-param-set suspend-SR-uuid=<sr-uuid>\`).`,
      [vmRef, { kind: 'host-volume', id: sr.id, name: sr.name }],
    ),
  ];
}
