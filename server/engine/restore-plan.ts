/**
 * Restore plans and their blast radius (docs/domain.md §8, issue 3 §1).
 *
 * `planRestore` turns a restore point and a mode into the steps the runner executes, and says
 * before anything runs what the restore will destroy: the other VMs a volume revert rolls back
 * (and how much of their work is lost), the newer points a revert discards, a missing
 * pass-through disk, a crash-consistent point. Destructive modes require the operator to type
 * the name of what they destroy; without it the plan is not runnable.
 *
 * Every side effect is preceded by `verify-point`: no live data is overwritten from a point
 * whose stored data no longer matches its manifest.
 */
import type { VolumeRef } from './driver';
import type { InventoryIndex, VirtualDisk } from './inventory';
import {
  type CollateralVm,
  lockKeyForArrayVolume,
  lockKeyForHostVolume,
  lockKeyForVm,
  type PlanStep,
  type RestoreMode,
  type RestorePlan,
} from './plan-types';
import { listRestoreModes, type RestorePointSummary, volumeOfPoint } from './restore-points';
import { makeStep } from './step-params';
import type { Finding, ObjectRef } from './types';

export interface RestoreRequestInput {
  restorePointId: string;
  mode: RestoreMode;
  /** Required for as-new; for staged it copies the VM out as a new VM instead of replacing it. */
  newVmName?: string;
  /** What the operator typed to confirm a destructive mode. */
  confirmation?: string;
}

export interface RestorePlanContext {
  now: Date;
  /**
   * Every known point captured on the same volume (volume-revert / staged) or of the same VM
   * (other modes), any age, the point itself included or not. Siblings of one capture and
   * newer points are found here.
   */
  pointsOnSameScope: RestorePointSummary[];
  newId: () => string;
}

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

/** True when `text` is the confirmation the plan asks for (exact, ignoring surrounding spaces). */
export function isConfirmationValid(
  plan: Pick<RestorePlan, 'confirmationText'>,
  text: string | undefined,
): boolean {
  if (plan.confirmationText === null) return true;
  return text !== undefined && text.trim() === plan.confirmationText;
}

function vmRef(index: InventoryIndex, vmId: string, fallbackName?: string): ObjectRef {
  return { kind: 'vm', id: vmId, name: index.vmsById.get(vmId)?.name ?? fallbackName ?? vmId };
}

function joinNames(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function isPoweredOn(index: InventoryIndex, vmId: string): boolean {
  const state = index.vmsById.get(vmId)?.powerState;
  return state === 'running' || state === 'paused';
}

/** The volume of the given kind a disk lives on (its host volume, or the LUN behind it / presented to the VM). */
function volumeOfDisk(index: InventoryIndex, disk: VirtualDisk, kind: VolumeRef['kind']): string | null {
  if (kind === 'host-volume') return disk.hostVolumeId;
  if (disk.hostVolumeId) return index.hostVolumesById.get(disk.hostVolumeId)?.arrayVolumeId ?? null;
  return disk.arrayVolumeId;
}

interface VolumeFacts {
  ref: VolumeRef;
  name: string;
  vmIds: string[];
  hostVolumeIds: string[];
  arrayVolumeIds: string[];
}

function describeVolume(index: InventoryIndex, ref: VolumeRef): VolumeFacts {
  if (ref.kind === 'host-volume') {
    const volume = index.hostVolumesById.get(ref.id);
    const host = volume ? index.hostsById.get(volume.hostId) : undefined;
    return {
      ref,
      name: volume ? (host ? `${volume.name} on ${host.name}` : volume.name) : ref.id,
      vmIds: index.vmIdsByHostVolume.get(ref.id) ?? [],
      hostVolumeIds: [ref.id],
      arrayVolumeIds: volume?.arrayVolumeId ? [volume.arrayVolumeId] : [],
    };
  }
  const volume = index.arrayVolumesById.get(ref.id);
  return {
    ref,
    name: volume?.name ?? ref.id,
    vmIds: index.vmIdsByArrayVolume.get(ref.id) ?? [],
    hostVolumeIds: index.inventory.hostVolumes.filter((hv) => hv.arrayVolumeId === ref.id).map((hv) => hv.id),
    arrayVolumeIds: [ref.id],
  };
}

/** The text an operator must type: the volume name for a volume revert, the VM name when a VM is replaced. */
function confirmationFor(
  mode: RestoreMode,
  point: RestorePointSummary,
  index: InventoryIndex,
  isCopyOutInPlace: boolean,
): string | null {
  const vmName = index.vmsById.get(point.vmId)?.name ?? point.vmName;
  switch (mode) {
    case 'as-new':
      return null;
    case 'staged':
      return isCopyOutInPlace ? vmName : null;
    case 'in-place':
    case 'snapshot-revert':
      return vmName;
    case 'volume-revert': {
      const ref = volumeOfPoint(point);
      if (!ref) return null;
      return ref.kind === 'host-volume'
        ? (index.hostVolumesById.get(ref.id)?.name ?? ref.id)
        : (index.arrayVolumesById.get(ref.id)?.name ?? ref.id);
    }
  }
}

export function planRestore(
  index: InventoryIndex,
  point: RestorePointSummary,
  request: RestoreRequestInput,
  context: RestorePlanContext,
): RestorePlan {
  const findings: Finding[] = [];
  const blockedReasons: string[] = [];
  const steps: PlanStep[] = [];
  const collateral: CollateralVm[] = [];
  let discardedPointIds: string[] = [];
  const { mode } = request;
  const vm = index.vmsById.get(point.vmId);
  const vmName = vm?.name ?? point.vmName;
  const methods = [point.method];
  const pointRef: ObjectRef = {
    kind: 'restore-point',
    id: point.id,
    name: `${vmName} @ ${point.createdAt.toISOString()}`,
  };
  const newVmName = request.newVmName?.trim() || null;

  if (request.restorePointId !== point.id) {
    blockedReasons.push(
      `The request names restore point ${request.restorePointId}, but point ${point.id} was given`,
    );
  }
  const modeOption = listRestoreModes(point, index).find((option) => option.mode === mode);
  if (!modeOption?.isAvailable) {
    blockedReasons.push(`${mode} is not available for this point: ${modeOption?.reason ?? 'unknown mode'}`);
  }

  const isCopyOutInPlace = mode === 'staged' && newVmName === null;
  const replacesVm = mode === 'in-place' || mode === 'snapshot-revert' || isCopyOutInPlace;
  if (mode === 'as-new' && newVmName === null) blockedReasons.push('Name the new VM');
  if (newVmName !== null && (mode === 'as-new' || mode === 'staged')) {
    const clash = index.inventory.vms.find((other) => other.name.toLowerCase() === newVmName.toLowerCase());
    if (clash)
      blockedReasons.push(
        `A VM named "${clash.name}" already exists; choose another name for the restored VM`,
      );
  }
  if (replacesVm && !vm) {
    blockedReasons.push(`VM ${vmName} no longer exists; restore it as a new VM`);
  }

  // ---- findings that hold for every mode ----
  if (point.consistency === 'crash') {
    findings.push({
      ruleId: 'RESTORE-CRASH-CONSISTENT',
      severity: 'warning',
      vmId: point.vmId,
      methods,
      message: `The point of ${vmName} is crash-consistent${point.consistencyReason ? ` (${point.consistencyReason})` : ''}: its applications will run crash recovery on first start`,
      remedy:
        'Prefer an application-consistent point if one is recent enough; otherwise check application logs after the restore.',
      objects: [vmRef(index, point.vmId, point.vmName), pointRef],
    });
  }
  if (point.missingDiskIds.length > 0) {
    const disks = index.disksByVm.get(point.vmId) ?? [];
    const missingRefs: ObjectRef[] = point.missingDiskIds.map((id) => ({
      kind: 'disk',
      id,
      name: disks.find((disk) => disk.id === id)?.name ?? id,
    }));
    findings.push({
      ruleId: 'RESTORE-PASSTHROUGH-MISSING',
      severity: 'warning',
      vmId: point.vmId,
      methods,
      message: `The point does not hold ${joinNames(missingRefs.map((ref) => ref.name))} of ${vmName} (pass-through): ${missingRefs.length === 1 ? 'that disk is' : 'those disks are'} not restored`,
      remedy: 'Restore the pass-through disk from a guest-agent point of this VM taken around the same time.',
      objects: [vmRef(index, point.vmId, point.vmName), ...missingRefs],
    });
  }
  if (replacesVm && vm && isPoweredOn(index, vm.id)) {
    findings.push({
      ruleId: 'RESTORE-VM-RUNNING',
      severity: 'blocker',
      vmId: vm.id,
      methods,
      message: `VM ${vm.name} is ${vm.powerState}; ${mode === 'staged' ? 'copying it back in place' : `an ${mode} restore`} would overwrite a live VM`,
      remedy: `Shut down ${vm.name} first (Stop-VM -Name '${vm.name}' on Hyper-V, xe vm-shutdown vm=${vm.name} on XenServer), or restore it as a new VM.`,
      objects: [vmRef(index, vm.id)],
    });
  }

  // ---- scope of the restore: what it locks and which siblings it uses ----
  const volumeRef = mode === 'volume-revert' || mode === 'staged' ? volumeOfPoint(point) : null;
  const volume = volumeRef ? describeVolume(index, volumeRef) : null;
  const siblingPoints =
    volume && point.snapshotId
      ? context.pointsOnSameScope.filter(
          (other) =>
            other.id !== point.id &&
            other.snapshotId === point.snapshotId &&
            volume.vmIds.includes(other.vmId),
        )
      : [];
  const capturePointIds = [point.id, ...siblingPoints.map((other) => other.id)];
  const lockedVmIds = new Set<string>([point.vmId]);
  const hostVolumeIds = new Set<string>();
  const arrayVolumeIds = new Set<string>();

  if (mode === 'volume-revert' && volume) {
    for (const vmId of volume.vmIds) lockedVmIds.add(vmId);
    for (const id of volume.hostVolumeIds) hostVolumeIds.add(id);
    for (const id of volume.arrayVolumeIds) arrayVolumeIds.add(id);
    const dataLossMs = Math.max(0, context.now.getTime() - point.createdAt.getTime());
    const others = volume.vmIds.filter((vmId) => vmId !== point.vmId);
    for (const vmId of others) {
      collateral.push({ vmId, vmName: index.vmsById.get(vmId)?.name ?? vmId, dataLossMs });
    }
    if (collateral.length > 0) {
      findings.push({
        ruleId: 'RESTORE-VOLUME-COLLATERAL',
        severity: 'warning',
        vmId: point.vmId,
        methods,
        message: `Reverting ${volume.name} also rolls back ${collateral.length === 1 ? 'VM' : `${collateral.length} VMs`} ${joinNames(collateral.map((c) => c.vmName))}: each loses ${formatDuration(dataLossMs)} of changes (since ${point.createdAt.toISOString()})`,
        remedy: `Use a staged restore to bring back only ${vmName} and leave the other VMs untouched.`,
        objects: collateral.map((c) => vmRef(index, c.vmId, c.vmName)),
      });
    }
    const capturedVmIds = new Set([point.vmId, ...siblingPoints.map((other) => other.vmId)]);
    const withoutData = others.filter((vmId) => !capturedVmIds.has(vmId));
    if (withoutData.length > 0) {
      const names = joinNames(withoutData.map((vmId) => vmRef(index, vmId).name));
      blockedReasons.push(
        `${names} ${withoutData.length === 1 ? 'has' : 'have'} no data in this capture of ${volume.name} (placed there later, or ${withoutData.length === 1 ? 'its point was' : 'their points were'} deleted): reverting the volume would destroy ${withoutData.length === 1 ? 'it' : 'them'}. Use a staged restore.`,
      );
    }
    // A VM whose disks also live on another volume would come back half old, half new (data
    // reverted, logs not): no application survives that, so the revert refuses instead.
    const split = volume.vmIds.filter((vmId) =>
      (index.disksByVm.get(vmId) ?? []).some((disk) => {
        const where = volumeOfDisk(index, disk, volume.ref.kind);
        return where !== null && where !== volume.ref.id;
      }),
    );
    if (split.length > 0) {
      const names = joinNames(split.map((vmId) => vmRef(index, vmId).name));
      blockedReasons.push(
        `${names} also ${split.length === 1 ? 'has' : 'have'} disks outside ${volume.name}: reverting only ${volume.name} would leave ${split.length === 1 ? 'it' : 'them'} inconsistent. Use a staged restore or restore as a new VM.`,
      );
    }
    const running = volume.vmIds.filter((vmId) => isPoweredOn(index, vmId));
    if (running.length > 0) {
      findings.push({
        ruleId: 'RESTORE-VM-RUNNING',
        severity: 'warning',
        vmId: point.vmId,
        methods,
        message: `${joinNames(running.map((vmId) => vmRef(index, vmId).name))} ${running.length === 1 ? 'is' : 'are'} running on ${volume.name}; the revert stops ${running.length === 1 ? 'it' : 'them'} and leaves ${running.length === 1 ? 'it' : 'them'} off`,
        remedy: 'Shut the VMs down cleanly before the revert, or plan the downtime with their owners.',
        objects: running.map((vmId) => vmRef(index, vmId)),
      });
    }
  }

  // ---- newer points a revert makes meaningless ----
  if (mode === 'volume-revert' || mode === 'snapshot-revert') {
    const newer = context.pointsOnSameScope.filter(
      (other) =>
        other.id !== point.id &&
        other.createdAt.getTime() > point.createdAt.getTime() &&
        (mode === 'snapshot-revert'
          ? other.vmId === point.vmId && other.method === point.method
          : volume !== null && volumeOfPoint(other)?.id === volume.ref.id),
    );
    discardedPointIds = newer
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .map((other) => other.id);
    if (newer.length > 0) {
      findings.push({
        ruleId: 'RESTORE-NEWER-POINTS',
        severity: 'warning',
        vmId: point.vmId,
        methods,
        message: `Reverting discards ${newer.length} newer ${newer.length === 1 ? 'point' : 'points'} of ${mode === 'volume-revert' && volume ? volume.name : vmName} (newest ${newer[newer.length - 1].createdAt.toISOString()})`,
        remedy: 'Restore as a new VM (or staged) to keep the newer points.',
        objects: newer.map((other) => ({
          kind: 'restore-point',
          id: other.id,
          name: `${other.vmName} @ ${other.createdAt.toISOString()}`,
        })),
      });
    }
  }

  // ---- steps ----
  const base = { vmId: point.vmId, hostVolumeId: null, arrayVolumeId: null, undoes: null } as const;
  const volumeStepBase = {
    vmId: null,
    hostVolumeId: volumeRef?.kind === 'host-volume' ? volumeRef.id : null,
    arrayVolumeId: volumeRef?.kind === 'array-volume' ? volumeRef.id : null,
    undoes: null,
  };
  const verifiedIds = mode === 'volume-revert' || mode === 'staged' ? capturePointIds : [point.id];
  steps.push(
    makeStep({
      ...base,
      key: 'verify-point',
      kind: 'verify-point',
      title: `Verify the stored data of ${verifiedIds.length === 1 ? 'the restore point' : `${verifiedIds.length} restore points`}`,
      params: { restorePointIds: verifiedIds },
    }),
  );
  const restoreStepKeys: string[] = [];
  if (replacesVm) {
    steps.push(
      makeStep({
        ...base,
        key: 'power-off-check',
        kind: 'power-off-check',
        title: `Check that ${vmName} is powered off`,
        params: { vmIds: [point.vmId] },
      }),
    );
  }
  switch (mode) {
    case 'in-place':
    case 'snapshot-revert':
    case 'as-new': {
      const target = mode === 'as-new' ? 'as-new' : 'in-place';
      steps.push(
        makeStep({
          ...base,
          key: 'restore-disks',
          kind: 'restore-disks',
          title:
            mode === 'as-new'
              ? `Restore ${vmName} as new VM ${newVmName ?? '(unnamed)'}`
              : mode === 'snapshot-revert'
                ? `Revert ${vmName} to the snapshot`
                : `Restore ${vmName} in place`,
          params: { restorePointId: point.id, target, newVmName: mode === 'as-new' ? newVmName : null },
        }),
      );
      restoreStepKeys.push('restore-disks');
      break;
    }
    case 'volume-revert': {
      if (volumeRef && volume) {
        steps.push(
          makeStep({
            ...volumeStepBase,
            key: 'revert-volume',
            kind: 'revert-volume',
            title: `Revert ${volume.name} (${volume.vmIds.length} VMs)`,
            params: { volume: volumeRef, restorePointIds: capturePointIds, vmIds: [...volume.vmIds] },
          }),
        );
        restoreStepKeys.push('revert-volume');
      }
      break;
    }
    case 'staged': {
      if (volumeRef && volume) {
        const stagingId = context.newId();
        steps.push(
          makeStep({
            ...volumeStepBase,
            key: 'stage-volume',
            kind: 'stage-volume',
            title: `Restore ${volume.name} to a scratch area`,
            params: { stagingId, volume: volumeRef, restorePointIds: capturePointIds },
          }),
          makeStep({
            ...base,
            key: 'copy-out-vm',
            kind: 'copy-out-vm',
            title: isCopyOutInPlace
              ? `Copy ${vmName} back in place`
              : `Copy ${vmName} out as new VM ${newVmName}`,
            params: {
              stagingId,
              restorePointId: point.id,
              target: isCopyOutInPlace ? 'in-place' : 'as-new',
              newVmName: isCopyOutInPlace ? null : newVmName,
            },
          }),
          makeStep({
            ...volumeStepBase,
            key: 'discard-staging',
            kind: 'discard-staging',
            title: 'Discard the scratch area',
            undoes: 'stage-volume',
            params: { stagingId },
          }),
        );
        restoreStepKeys.push('copy-out-vm');
      }
      break;
    }
  }
  steps.push(
    makeStep({
      ...base,
      key: 'verify-restored',
      kind: 'verify-restored',
      title: 'Verify the restored data against the manifest',
      params: { restoreStepKeys },
    }),
  );
  if (discardedPointIds.length > 0) {
    steps.push(
      makeStep({
        ...(mode === 'volume-revert' ? volumeStepBase : base),
        key: 'discard-newer-points',
        kind: 'discard-newer-points',
        title: `Discard ${discardedPointIds.length} newer ${discardedPointIds.length === 1 ? 'point' : 'points'}`,
        params: { restorePointIds: discardedPointIds },
      }),
    );
  }

  // ---- confirmation ----
  const confirmationText = confirmationFor(mode, point, index, isCopyOutInPlace);
  if (confirmationText !== null && !isConfirmationValid({ confirmationText }, request.confirmation)) {
    const what = mode === 'volume-revert' ? 'volume' : 'VM';
    blockedReasons.push(
      request.confirmation === undefined || request.confirmation.trim() === ''
        ? `Type the ${what} name "${confirmationText}" to confirm this ${mode} restore`
        : `The confirmation "${request.confirmation.trim()}" does not match the ${what} name "${confirmationText}"`,
    );
  }

  for (const finding of findings) {
    if (finding.severity === 'blocker') blockedReasons.push(finding.message);
  }

  // ---- locks and limits ----
  const hostIds = new Set<string>();
  const arrayIds = new Set<string>();
  for (const vmId of lockedVmIds) {
    const hostId = index.vmsById.get(vmId)?.hostId;
    if (hostId) hostIds.add(hostId);
  }
  if (point.hostVolumeId) {
    const hostId = index.hostVolumesById.get(point.hostVolumeId)?.hostId;
    if (hostId) hostIds.add(hostId);
  }
  for (const id of hostVolumeIds) {
    const arrayVolumeId = index.hostVolumesById.get(id)?.arrayVolumeId;
    if (arrayVolumeId) arrayVolumeIds.add(arrayVolumeId);
  }
  for (const id of arrayVolumeIds) {
    const arrayId = index.arrayVolumesById.get(id)?.arrayId;
    if (arrayId) arrayIds.add(arrayId);
  }
  const lockKeys = [
    ...[...lockedVmIds].sort().map(lockKeyForVm),
    ...[...hostVolumeIds].sort().map(lockKeyForHostVolume),
    ...[...arrayVolumeIds].sort().map(lockKeyForArrayVolume),
  ];

  return {
    kind: 'restore',
    restorePointId: point.id,
    mode,
    vmId: point.vmId,
    steps,
    findings,
    collateral,
    discardedPointIds,
    isRunnable: blockedReasons.length === 0,
    blockedReasons: [...new Set(blockedReasons)],
    lockKeys,
    hostIds: [...hostIds].sort(),
    arrayIds: [...arrayIds].sort(),
    confirmationText,
  };
}
