/**
 * What a full read of one host changes in its VMs' gone marks, in both dialects (markGoneVms): a
 * stored VM the read did not list is gone, one marked gone that it lists again is back.
 *
 * A VM an operation created after the read began (a restore as a new VM, recorded with its time in
 * operation_created_vms) is neither: the read could not have listed it, and marking it gone would
 * show the operator a VM that was just restored as gone until the next sync.
 */
export interface StoredVmPresence {
  id: string;
  name: string;
  goneSince: Date | null;
  /** When an operation recorded the VM it created; null for a VM a sync or an import brought. */
  recordedAt: Date | null;
}

export interface PresenceChanges {
  gone: { id: string; name: string }[];
  reappeared: { id: string; name: string }[];
}

export function presenceChanges(
  stored: readonly StoredVmPresence[],
  seenVmIds: readonly string[],
  readStartedAt: Date,
): PresenceChanges {
  const seen = new Set(seenVmIds);
  const named = ({ id, name }: StoredVmPresence) => ({ id, name });
  return {
    gone: stored
      .filter(
        (vm) =>
          !seen.has(vm.id) &&
          vm.goneSince === null &&
          (vm.recordedAt === null || vm.recordedAt.getTime() < readStartedAt.getTime()),
      )
      .map(named),
    reappeared: stored.filter((vm) => seen.has(vm.id) && vm.goneSince !== null).map(named),
  };
}
