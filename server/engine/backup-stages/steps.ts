/**
 * Stage 5 of a backup plan: the steps of every capture group, by method. Every cleanup is
 * registered right after the step whose side effect it undoes in the sequence (thaw after the
 * snapshot, resume right after the snapshot so saved-state downtime lasts the snapshot and not the
 * copy, release after the copy, or after the catalogue when the array snapshot is kept). A new
 * capture method adds a snapshot builder here.
 */
import type { SnapshotScope } from '../driver';
import type { ConsistencyPolicy, PlanStep } from '../plan-types';
import { checkpointName } from '../pool-checkpoints';
import { makeStep } from '../step-params';
import type { BackupMethod } from '../types';
import { METHOD_IN_SENTENCE } from '../words';
import {
  type BackupPlanContext,
  type CaptureGroup,
  joinNames,
  type PlanningInput,
  type VmCapture,
} from './model';

/** How long a guest may stay frozen: VSS aborts a freeze after about 60 s (docs/domain.md §3). */
export const GUEST_FREEZE_TIMEOUT_MS = 60_000;

/** One group's steps in the making. */
interface GroupBuild {
  input: PlanningInput;
  group: CaptureGroup;
  members: VmCapture[];
  /** Null for guest-agent: the agent copies from inside the guest, no hypervisor snapshot. */
  snapshotId: string | null;
  policy: ConsistencyPolicy;
  steps: PlanStep[];
  /** Per VM, the keys of the steps its consistency depends on (scripts, freeze, quiesced snapshot). */
  consistencyStepKeys: Map<string, string[]>;
  /** VMs the plan freezes itself (array snapshots only). */
  frozen: VmCapture[];
}

const vmStep = (vmId: string) => ({ vmId, hostVolumeId: null, arrayVolumeId: null, undoes: null });
const keyOf = (vmId: string, kind: string) => `vm:${vmId}:${kind}`;

/** Whether this group's array snapshot is kept on the array after the copies (the job's option). */
const keepsArraySnapshot = (build: GroupBuild) =>
  build.group.method === 'array-snapshot' && build.input.request.keepArraySnapshot === true;

function addPreparationSteps(build: GroupBuild): void {
  const { members, steps, group, policy } = build;
  for (const m of members) {
    steps.push(
      makeStep({
        ...vmStep(m.vm.id),
        key: keyOf(m.vm.id, 'check'),
        kind: 'check',
        title: `Check ${m.vm.name} before ${METHOD_IN_SENTENCE[group.method]}`,
        params: {
          method: group.method,
          expectedCaptureState: m.option.captureState,
          expectedPowerState: m.vm.powerState,
        },
      }),
    );
  }
  for (const m of members) {
    if (!m.scripts.preFreeze) continue;
    const key = keyOf(m.vm.id, 'pre-freeze-script');
    steps.push(
      makeStep({
        ...vmStep(m.vm.id),
        key,
        kind: 'pre-freeze-script',
        title: `Run the pre-freeze script in ${m.vm.name}`,
        params: { script: m.scripts.preFreeze, consistencyPolicy: policy },
      }),
    );
    build.consistencyStepKeys.get(m.vm.id)?.push(key);
  }
  for (const m of members) {
    if (!m.needsSavedState) continue;
    steps.push(
      makeStep({
        ...vmStep(m.vm.id),
        key: keyOf(m.vm.id, 'save-state'),
        kind: 'save-state',
        title: `Put ${m.vm.name} into saved state (offline backup, downtime starts)`,
        params: {},
      }),
    );
  }
  for (const m of build.frozen) {
    const key = keyOf(m.vm.id, 'guest-freeze');
    steps.push(
      makeStep({
        ...vmStep(m.vm.id),
        key,
        kind: 'guest-freeze',
        title: `Freeze the file systems of ${m.vm.name}`,
        params: { timeoutMs: GUEST_FREEZE_TIMEOUT_MS, consistencyPolicy: policy },
      }),
    );
    build.consistencyStepKeys.get(m.vm.id)?.push(key);
  }
}

const heldDiskIdsOf = (members: VmCapture[]) => members.flatMap((m) => m.heldDisks.map((disk) => disk.id));

/** Flush every host volume on the LUNs, then one snapshot of the LUNs (as their consistency group when they form one). */
function addArraySnapshot(build: GroupBuild, snapshotId: string): string {
  const { index } = build.input;
  const { group, members, steps } = build;
  const lunIds = new Set(group.volumeIds);
  for (const hv of index.inventory.hostVolumes) {
    if (hv.arrayVolumeId === null || !lunIds.has(hv.arrayVolumeId)) continue;
    steps.push(
      makeStep({
        vmId: null,
        hostVolumeId: hv.id,
        arrayVolumeId: hv.arrayVolumeId,
        undoes: null,
        key: `host-volume:${hv.id}:flush-host-io`,
        kind: 'flush-host-io',
        title: `Flush host I/O buffers of ${hv.name}`,
        params: { hostVolumeId: hv.id },
      }),
    );
  }
  const groupIds = new Set(
    group.volumeIds.map((id) => index.arrayVolumesById.get(id)?.consistencyGroupId ?? null),
  );
  const consistencyGroupId = groupIds.size === 1 ? [...groupIds][0] : null;
  const scope: SnapshotScope = {
    kind: 'array-volumes',
    arrayVolumeIds: [...group.volumeIds],
    consistencyGroupId,
  };
  const lunNames = group.volumeIds.map((id) => index.arrayVolumesById.get(id)?.name ?? id);
  const snapshotKey = `array-volumes:${group.volumeIds.join(',')}:array-snapshot`;
  steps.push(
    makeStep({
      vmId: null,
      hostVolumeId: null,
      arrayVolumeId: group.volumeIds[0],
      undoes: null,
      key: snapshotKey,
      kind: 'array-snapshot',
      title: consistencyGroupId
        ? `Snapshot consistency group ${index.consistencyGroupsById.get(consistencyGroupId)?.name ?? consistencyGroupId} (${joinNames(lunNames)})`
        : `Snapshot ${joinNames(lunNames)}`,
      params: {
        snapshotId,
        scope,
        diskIds: heldDiskIdsOf(members),
        vmIds: members.map((m) => m.vm.id),
        isQuiesced: false,
        consistencyPolicy: build.policy,
      },
    }),
  );
  return snapshotKey;
}

/** One VSS snapshot set over the host volumes (Windows Server Backup); the Hyper-V writer quiesces online VMs. */
function addWsbSnapshot(build: GroupBuild, snapshotId: string): string {
  const { group, members } = build;
  const snapshotKey = `host-volumes:${group.volumeIds.join(',')}:vss-snapshot`;
  const volumeNames = group.volumeIds.map((id) => build.input.index.hostVolumesById.get(id)?.name ?? id);
  const isQuiesced = members.some((m) => m.option.captureState === 'online' && m.isRunning);
  build.steps.push(
    makeStep({
      vmId: null,
      hostVolumeId: group.volumeIds[0],
      arrayVolumeId: null,
      undoes: null,
      key: snapshotKey,
      kind: 'vss-snapshot',
      title: `VSS snapshot of ${joinNames(volumeNames)} (Windows Server Backup)`,
      params: {
        snapshotId,
        scope: { kind: 'host-volumes', hostVolumeIds: [...group.volumeIds] },
        diskIds: heldDiskIdsOf(members),
        vmIds: members.map((m) => m.vm.id),
        isQuiesced,
        consistencyPolicy: build.policy,
      },
    }),
  );
  if (isQuiesced) {
    for (const m of members)
      if (m.option.captureState === 'online') build.consistencyStepKeys.get(m.vm.id)?.push(snapshotKey);
  }
  return snapshotKey;
}

/** One hypervisor snapshot of one VM (Hyper-V VSS, or a regular or quiesced XenServer snapshot). */
function addVmSnapshot(build: GroupBuild, snapshotId: string): string {
  const method = build.group.method;
  const [m] = build.members;
  const kind = method === 'hyperv-vss' ? 'vss-snapshot' : 'xen-snapshot';
  const isQuiesced =
    method === 'xen-quiesced' ||
    (method === 'hyperv-vss' && m.option.captureState === 'online' && m.isRunning);
  const snapshotKey = keyOf(m.vm.id, kind);
  build.steps.push(
    makeStep({
      ...vmStep(m.vm.id),
      key: snapshotKey,
      kind,
      title:
        method === 'hyperv-vss'
          ? `Hyper-V VSS snapshot of ${m.vm.name}${isQuiesced ? ' (online)' : ''}`
          : `${method === 'xen-quiesced' ? 'Quiesced' : 'Regular'} XenServer snapshot of ${m.vm.name}`,
      params: {
        snapshotId,
        scope: { kind: 'vm', vmId: m.vm.id },
        diskIds: heldDiskIdsOf(build.members),
        vmIds: build.members.map((member) => member.vm.id),
        isQuiesced,
        consistencyPolicy: build.policy,
      },
    }),
  );
  if (isQuiesced) build.consistencyStepKeys.get(m.vm.id)?.push(snapshotKey);
  return snapshotKey;
}

/** The snapshot step of each method; returns its key. guest-agent has none. */
const SNAPSHOT_BUILDERS: Record<BackupMethod, ((build: GroupBuild, snapshotId: string) => string) | null> = {
  'hyperv-vss': addVmSnapshot,
  'xen-snapshot': addVmSnapshot,
  'xen-quiesced': addVmSnapshot,
  'wsb-volume': addWsbSnapshot,
  'array-snapshot': addArraySnapshot,
  'guest-agent': null,
};

/** Cleanups of the capture, as soon as the snapshot exists (it is point-in-time, see driver.ts). */
function addCaptureCleanups(build: GroupBuild): void {
  const { steps, members } = build;
  for (const m of build.frozen) {
    steps.push(
      makeStep({
        ...vmStep(m.vm.id),
        key: keyOf(m.vm.id, 'guest-thaw'),
        kind: 'guest-thaw',
        title: `Thaw the file systems of ${m.vm.name}`,
        undoes: keyOf(m.vm.id, 'guest-freeze'),
        params: {},
      }),
    );
  }
  for (const m of members) {
    if (!m.needsSavedState) continue;
    steps.push(
      makeStep({
        ...vmStep(m.vm.id),
        key: keyOf(m.vm.id, 'resume'),
        kind: 'resume',
        title: `Resume ${m.vm.name} from saved state`,
        undoes: keyOf(m.vm.id, 'save-state'),
        params: {},
      }),
    );
  }
  // The post-thaw script undoes what the pre-freeze script did (e.g. ends SQL Server's snapshot
  // suspension), so it is the pre-freeze script's cleanup: it runs even when the capture failed.
  for (const m of members) {
    if (!m.scripts.postThaw) continue;
    steps.push(
      makeStep({
        ...vmStep(m.vm.id),
        key: keyOf(m.vm.id, 'post-thaw-script'),
        kind: 'post-thaw-script',
        title: `Run the post-thaw script in ${m.vm.name}`,
        undoes: m.scripts.preFreeze ? keyOf(m.vm.id, 'pre-freeze-script') : null,
        params: { script: m.scripts.postThaw },
      }),
    );
  }
}

/** Copies every member's held disks to the repository; returns the copy step key per VM. */
function addCopySteps(build: GroupBuild): Map<string, string> {
  const copyKeys = new Map<string, string>();
  for (const m of build.members) {
    const diskIds = m.heldDisks.map((disk) => disk.id);
    if (build.group.method === 'guest-agent') {
      const key = keyOf(m.vm.id, 'agent-copy');
      copyKeys.set(m.vm.id, key);
      build.steps.push(
        makeStep({
          ...vmStep(m.vm.id),
          key,
          kind: 'agent-copy',
          title: `Copy ${m.vm.name}'s disks with the in-guest agent (in-guest VSS)`,
          params: { restorePointId: m.restorePointId, diskIds },
        }),
      );
      continue;
    }
    const key = keyOf(m.vm.id, 'copy-to-repository');
    copyKeys.set(m.vm.id, key);
    build.steps.push(
      makeStep({
        ...vmStep(m.vm.id),
        key,
        kind: 'copy-to-repository',
        title: `Copy ${m.vm.name} to the repository`,
        params: { snapshotId: build.snapshotId as string, restorePointId: m.restorePointId, diskIds },
      }),
    );
  }
  return copyKeys;
}

function addCatalogSteps(build: GroupBuild, copyKeys: Map<string, string>): void {
  const { index } = build.input;
  for (const m of build.members) {
    const firstDisk = m.heldDisks[0];
    const hostVolumeId = firstDisk?.hostVolumeId ?? null;
    const arrayVolumeId =
      (hostVolumeId ? index.hostVolumesById.get(hostVolumeId)?.arrayVolumeId : firstDisk?.arrayVolumeId) ??
      null;
    build.steps.push(
      makeStep({
        ...vmStep(m.vm.id),
        key: keyOf(m.vm.id, 'catalog'),
        kind: 'catalog',
        title: `Catalogue the restore point of ${m.vm.name}`,
        params: {
          restorePointId: m.restorePointId,
          method: build.group.method,
          expectedConsistency: m.expectedConsistency,
          captureState: m.option.captureState,
          heldDiskIds: m.heldDisks.map((disk) => disk.id),
          missingDiskIds: m.excludedDisks.map((disk) => disk.id),
          hostVolumeId,
          arrayVolumeId,
          snapshotId: build.snapshotId,
          copyStepKey: copyKeys.get(m.vm.id) as string,
          consistencyStepKeys: build.consistencyStepKeys.get(m.vm.id) ?? [],
          consistencyPolicy: build.policy,
          consistencyNote: m.consistencyNote,
          shortfalls: m.shortfalls,
          ...(keepsArraySnapshot(build) ? { keepsArraySnapshot: true } : {}),
        },
      }),
    );
  }
}

/**
 * The release of the group's snapshot. Released: right after the copies. Kept on the array: after
 * the catalog steps, as the cleanup of a capture that fails or is cancelled before a point holds
 * the snapshot (it then runs and releases; once a point holds it, retention deletes it with the
 * last such point, see kept-snapshots.ts).
 */
function releaseStep(build: GroupBuild, snapshotKey: string, snapshotId: string): PlanStep {
  const isKept = keepsArraySnapshot(build);
  return makeStep({
    vmId: build.members.length === 1 ? build.members[0].vm.id : null,
    hostVolumeId: null,
    arrayVolumeId: null,
    key: snapshotKey.replace(/[^:]+$/, 'release-snapshot'),
    kind: 'release-snapshot',
    title: isKept
      ? 'Release the array snapshot unless a catalogued point keeps it on the array'
      : 'Release the snapshot',
    undoes: snapshotKey,
    params: {
      snapshotId,
      ...(isKept ? { keptForPointIds: build.members.map((m) => m.restorePointId) } : {}),
    },
  });
}

function addGroupSteps(build: GroupBuild): void {
  addPreparationSteps(build);
  const snapshotBuilder = SNAPSHOT_BUILDERS[build.group.method];
  const snapshotKey = snapshotBuilder && build.snapshotId ? snapshotBuilder(build, build.snapshotId) : null;
  addCaptureCleanups(build);
  const copyKeys = addCopySteps(build);
  const release = snapshotKey && build.snapshotId ? releaseStep(build, snapshotKey, build.snapshotId) : null;
  if (release && !keepsArraySnapshot(build)) build.steps.push(release);
  addCatalogSteps(build, copyKeys);
  if (release && keepsArraySnapshot(build)) build.steps.push(release);
}

/**
 * The memory checkpoint a job keeps on the pool (VM.checkpoint, disks + RAM): after the VM's own
 * backup is catalogued, so the VM's brief pause never holds up the copy; it stays on the pool as a
 * point of its own (nothing of it is exported), pruned by the job's retention.
 */
function addCheckpointStep(steps: PlanStep[], m: VmCapture, context: BackupPlanContext): void {
  steps.push(
    makeStep({
      ...vmStep(m.vm.id),
      key: keyOf(m.vm.id, 'xen-checkpoint'),
      kind: 'xen-checkpoint',
      title: `Keep a memory checkpoint of ${m.vm.name} on its pool (the VM pauses briefly)`,
      params: {
        vmName: m.vm.name,
        checkpointName: checkpointName(m.vm.name, context.now),
        jobId: context.job?.id ?? null,
      },
    }),
  );
}

/**
 * Every group's steps in group order (with the memory checkpoints of `checkpointVmIds`), then the
 * job's retention over the VMs catalogued.
 */
export function buildBackupSteps(
  input: PlanningInput,
  groups: CaptureGroup[],
  captures: Map<string, VmCapture>,
  context: BackupPlanContext,
  checkpointVmIds: ReadonlySet<string> = new Set(),
): PlanStep[] {
  const steps: PlanStep[] = [];
  const catalogued: string[] = [];
  for (const group of groups) {
    const members = group.vmIds
      .map((vmId) => captures.get(vmId))
      .filter((c): c is VmCapture => c !== undefined);
    if (members.length === 0) continue;
    // Guest freeze is ours to orchestrate only for array snapshots; the Hyper-V writer and the Xen
    // VSS provider quiesce inside the snapshot call. Only VMs expected above crash are frozen: a
    // freeze that cannot raise the consistency is an I/O stall for nothing.
    const frozen =
      group.method === 'array-snapshot'
        ? members.filter((m) => m.isRunning && m.expectedConsistency !== 'crash')
        : [];
    addGroupSteps({
      input,
      group,
      members,
      snapshotId: group.method === 'guest-agent' ? null : context.newId(),
      policy: input.request.consistencyPolicy,
      steps,
      consistencyStepKeys: new Map(members.map((m) => [m.vm.id, []])),
      frozen,
    });
    for (const m of members) if (checkpointVmIds.has(m.vm.id)) addCheckpointStep(steps, m, context);
    catalogued.push(...members.map((m) => m.vm.id));
  }
  if (context.job && catalogued.length > 0) {
    steps.push(
      makeStep({
        vmId: null,
        hostVolumeId: null,
        arrayVolumeId: null,
        undoes: null,
        key: 'apply-retention',
        kind: 'apply-retention',
        title: 'Apply the job’s retention',
        params: {
          jobId: context.job.id,
          policy: context.job.retention,
          timeZone: context.job.timeZone,
          vmIds: catalogued,
        },
      }),
    );
  }
  return steps;
}
