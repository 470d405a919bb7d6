/**
 * The blast radius of a restore, said before anything runs: the other VMs a volume revert rolls
 * back (and how much of their work is lost), VMs it would destroy or leave half reverted, running
 * VMs it stops, and the newer points a revert makes meaningless.
 */
import type { CollateralVm } from '../plan-types';
import { volumeOfPoint } from '../restore-points';
import {
  type BlastRadius,
  isPoweredOn,
  joinNames,
  type RestorePlanContext,
  type RestoreSubject,
  type Verdict,
  type VolumeFacts,
  vmRef,
  volumeOfDisk,
} from './model';

/** Human duration for data-loss messages: "3 d 4 h", "2 h 15 min", "45 s". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  if (minutes > 0) return `${minutes} min`;
  return `${seconds} s`;
}

function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}

/** Every VM on the volume goes back to the point: collateral, VMs without data, split VMs, running VMs. */
function assessVolumeRevert(
  subject: RestoreSubject,
  volume: VolumeFacts,
  context: RestorePlanContext,
  radius: BlastRadius,
  verdict: Verdict,
): void {
  const { index, point, methods, vmName } = subject;
  for (const vmId of volume.vmIds) radius.lockedVmIds.add(vmId);
  for (const id of volume.hostVolumeIds) radius.hostVolumeIds.add(id);
  for (const id of volume.arrayVolumeIds) radius.arrayVolumeIds.add(id);
  const dataLossMs = Math.max(0, context.now.getTime() - point.createdAt.getTime());
  const others = volume.vmIds.filter((vmId) => vmId !== point.vmId);
  const collateral: CollateralVm[] = others.map((vmId) => ({
    vmId,
    vmName: index.vmsById.get(vmId)?.name ?? vmId,
    dataLossMs,
  }));
  radius.collateral.push(...collateral);
  if (collateral.length > 0) {
    verdict.findings.push({
      ruleId: 'RESTORE-VOLUME-COLLATERAL',
      severity: 'warning',
      vmId: point.vmId,
      methods,
      message: `Reverting ${volume.name} also rolls back ${collateral.length === 1 ? 'VM' : `${collateral.length} VMs`} ${joinNames(collateral.map((c) => c.vmName))}: each loses ${formatDuration(dataLossMs)} of changes (since ${point.createdAt.toISOString()})`,
      remedy: `Use a staged restore to bring back only ${vmName} and leave the other VMs untouched.`,
      objects: collateral.map((c) => vmRef(index, c.vmId, c.vmName)),
    });
  }
  const capturedVmIds = new Set([point.vmId, ...subject.siblingPoints.map((other) => other.vmId)]);
  const withoutData = others.filter((vmId) => !capturedVmIds.has(vmId));
  if (withoutData.length > 0) {
    const n = withoutData.length;
    const names = joinNames(withoutData.map((vmId) => vmRef(index, vmId).name));
    verdict.blockedReasons.push(
      `${names} ${plural(n, 'has', 'have')} no data in this capture of ${volume.name} (placed there later, or ${plural(n, 'its point was', 'their points were')} deleted): reverting the volume would destroy ${plural(n, 'it', 'them')}. Use a staged restore.`,
    );
  }
  // A VM whose disks also live on another volume would come back half old, half new (data
  // reverted, logs not): no application survives that, so the revert refuses instead.
  // The LUNs of one consistency group count as one volume: they are reverted together.
  const reverted = new Set(volume.ref.kind === 'host-volume' ? volume.hostVolumeIds : volume.arrayVolumeIds);
  const split = volume.vmIds.filter((vmId) =>
    (index.disksByVm.get(vmId) ?? []).some((disk) => {
      const where = volumeOfDisk(index, disk, volume.ref.kind);
      return where !== null && !reverted.has(where);
    }),
  );
  if (split.length > 0) {
    const n = split.length;
    const names = joinNames(split.map((vmId) => vmRef(index, vmId).name));
    verdict.blockedReasons.push(
      `${names} also ${plural(n, 'has', 'have')} disks outside ${volume.name}: reverting only ${volume.name} would leave ${plural(n, 'it', 'them')} inconsistent. Use a staged restore or restore as a new VM.`,
    );
  }
  const running = volume.vmIds.filter((vmId) => isPoweredOn(index, vmId));
  if (running.length > 0) {
    const n = running.length;
    // A VM whose state was not read is counted as running (planned so for safety), and said to be.
    const unread = running.filter((vmId) => index.vmsById.get(vmId)?.powerStateUnknown);
    const unreadNote =
      unread.length === 0
        ? ''
        : ` (the power state of ${joinNames(unread.map((vmId) => vmRef(index, vmId).name))} was not read: counted as running for safety)`;
    verdict.findings.push({
      ruleId: 'RESTORE-VM-RUNNING',
      severity: 'warning',
      vmId: point.vmId,
      methods,
      message: `${joinNames(running.map((vmId) => vmRef(index, vmId).name))} ${plural(n, 'is', 'are')} running on ${volume.name}${unreadNote}; the revert stops ${plural(n, 'it', 'them')} and leaves ${plural(n, 'it', 'them')} off`,
      remedy: 'Shut the VMs down cleanly before the revert, or plan the downtime with their owners.',
      objects: running.map((vmId) => vmRef(index, vmId)),
    });
  }
  radius.stoppedVms = running.map((vmId) => ({ vmId, vmName: vmRef(index, vmId).name }));
  // Each VM the revert switches off is acknowledged by name, as backup warnings are: a typed
  // volume name alone does not say that the operator saw which running services go down.
  const acknowledged = new Set(subject.request.acknowledgedStoppedVmIds ?? []);
  const unacknowledged = radius.stoppedVms.filter((vm) => !acknowledged.has(vm.vmId));
  if (unacknowledged.length > 0) {
    const n = unacknowledged.length;
    verdict.blockedReasons.push(
      `Acknowledge that the revert stops ${joinNames(unacknowledged.map((vm) => vm.vmName))} (${plural(n, 'it is', 'they are')} running and will be left off)`,
    );
  }
}

/**
 * What the restored VM itself loses: every change since the point, when the restore overwrites it
 * (in place, snapshot revert, staged back in place, or the volume revert that carries it).
 */
function assessTargetLoss(subject: RestoreSubject, context: RestorePlanContext, verdict: Verdict): void {
  const { index, point, vm, mode, methods } = subject;
  if (!vm || !(subject.replacesVm || mode === 'volume-revert')) return;
  const lossMs = Math.max(0, context.now.getTime() - point.createdAt.getTime());
  verdict.findings.push({
    ruleId: 'RESTORE-TARGET-LOSES-CHANGES',
    severity: 'warning',
    vmId: vm.id,
    methods,
    message: `${vm.name} loses every change made since the point: ${formatDuration(lossMs)} of its work (since ${point.createdAt.toISOString()})`,
    remedy: `Restore as a new VM to keep ${vm.name} as it is and copy back only what you need.`,
    objects: [vmRef(index, vm.id)],
  });
}

/** Points newer than the one a volume revert goes back to, on the volume, oldest first. */
function findDiscardedPoints(
  subject: RestoreSubject,
  context: RestorePlanContext,
  verdict: Verdict,
): string[] {
  const { point, mode, volume } = subject;
  // A snapshot revert (to a snapshot kept on the pool) discards nothing: VM.revert leaves the pool's
  // other snapshots of the VM, newer ones included, and its repository points hold their own data.
  if (mode !== 'volume-revert') return [];
  const newer = context.pointsOnSameScope.filter(
    (other) =>
      other.id !== point.id &&
      other.createdAt.getTime() > point.createdAt.getTime() &&
      volume !== null &&
      volumeOfPoint(other)?.id === volume.ref.id,
  );
  newer.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  if (newer.length > 0) {
    verdict.findings.push({
      ruleId: 'RESTORE-NEWER-POINTS',
      severity: 'warning',
      vmId: point.vmId,
      methods: subject.methods,
      message: `Reverting discards ${newer.length} newer ${plural(newer.length, 'point', 'points')} of ${volume ? volume.name : subject.vmName} (newest ${newer[newer.length - 1].createdAt.toISOString()})`,
      remedy: 'Restore as a new VM (or staged) to keep the newer points.',
      objects: newer.map((other) => ({
        kind: 'restore-point',
        id: other.id,
        name: `${other.vmName} @ ${other.createdAt.toISOString()}`,
      })),
    });
  }
  return newer.map((other) => other.id);
}

export function assessBlastRadius(
  subject: RestoreSubject,
  context: RestorePlanContext,
  verdict: Verdict,
): BlastRadius {
  const radius: BlastRadius = {
    collateral: [],
    discardedPointIds: [],
    lockedVmIds: new Set([subject.point.vmId]),
    hostVolumeIds: new Set(),
    arrayVolumeIds: new Set(),
    stoppedVms: [],
  };
  assessTargetLoss(subject, context, verdict);
  if (subject.mode === 'volume-revert' && subject.volume)
    assessVolumeRevert(subject, subject.volume, context, radius, verdict);
  radius.discardedPointIds = findDiscardedPoints(subject, context, verdict);
  return radius;
}
