/**
 * The steps of a restore: one builder per mode between the steps every mode shares. Every side
 * effect is preceded by `verify-point` (no live data is overwritten from a point whose stored data
 * no longer matches its manifest) and followed by `verify-restored`.
 */
import type { PlanStep, RestoreMode } from '../plan-types';
import { makeStep } from '../step-params';
import type { RestorePlanContext, RestoreSubject, VolumeFacts } from './model';
import type { NewVmPlacement } from './new-vm';

interface StepBuild {
  subject: RestoreSubject;
  context: RestorePlanContext;
  steps: PlanStep[];
  /** As-new: the VM the restore creates (disks, volume, power), added to the inventory after. */
  newVm: NewVmPlacement | null;
}

/** A mode's own steps; returns the keys of the steps that restore data (verified afterwards). */
type ModeBuilder = (build: StepBuild) => string[];

const vmStepBase = (subject: RestoreSubject) =>
  ({ vmId: subject.point.vmId, hostVolumeId: null, arrayVolumeId: null, undoes: null }) as const;

function volumeStepBase(subject: RestoreSubject) {
  const ref = subject.volume?.ref;
  return {
    vmId: null,
    hostVolumeId: ref?.kind === 'host-volume' ? ref.id : null,
    arrayVolumeId: ref?.kind === 'array-volume' ? ref.id : null,
    undoes: null,
  };
}

function restoreDisksStep(
  subject: RestoreSubject,
  title: string,
  target: 'in-place' | 'as-new',
  newVm: NewVmPlacement | null = null,
): PlanStep {
  return makeStep({
    ...vmStepBase(subject),
    key: 'restore-disks',
    kind: 'restore-disks',
    title,
    params: {
      restorePointId: subject.point.id,
      target,
      newVmName: target === 'as-new' ? subject.newVmName : null,
      ...(newVm ? { newVm } : {}),
    },
  });
}

const buildInPlace: ModeBuilder = ({ subject, steps }) => {
  steps.push(restoreDisksStep(subject, `Restore ${subject.vmName} in place`, 'in-place'));
  return ['restore-disks'];
};

/**
 * VM.revert to the snapshot kept on the pool, then the power state the VM had at the snapshot. Two
 * steps: the revert's task is journalled (a restarted worker waits on the same task), and a worker
 * that dies after the revert starts the VM on resuming instead of reverting again. There are no
 * written bytes to re-hash: the pool reverts in place, so no verify-restored follows.
 */
const buildSnapshotRevert: ModeBuilder = ({ subject, steps }) => {
  const { location } = subject.point;
  if (location?.kind !== 'pool-snapshot') return [];
  const params = { restorePointId: subject.point.id, snapshotId: location.snapshotId };
  steps.push(
    makeStep({
      ...vmStepBase(subject),
      key: 'revert-pool-snapshot',
      kind: 'revert-pool-snapshot',
      title: `Revert ${subject.vmName} to its snapshot "${location.name}" on the pool`,
      params,
    }),
    makeStep({
      ...vmStepBase(subject),
      key: 'restore-power-state',
      kind: 'restore-power-state',
      title: location.includesMemory
        ? `Resume ${subject.vmName}: the revert leaves it suspended on the checkpoint's memory, and it runs again as it was`
        : `Power ${subject.vmName} as it was at the snapshot`,
      params,
    }),
  );
  return [];
};

/**
 * As new from a snapshot kept on the pool: the pool copies the snapshot (VM.copy) onto the chosen
 * SR (else each disk stays on its SR); the copy's disks are read back and verified, so
 * verify-restored follows it as it follows a restore from the repository.
 */
function buildPoolCopy({ subject, steps, newVm }: StepBuild): string[] {
  const { location } = subject.point;
  if (location?.kind !== 'pool-snapshot') return [];
  const name = subject.newVmName ?? '(unnamed)';
  const powerOn = subject.request.powerOnAfterRestore === true;
  const what = location.includesMemory ? 'memory checkpoint' : 'snapshot';
  // A checkpoint's copy is suspended on the checkpoint's memory: "on" resumes it; "off" shuts it
  // down, which drops its copied memory image (never left suspended unsaid).
  const power = location.includesMemory
    ? powerOn
      ? 'resumed'
      : 'shut down, dropping its copied memory image'
    : powerOn
      ? 'powered on'
      : 'left off';
  steps.push(
    makeStep({
      ...vmStepBase(subject),
      key: 'copy-pool-snapshot',
      kind: 'copy-pool-snapshot',
      title: `Copy ${what} "${location.name}" into new VM ${name} on the pool, ${power}; ${subject.vmName} and the ${what} are not touched`,
      params: {
        restorePointId: subject.point.id,
        snapshotId: location.snapshotId,
        newVmName: name,
        srId: newVm?.hostVolumeId ?? subject.request.targetHostVolumeId ?? null,
        powerOn,
        ...(newVm ? { newVm } : {}),
      },
    }),
  );
  return ['copy-pool-snapshot'];
}

const buildAsNew: ModeBuilder = (build) => {
  if (build.subject.point.location?.kind === 'pool-snapshot') return buildPoolCopy(build);
  const { subject, steps, newVm } = build;
  const volume = newVm ? subject.index.hostVolumesById.get(newVm.hostVolumeId) : undefined;
  const host = volume ? subject.index.hostsById.get(volume.hostId) : undefined;
  const where = volume && host ? ` on ${host.name} ${volume.name}` : '';
  const power = newVm ? (newVm.vm.powerState === 'running' ? ', powered on' : ', left off') : '';
  steps.push(
    restoreDisksStep(
      subject,
      `Restore ${subject.vmName} as new VM ${subject.newVmName ?? '(unnamed)'}${where}${power}`,
      'as-new',
      newVm,
    ),
  );
  return ['restore-disks'];
};

/** The other LUNs of the consistency group: snapshotted together, so reverted or staged together. */
function groupVolumesOf(volume: VolumeFacts): { groupVolumeIds?: string[] } {
  return volume.consistencyGroupName
    ? { groupVolumeIds: volume.arrayVolumeIds.filter((id) => id !== volume.ref.id) }
    : {};
}

const buildVolumeRevert: ModeBuilder = ({ subject, steps }) => {
  const { volume } = subject;
  if (!volume) return [];
  steps.push(
    makeStep({
      ...volumeStepBase(subject),
      key: 'revert-volume',
      kind: 'revert-volume',
      title: `Revert ${volume.name} (${volume.vmIds.length === 1 ? '1 VM' : `${volume.vmIds.length} VMs`})`,
      params: {
        volume: volume.ref,
        restorePointIds: subject.capturePointIds,
        vmIds: [...volume.vmIds],
        hostVolumeIds: [...volume.hostVolumeIds],
        stoppableVmIds: volume.vmIds.filter((vmId) =>
          (subject.request.acknowledgedStoppedVmIds ?? []).includes(vmId),
        ),
        ...groupVolumesOf(volume),
      },
    }),
  );
  return ['revert-volume'];
};

/** Restore the whole volume to a scratch area, copy one VM out of it, discard the scratch area. */
const buildStaged: ModeBuilder = ({ subject, context, steps }) => {
  const { volume, vmName, newVmName, isCopyOutInPlace } = subject;
  if (!volume) return [];
  const stagingId = context.newId();
  steps.push(
    makeStep({
      ...volumeStepBase(subject),
      key: 'stage-volume',
      kind: 'stage-volume',
      title: `Restore ${volume.name} to a scratch area`,
      params: {
        stagingId,
        volume: volume.ref,
        restorePointIds: subject.capturePointIds,
        ...groupVolumesOf(volume),
      },
    }),
    makeStep({
      ...vmStepBase(subject),
      key: 'copy-out-vm',
      kind: 'copy-out-vm',
      title: isCopyOutInPlace ? `Copy ${vmName} back in place` : `Copy ${vmName} out as new VM ${newVmName}`,
      params: {
        stagingId,
        restorePointId: subject.point.id,
        target: isCopyOutInPlace ? 'in-place' : 'as-new',
        newVmName: isCopyOutInPlace ? null : newVmName,
      },
    }),
    makeStep({
      ...volumeStepBase(subject),
      key: 'discard-staging',
      kind: 'discard-staging',
      title: 'Discard the scratch area',
      undoes: 'stage-volume',
      params: { stagingId },
    }),
  );
  return ['copy-out-vm'];
};

const MODE_BUILDERS: Record<RestoreMode, ModeBuilder> = {
  'in-place': buildInPlace,
  'snapshot-revert': buildSnapshotRevert,
  'as-new': buildAsNew,
  'volume-revert': buildVolumeRevert,
  staged: buildStaged,
};

/** The steps that bring the point's data back, in every mode: what a partial point leaves them short of. */
const DATA_STEP_KINDS: ReadonlySet<string> = new Set([
  'restore-disks',
  'copy-pool-snapshot',
  'copy-out-vm',
  'revert-volume',
  'revert-pool-snapshot',
]);

/**
 * `shortfall`: what the restore cannot bring back (a partial point's missing disks), in words. Each
 * data step carries it, and the runner records it as the step's warning when the step succeeds, so
 * the restore ends succeeded with warnings rather than plainly succeeded.
 */
export function buildRestoreSteps(
  subject: RestoreSubject,
  discardedPointIds: string[],
  context: RestorePlanContext,
  newVm: NewVmPlacement | null = null,
  shortfall?: string,
): PlanStep[] {
  const { mode, point, vmName } = subject;
  const steps: PlanStep[] = [];
  const base = vmStepBase(subject);
  const verifiedIds = mode === 'volume-revert' || mode === 'staged' ? subject.capturePointIds : [point.id];
  steps.push(
    makeStep({
      ...base,
      key: 'verify-point',
      kind: 'verify-point',
      title: `Verify the stored data of ${verifiedIds.length === 1 ? 'the restore point' : `${verifiedIds.length} restore points`}`,
      params: { restorePointIds: verifiedIds },
    }),
  );
  if (subject.replacesVm) {
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
  const restoreStepKeys = MODE_BUILDERS[mode]({ subject, context, steps, newVm });
  if (shortfall) {
    for (const step of steps) if (DATA_STEP_KINDS.has(step.kind)) step.params = { ...step.params, shortfall };
  }
  if (restoreStepKeys.length > 0)
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
        ...(mode === 'volume-revert' ? volumeStepBase(subject) : base),
        key: 'discard-newer-points',
        kind: 'discard-newer-points',
        title: `Discard ${discardedPointIds.length} newer ${discardedPointIds.length === 1 ? 'point' : 'points'}`,
        params: { restorePointIds: discardedPointIds },
      }),
    );
  }
  return steps;
}
