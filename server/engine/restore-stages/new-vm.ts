/**
 * The VM a restore as a new VM creates, described for the inventory before anything runs: where
 * it lands (the host volume the operator chose, by default where the VM's disks are now), whether it
 * is powered on, and its disks and guest volumes (copies of the ones the point holds). The runner
 * writes the disks there and adds this VM to the inventory, so it appears with the others.
 */
import type { GuestVolume, InventoryIndex, VirtualDisk, Vm } from '../inventory';
import { HYPERVISOR_LABELS } from '../words';
import type { RestorePlanContext, RestorePlanRequest, Verdict } from './model';

export interface NewVmDisk {
  /** The disk of the point the new disk is restored from. */
  fromDiskId: string;
  disk: VirtualDisk;
}

export interface NewVmPlacement {
  vm: Vm;
  hostVolumeId: string;
  disks: NewVmDisk[];
  guestVolumes: GuestVolume[];
}

/** The host volume a new VM lands on: the operator's choice, else where the VM's first held disk is. */
function targetVolumeId(sourceDisks: VirtualDisk[], request: RestorePlanRequest): string | null {
  if (request.targetHostVolumeId) return request.targetHostVolumeId;
  return sourceDisks.find((disk) => disk.hostVolumeId !== null)?.hostVolumeId ?? null;
}

/**
 * Describes the new VM of an as-new restore. Null for other modes, and when the inventory can no
 * longer describe it (the source VM or the point's disks are gone from it): the restore still runs,
 * to the driver's default place, but the new VM is not listed until the next import. A chosen
 * volume that does not exist, or sits on another kind of hypervisor, is a blocker.
 */
export function placeNewVm(
  index: InventoryIndex,
  source: { vm: Vm | undefined; heldDiskIds: string[]; newVmName: string | null },
  request: RestorePlanRequest,
  context: Pick<RestorePlanContext, 'newId'>,
  verdict: Verdict,
): NewVmPlacement | null {
  if (request.mode !== 'as-new' || source.newVmName === null || !source.vm) return null;
  const sourceVm = source.vm;
  const sourceDisks = (index.disksByVm.get(sourceVm.id) ?? []).filter((disk) =>
    source.heldDiskIds.includes(disk.id),
  );
  const volumeId = targetVolumeId(sourceDisks, request);
  const volume = volumeId ? index.hostVolumesById.get(volumeId) : undefined;
  const host = volume ? index.hostsById.get(volume.hostId) : undefined;
  if (request.targetHostVolumeId && (!volume || !host)) {
    verdict.blockedReasons.push('The volume chosen for the new VM no longer exists; choose another');
    return null;
  }
  if (!volume || !host || sourceDisks.length === 0) return null;
  const sourceHost = index.hostsById.get(sourceVm.hostId);
  if (sourceHost && sourceHost.kind !== host.kind) {
    verdict.blockedReasons.push(
      `${volume.name} on ${host.name} is a ${HYPERVISOR_LABELS[host.kind]} volume; ${sourceVm.name} is a ${HYPERVISOR_LABELS[sourceHost.kind]} VM: choose a volume of a ${HYPERVISOR_LABELS[sourceHost.kind]} host`,
    );
    return null;
  }
  const vmId = `vm-${context.newId()}`;
  const disks = sourceDisks.map((disk, i) => ({
    fromDiskId: disk.id,
    disk: {
      ...disk,
      id: `${vmId}-disk-${i + 1}`,
      vmId,
      // A pass-through disk comes back as a virtual disk on the chosen volume.
      kind: disk.kind === 'passthrough' ? (host.kind === 'xenserver' ? 'vdi' : 'vhdx') : disk.kind,
      hostVolumeId: volume.id,
      arrayVolumeId: null,
    } satisfies VirtualDisk,
  }));
  const newDiskIdOf = new Map(disks.map((entry) => [entry.fromDiskId, entry.disk.id]));
  const guestVolumes = index.inventory.guestVolumes
    .filter((guest) => guest.vmId === sourceVm.id && guest.diskId !== null && newDiskIdOf.has(guest.diskId))
    .map((guest, i) => ({
      ...guest,
      id: `${vmId}-volume-${i + 1}`,
      vmId,
      diskId: newDiskIdOf.get(guest.diskId as string) ?? null,
    }));
  return {
    vm: {
      ...sourceVm,
      id: vmId,
      name: source.newVmName,
      hostId: host.id,
      powerState: request.powerOnAfterRestore ? 'running' : 'off',
      // The source's unread state is not the new VM's: the runner records what its host answers.
      powerStateUnknown: null,
      snapshotLocationVolumeId: null,
      // A copy of a VM its host deleted is itself present: it does not inherit the source's gone mark.
      goneSince: null,
    },
    hostVolumeId: volume.id,
    disks,
    guestVolumes,
  };
}
