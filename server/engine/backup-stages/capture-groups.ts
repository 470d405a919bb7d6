/**
 * Stage 3 of a backup plan: capture groups, what one snapshot covers.
 * - hyperv-vss, xen-snapshot, xen-quiesced, guest-agent: one VM.
 * - wsb-volume: a VSS snapshot set over host volumes; every VM with files on them is captured and
 *   gets its own point (WSB cannot capture less than a volume).
 * - array-snapshot: the LUNs behind the VMs' disks, widened to whole consistency groups; every VM
 *   on them is captured and gets a point.
 * Groups are closed under "shares a volume": a VM pulled in brings its other volumes along, so
 * every point a group catalogues is complete. A VM pulled into a group without an explicit method
 * of its own joins the group's method; one explicitly asked with another method is a blocker (it
 * cannot be captured twice by one operation).
 */
import type { InventoryIndex } from '../inventory';
import type { BackupMethod } from '../types';
import { METHOD_IN_SENTENCE } from '../words';
import { type Assignment, type CaptureGroup, isGone, type PlanningInput, quote, type Verdict } from './model';

const VOLUME_METHODS = new Set<BackupMethod>(['wsb-volume', 'array-snapshot']);

/** Host volumes holding a VM's files (its VHDs and its checkpoint location). */
export function hostVolumeIdsOfVm(index: InventoryIndex, vmId: string): string[] {
  const ids = new Set<string>();
  for (const disk of index.disksByVm.get(vmId) ?? []) if (disk.hostVolumeId) ids.add(disk.hostVolumeId);
  const snapshotVolumeId = index.vmsById.get(vmId)?.snapshotLocationVolumeId;
  if (snapshotVolumeId) ids.add(snapshotVolumeId);
  return [...ids];
}

/** LUNs behind a VM's disks (through a host volume or presented straight), widened to whole consistency groups. */
export function arrayVolumeIdsOfVm(index: InventoryIndex, vmId: string): string[] {
  const ids = new Set<string>();
  for (const disk of index.disksByVm.get(vmId) ?? []) {
    const behindHostVolume = disk.hostVolumeId
      ? index.hostVolumesById.get(disk.hostVolumeId)?.arrayVolumeId
      : null;
    if (behindHostVolume) ids.add(behindHostVolume);
    if (disk.arrayVolumeId) ids.add(disk.arrayVolumeId);
  }
  for (const id of [...ids]) {
    const groupId = index.arrayVolumesById.get(id)?.consistencyGroupId;
    if (!groupId) continue;
    for (const volume of index.inventory.arrayVolumes)
      if (volume.consistencyGroupId === groupId) ids.add(volume.id);
  }
  return [...ids];
}

/** The smallest set of volumes and VMs, from `seedVmIds`, closed under "has files on / holds files of". */
export function closeOverVolumes(
  seedVmIds: string[],
  volumesOfVm: (vmId: string) => string[],
  vmsOnVolume: (volumeId: string) => string[],
): { vmIds: string[]; volumeIds: string[] } {
  const vmIds: string[] = [];
  const volumeIds: string[] = [];
  const queue = [...seedVmIds];
  const seenVms = new Set<string>();
  const seenVolumes = new Set<string>();
  while (queue.length > 0) {
    const vmId = queue.shift() as string;
    if (seenVms.has(vmId)) continue;
    seenVms.add(vmId);
    vmIds.push(vmId);
    for (const volumeId of volumesOfVm(vmId)) {
      if (seenVolumes.has(volumeId)) continue;
      seenVolumes.add(volumeId);
      volumeIds.push(volumeId);
      for (const other of vmsOnVolume(volumeId)) if (!seenVms.has(other)) queue.push(other);
    }
  }
  return { vmIds, volumeIds };
}

function volumeGraphOf(index: InventoryIndex, method: 'wsb-volume' | 'array-snapshot') {
  return method === 'wsb-volume'
    ? {
        volumesOfVm: (vmId: string) => hostVolumeIdsOfVm(index, vmId),
        // A gone VM's files are no longer on the volume: a snapshot of it does not capture the VM.
        vmsOnVolume: (id: string) =>
          (index.vmIdsByHostVolume.get(id) ?? []).filter((vmId) => !isGone(index, vmId)),
      }
    : {
        volumesOfVm: (vmId: string) => arrayVolumeIdsOfVm(index, vmId),
        vmsOnVolume: (id: string) =>
          (index.vmIdsByArrayVolume.get(id) ?? []).filter((vmId) => !isGone(index, vmId)),
      };
}

/**
 * The volume snapshots (wsb-volume first, then array-snapshot), each closed over the VMs it
 * captures. Co-captured VMs are assigned the group's method here (so `assignments` grows).
 */
function formVolumeGroups(
  input: PlanningInput,
  scopeVmIds: string[],
  assignments: Map<string, Assignment>,
  verdict: Verdict,
): CaptureGroup[] {
  const groups: CaptureGroup[] = [];
  const volumeGroupOf = new Map<string, CaptureGroup>();
  for (const method of ['wsb-volume', 'array-snapshot'] as const) {
    const { volumesOfVm, vmsOnVolume } = volumeGraphOf(input.index, method);
    for (const [seedVmId, assignment] of [...assignments]) {
      if (assignment.method !== method || volumeGroupOf.has(seedVmId)) continue;
      const closure = closeOverVolumes([seedVmId], volumesOfVm, vmsOnVolume);
      const group: CaptureGroup = { method, vmIds: [], volumeIds: closure.volumeIds };
      for (const vmId of closure.vmIds) {
        const existing = assignments.get(vmId);
        const otherGroup = volumeGroupOf.get(vmId);
        if (otherGroup && otherGroup !== group) {
          verdict.blockedReasons.push(
            `VM ${quote(input.nameOf(vmId))} would be captured twice, by ${METHOD_IN_SENTENCE[otherGroup.method]} and by ${METHOD_IN_SENTENCE[method]}: give the VMs on these volumes one method`,
          );
          continue;
        }
        if (existing && existing.method !== method && existing.isExplicit) {
          verdict.blockedReasons.push(
            `VM ${quote(input.nameOf(vmId))} is asked with ${METHOD_IN_SENTENCE[existing.method]}, but capturing its volume by ${METHOD_IN_SENTENCE[method]} takes it too: choose ${METHOD_IN_SENTENCE[method]} for it, or another method for the VMs it shares volumes with`,
          );
          continue;
        }
        if (!existing || existing.method !== method) {
          assignments.set(vmId, { method, isExplicit: false, isCoCaptured: !scopeVmIds.includes(vmId) });
        }
        volumeGroupOf.set(vmId, group);
        group.vmIds.push(vmId);
      }
      groups.push(group);
    }
  }
  return groups;
}

/** Every capture group of the plan, in the operator's order (a group goes where its first requested VM is). */
export function formCaptureGroups(
  input: PlanningInput,
  scopeVmIds: string[],
  assignments: Map<string, Assignment>,
  verdict: Verdict,
): CaptureGroup[] {
  const groups = formVolumeGroups(input, scopeVmIds, assignments, verdict);
  for (const [vmId, assignment] of assignments) {
    if (!VOLUME_METHODS.has(assignment.method))
      groups.push({ method: assignment.method, vmIds: [vmId], volumeIds: [] });
  }
  const scopePosition = new Map(scopeVmIds.map((vmId, i) => [vmId, i]));
  const groupPosition = (group: CaptureGroup) =>
    Math.min(...group.vmIds.map((vmId) => scopePosition.get(vmId) ?? Number.MAX_SAFE_INTEGER));
  return groups.sort((a, b) => groupPosition(a) - groupPosition(b));
}
