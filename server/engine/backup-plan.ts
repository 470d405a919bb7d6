/**
 * Backup plans (docs/domain.md §7, issue 3 §1): a backup request becomes the ordered steps the runner
 * executes, the consistency expected for every VM, and the findings that make it runnable or not.
 *
 * How a request is resolved:
 * 1. Scope → VMs: the listed VMs, or every VM with a disk on the host volume / array volume.
 * 2. Method per VM: the one requested, else the planner's recommendation. A requested method the
 *    planner marks unavailable is a blocker that says why.
 * 3. Capture groups — what one snapshot covers:
 *    - hyperv-vss, xen-snapshot, xen-quiesced, guest-agent: one VM.
 *    - wsb-volume: a VSS snapshot set over host volumes; every VM with files on them is captured
 *      and gets its own point (WSB cannot capture less than a volume).
 *    - array-snapshot: the LUNs behind the VMs' disks, widened to whole consistency groups; every
 *      VM on them is captured and gets a point.
 *    Groups are closed under "shares a volume": a VM pulled in brings its other volumes along, so
 *    every point a group catalogues is complete. A VM pulled into a group without an explicit
 *    method of its own joins the group's method; one explicitly asked with another method is a
 *    blocker (it cannot be captured twice by one operation).
 * 4. Steps per group, with every cleanup registered right after the step whose side effect it
 *    undoes in the sequence (thaw after the snapshot, resume right after the snapshot so saved-state
 *    downtime lasts the snapshot and not the copy, release after the copy).
 */
import type { SnapshotScope } from './driver';
import type { InventoryIndex, VirtualDisk, Vm } from './inventory';
import {
  type BackupPlan,
  type ConsistencyPolicy,
  lockKeyForArrayVolume,
  lockKeyForHostVolume,
  lockKeyForVm,
  type PassthroughPolicy,
  type PlannedVm,
  type PlanStep,
  type ScriptSpec,
} from './plan-types';
import { type MethodOption, type MethodPlan, planMethods } from './planner';
import { makeStep, type RetentionPolicy } from './step-params';
import type { BackupMethod, Finding, ObjectRef } from './types';

export type BackupScope =
  | { kind: 'vms'; vmIds: string[] }
  | { kind: 'host-volume'; hostVolumeId: string }
  | { kind: 'array-volume'; arrayVolumeId: string };

export interface VmScripts {
  preFreeze?: ScriptSpec;
  postThaw?: ScriptSpec;
}

export interface BackupRequestInput {
  scope: BackupScope;
  /** Method per VM id; VMs not listed get the planner's recommendation. */
  methodByVm?: Record<string, BackupMethod>;
  consistencyPolicy: ConsistencyPolicy;
  scripts?: Record<string, VmScripts>;
  passthroughPolicy: PassthroughPolicy;
}

export interface BackupPlanContext {
  now: Date;
  newId: () => string;
  /** The job the run belongs to; its retention is applied after the points are catalogued. */
  job?: { id: string; retention: RetentionPolicy; timeZone: string };
}

/** How long a guest may stay frozen: VSS aborts a freeze after about 60 s (docs/domain.md §3). */
export const GUEST_FREEZE_TIMEOUT_MS = 60_000;

const VOLUME_METHODS = new Set<BackupMethod>(['wsb-volume', 'array-snapshot']);
const CRITICAL_APPLICATIONS = new Set(['sqlserver', 'exchange']);

interface Assignment {
  method: BackupMethod;
  isExplicit: boolean;
  isCoCaptured: boolean;
}

interface CaptureGroup {
  method: BackupMethod;
  vmIds: string[];
  /** wsb-volume: host volumes; array-snapshot: array volumes. Empty for per-VM methods. */
  volumeIds: string[];
}

interface VmCapture {
  vm: Vm;
  method: BackupMethod;
  option: MethodOption;
  heldDisks: VirtualDisk[];
  excludedDisks: VirtualDisk[];
  isCoCaptured: boolean;
  restorePointId: string;
  scripts: VmScripts;
  /** Running (not paused, not saved, not off): scripts and guest freeze are possible. */
  isRunning: boolean;
  needsSavedState: boolean;
}

const quote = (name: string) => `'${name}'`;

function joinNames(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function vmRef(vm: Vm): ObjectRef {
  return { kind: 'vm', id: vm.id, name: vm.name };
}

/** Host volumes holding a VM's files (its VHDs and its checkpoint location). */
function hostVolumeIdsOfVm(index: InventoryIndex, vmId: string): string[] {
  const ids = new Set<string>();
  for (const disk of index.disksByVm.get(vmId) ?? []) if (disk.hostVolumeId) ids.add(disk.hostVolumeId);
  const snapshotVolumeId = index.vmsById.get(vmId)?.snapshotLocationVolumeId;
  if (snapshotVolumeId) ids.add(snapshotVolumeId);
  return [...ids];
}

/** LUNs behind a VM's disks (through a host volume or presented straight), widened to whole consistency groups. */
function arrayVolumeIdsOfVm(index: InventoryIndex, vmId: string): string[] {
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
function closeOverVolumes(
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

function resolveScope(index: InventoryIndex, scope: BackupScope, blockedReasons: string[]): string[] {
  switch (scope.kind) {
    case 'vms': {
      const known = [...new Set(scope.vmIds)].filter((vmId) => {
        if (index.vmsById.has(vmId)) return true;
        blockedReasons.push(`VM '${vmId}' is not in the inventory`);
        return false;
      });
      if (scope.vmIds.length === 0) blockedReasons.push('Choose at least one VM to back up');
      return known;
    }
    case 'host-volume': {
      const volume = index.hostVolumesById.get(scope.hostVolumeId);
      if (!volume) {
        blockedReasons.push(`Host volume '${scope.hostVolumeId}' is not in the inventory`);
        return [];
      }
      const vmIds = index.vmIdsByHostVolume.get(volume.id) ?? [];
      if (vmIds.length === 0) blockedReasons.push(`No VM has files on host volume '${volume.name}'`);
      return vmIds;
    }
    case 'array-volume': {
      const volume = index.arrayVolumesById.get(scope.arrayVolumeId);
      if (!volume) {
        blockedReasons.push(`Array volume '${scope.arrayVolumeId}' is not in the inventory`);
        return [];
      }
      const vmIds = index.vmIdsByArrayVolume.get(volume.id) ?? [];
      if (vmIds.length === 0) blockedReasons.push(`No VM has disks on array volume '${volume.name}'`);
      return vmIds;
    }
  }
}

export function planBackup(
  index: InventoryIndex,
  request: BackupRequestInput,
  context: BackupPlanContext,
): BackupPlan {
  const blockedReasons: string[] = [];
  const findings: Finding[] = [];
  const methodPlans = new Map<string, MethodPlan>();
  const methodPlanOf = (vmId: string, method?: BackupMethod): MethodPlan => {
    // Quiesce follows the method when the operator chose one between xen-snapshot and xen-quiesced.
    const quiesce = method === 'xen-snapshot' ? false : method === 'xen-quiesced' ? true : undefined;
    const key = `${vmId}|${quiesce}`;
    let plan = methodPlans.get(key);
    if (!plan) {
      plan = planMethods(index, vmId, { consistencyPolicy: request.consistencyPolicy, quiesce });
      methodPlans.set(key, plan);
    }
    return plan;
  };
  const nameOf = (vmId: string) => index.vmsById.get(vmId)?.name ?? vmId;

  // ---- 1. scope and 2. method per VM ----
  const scopeVmIds = resolveScope(index, request.scope, blockedReasons);
  const methodByVm = request.methodByVm ?? {};
  for (const vmId of Object.keys(methodByVm)) {
    if (!scopeVmIds.includes(vmId) && index.vmsById.has(vmId)) {
      blockedReasons.push(
        `A method is chosen for VM ${quote(nameOf(vmId))}, which is not in the backup scope`,
      );
    }
  }
  for (const vmId of Object.keys(request.scripts ?? {})) {
    if (!scopeVmIds.includes(vmId)) {
      blockedReasons.push(
        `Scripts are given for VM ${quote(nameOf(vmId))}, which is not in the backup scope`,
      );
    }
  }
  const assignments = new Map<string, Assignment>();
  for (const vmId of scopeVmIds) {
    const explicit = methodByVm[vmId];
    const method = explicit ?? methodPlanOf(vmId).recommended;
    if (!method) {
      const methodPlan = methodPlanOf(vmId);
      blockedReasons.push(
        `No method can back up VM ${quote(nameOf(vmId))}: ${methodPlan.recommendationReason}`,
      );
      // Every finding about the VM explains why; the options repeat the VM-wide ones, so dedupe.
      const seen = new Set<string>();
      for (const finding of methodPlan.options.flatMap((option) => option.findings)) {
        const key = `${finding.ruleId}|${finding.message}`;
        if (!seen.has(key)) findings.push(finding);
        seen.add(key);
      }
      continue;
    }
    assignments.set(vmId, { method, isExplicit: explicit !== undefined, isCoCaptured: false });
  }

  // ---- 3. capture groups ----
  const groups: CaptureGroup[] = [];
  const volumeGroupOf = new Map<string, CaptureGroup>();
  for (const method of ['wsb-volume', 'array-snapshot'] as const) {
    const volumesOfVm =
      method === 'wsb-volume'
        ? (vmId: string) => hostVolumeIdsOfVm(index, vmId)
        : (vmId: string) => arrayVolumeIdsOfVm(index, vmId);
    const vmsOnVolume =
      method === 'wsb-volume'
        ? (id: string) => index.vmIdsByHostVolume.get(id) ?? []
        : (id: string) => index.vmIdsByArrayVolume.get(id) ?? [];
    for (const [seedVmId, assignment] of [...assignments]) {
      if (assignment.method !== method || volumeGroupOf.has(seedVmId)) continue;
      const closure = closeOverVolumes([seedVmId], volumesOfVm, vmsOnVolume);
      const group: CaptureGroup = { method, vmIds: [], volumeIds: closure.volumeIds };
      for (const vmId of closure.vmIds) {
        const existing = assignments.get(vmId);
        const otherGroup = volumeGroupOf.get(vmId);
        if (otherGroup && otherGroup !== group) {
          blockedReasons.push(
            `VM ${quote(nameOf(vmId))} would be captured twice, by ${otherGroup.method} and by ${method}: give the VMs on these volumes one method`,
          );
          continue;
        }
        if (existing && existing.method !== method && existing.isExplicit) {
          blockedReasons.push(
            `VM ${quote(nameOf(vmId))} is asked with ${existing.method}, but the ${method} snapshot of its volume captures it too: choose ${method} for it, or another method for the VMs it shares volumes with`,
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
  for (const [vmId, assignment] of assignments) {
    if (!VOLUME_METHODS.has(assignment.method))
      groups.push({ method: assignment.method, vmIds: [vmId], volumeIds: [] });
  }
  // Steps follow the operator's order of VMs; a group goes where its first requested VM is.
  const scopePosition = new Map(scopeVmIds.map((vmId, i) => [vmId, i]));
  const groupPosition = (group: CaptureGroup) =>
    Math.min(...group.vmIds.map((vmId) => scopePosition.get(vmId) ?? Number.MAX_SAFE_INTEGER));
  groups.sort((a, b) => groupPosition(a) - groupPosition(b));

  // ---- per-VM capture facts, findings and blockers ----
  const captures = new Map<string, VmCapture>();
  for (const group of groups) {
    for (const vmId of group.vmIds) {
      const vm = index.vmsById.get(vmId) as Vm;
      const assignment = assignments.get(vmId) as Assignment;
      const option = methodPlanOf(vmId, assignment.method).options.find(
        (o) => o.method === assignment.method,
      );
      if (!option?.isAvailable) {
        const why = option?.unavailableReasons.join(' ') || 'the planner does not know this method';
        blockedReasons.push(
          assignment.isCoCaptured
            ? `${assignment.method} captures VM ${quote(vm.name)} with its volume, but cannot back it up: ${why}`
            : `${assignment.method} cannot back up VM ${quote(vm.name)}: ${why}`,
        );
        findings.push(...(option?.findings ?? []));
        continue;
      }
      const disks = index.disksByVm.get(vmId) ?? [];
      const groupVolumes = new Set(group.volumeIds);
      const isHeld = (disk: VirtualDisk): boolean => {
        if (assignment.method === 'guest-agent') return true;
        if (assignment.method === 'array-snapshot') {
          const lun = disk.hostVolumeId
            ? index.hostVolumesById.get(disk.hostVolumeId)?.arrayVolumeId
            : disk.arrayVolumeId;
          return lun !== null && lun !== undefined && groupVolumes.has(lun);
        }
        return disk.kind !== 'passthrough';
      };
      const isRunning = vm.powerState === 'running';
      captures.set(vmId, {
        vm,
        method: assignment.method,
        option,
        heldDisks: disks.filter(isHeld),
        excludedDisks: disks.filter((disk) => !isHeld(disk)),
        isCoCaptured: assignment.isCoCaptured,
        restorePointId: context.newId(),
        scripts: isRunning ? (request.scripts?.[vmId] ?? {}) : {},
        isRunning,
        needsSavedState: option.captureState === 'saved-state' && option.expectedDowntimeSeconds > 0,
      });
    }
  }

  const expectedConsistencyOf = new Map<string, PlannedVm['expectedConsistency']>();
  for (const capture of captures.values()) {
    const { vm, method, option } = capture;
    let vmFindings = option.findings;
    let consistency = option.consistency ?? 'crash';
    // The request's own pre-freeze script is what ARRAY-APP-NEEDS-SCRIPTS asks for.
    if (method === 'array-snapshot' && capture.scripts.preFreeze && capture.isRunning) {
      const hadScriptFinding = vmFindings.some((f) => f.ruleId === 'ARRAY-APP-NEEDS-SCRIPTS');
      vmFindings = vmFindings.filter(
        (f) =>
          f.ruleId !== 'ARRAY-APP-NEEDS-SCRIPTS' &&
          !(f.ruleId === 'APP-CRASH-CONSISTENT' && hadScriptFinding),
      );
      if (hadScriptFinding) consistency = 'application';
    }
    const runsCriticalApp = vm.applications.some((app) => CRITICAL_APPLICATIONS.has(app));
    if (
      consistency === 'crash' &&
      runsCriticalApp &&
      !vmFindings.some((f) => f.ruleId === 'APP-CRASH-CONSISTENT')
    ) {
      vmFindings = [
        ...vmFindings,
        {
          ruleId: 'APP-CRASH-CONSISTENT',
          severity: 'warning',
          vmId: vm.id,
          methods: [method],
          message: `VM ${quote(vm.name)} runs ${vm.applications.join(', ')}, but ${method} gives it only a crash-consistent point: the applications replay their logs on restore.`,
          remedy:
            method === 'array-snapshot'
              ? `Add pre-freeze/post-thaw scripts for ${quote(vm.name)} to this job.`
              : `Choose the planner's recommended method for ${quote(vm.name)}, or add a guest-agent job for its databases.`,
          objects: [vmRef(vm)],
        },
      ];
    }
    const passthrough = capture.excludedDisks.filter((disk) => disk.kind === 'passthrough');
    if (passthrough.length > 0) {
      const names = joinNames(passthrough.map((disk) => quote(disk.name)));
      const existing = vmFindings.filter((f) => f.ruleId === 'HV-PASSTHROUGH-DISK');
      const base: Finding[] =
        existing.length > 0
          ? existing
          : [
              {
                ruleId: 'HV-PASSTHROUGH-DISK',
                severity: 'warning',
                vmId: vm.id,
                methods: [method],
                message: `VM ${quote(vm.name)} has pass-through disk(s) ${names}, which ${method} cannot capture: the point leaves them out.`,
                remedy: `Protect ${names} with a guest-agent job for ${quote(vm.name)}.`,
                objects: [
                  vmRef(vm),
                  ...passthrough.map((disk) => ({ kind: 'disk' as const, id: disk.id, name: disk.name })),
                ],
              },
            ];
      const adjusted = base.map((f) =>
        request.passthroughPolicy === 'fail'
          ? {
              ...f,
              severity: 'blocker' as const,
              message: `${f.message} The job's pass-through policy is 'fail', so ${quote(vm.name)} is not backed up.`,
            }
          : { ...f, severity: 'warning' as const },
      );
      vmFindings = [...vmFindings.filter((f) => f.ruleId !== 'HV-PASSTHROUGH-DISK'), ...adjusted];
    }
    findings.push(...vmFindings);
    expectedConsistencyOf.set(vm.id, consistency);
  }
  for (const finding of findings) {
    if (finding.severity !== 'blocker') continue;
    if (!blockedReasons.some((reason) => reason.includes(finding.message)))
      blockedReasons.push(finding.message);
  }

  // ---- 4. steps ----
  const steps: PlanStep[] = [];
  const policy = request.consistencyPolicy;
  const vmStep = (vmId: string) => ({ vmId, hostVolumeId: null, arrayVolumeId: null, undoes: null });
  const keyOf = (vmId: string, kind: string) => `vm:${vmId}:${kind}`;
  const catalogued: string[] = [];

  for (const group of groups) {
    const members = group.vmIds
      .map((vmId) => captures.get(vmId))
      .filter((c): c is VmCapture => c !== undefined);
    if (members.length === 0) continue;
    const method = group.method;
    const snapshotId = method === 'guest-agent' ? null : context.newId();
    const consistencyStepKeys = new Map<string, string[]>(members.map((m) => [m.vm.id, []]));

    for (const m of members) {
      steps.push(
        makeStep({
          ...vmStep(m.vm.id),
          key: keyOf(m.vm.id, 'check'),
          kind: 'check',
          title: `Check ${m.vm.name} before ${method}`,
          params: { method, expectedCaptureState: m.option.captureState },
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
      consistencyStepKeys.get(m.vm.id)?.push(key);
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

    // Guest freeze is ours to orchestrate only for array snapshots; the Hyper-V writer and the Xen
    // VSS provider quiesce inside the snapshot call. Only VMs expected above crash are frozen: a
    // freeze that cannot raise the consistency is an I/O stall for nothing.
    const frozen =
      method === 'array-snapshot'
        ? members.filter((m) => m.isRunning && expectedConsistencyOf.get(m.vm.id) !== 'crash')
        : [];
    for (const m of frozen) {
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
      consistencyStepKeys.get(m.vm.id)?.push(key);
    }

    let snapshotKey: string | null = null;
    const heldDiskIds = members.flatMap((m) => m.heldDisks.map((disk) => disk.id));
    const vmIds = members.map((m) => m.vm.id);
    if (method === 'array-snapshot' && snapshotId) {
      const lunIds = new Set(group.volumeIds);
      const flushedHostVolumes = index.inventory.hostVolumes.filter(
        (hv) => hv.arrayVolumeId !== null && lunIds.has(hv.arrayVolumeId),
      );
      for (const hv of flushedHostVolumes) {
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
      snapshotKey = `array-volumes:${group.volumeIds.join(',')}:array-snapshot`;
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
            diskIds: heldDiskIds,
            vmIds,
            isQuiesced: false,
            consistencyPolicy: policy,
          },
        }),
      );
    } else if (method === 'wsb-volume' && snapshotId) {
      snapshotKey = `host-volumes:${group.volumeIds.join(',')}:vss-snapshot`;
      const volumeNames = group.volumeIds.map((id) => index.hostVolumesById.get(id)?.name ?? id);
      const isQuiesced = members.some((m) => m.option.captureState === 'online' && m.isRunning);
      steps.push(
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
            diskIds: heldDiskIds,
            vmIds,
            isQuiesced,
            consistencyPolicy: policy,
          },
        }),
      );
      if (isQuiesced) {
        for (const m of members)
          if (m.option.captureState === 'online') consistencyStepKeys.get(m.vm.id)?.push(snapshotKey);
      }
    } else if (snapshotId && method !== 'guest-agent') {
      const [m] = members;
      const kind = method === 'hyperv-vss' ? 'vss-snapshot' : 'xen-snapshot';
      const isQuiesced =
        method === 'xen-quiesced' ||
        (method === 'hyperv-vss' && m.option.captureState === 'online' && m.isRunning);
      snapshotKey = keyOf(m.vm.id, kind);
      steps.push(
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
            diskIds: heldDiskIds,
            vmIds,
            isQuiesced,
            consistencyPolicy: policy,
          },
        }),
      );
      if (isQuiesced) consistencyStepKeys.get(m.vm.id)?.push(snapshotKey);
    }

    // Cleanups of the capture, as soon as the snapshot exists (it is point-in-time, see driver.ts).
    for (const m of frozen) {
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

    const copyKeys = new Map<string, string>();
    for (const m of members) {
      const isAgent = method === 'guest-agent';
      const key = keyOf(m.vm.id, isAgent ? 'agent-copy' : 'copy-to-repository');
      copyKeys.set(m.vm.id, key);
      steps.push(
        isAgent
          ? makeStep({
              ...vmStep(m.vm.id),
              key,
              kind: 'agent-copy',
              title: `Copy ${m.vm.name}'s disks with the in-guest agent (in-guest VSS)`,
              params: { restorePointId: m.restorePointId, diskIds: m.heldDisks.map((disk) => disk.id) },
            })
          : makeStep({
              ...vmStep(m.vm.id),
              key,
              kind: 'copy-to-repository',
              title: `Copy ${m.vm.name} to the repository`,
              params: {
                snapshotId: snapshotId as string,
                restorePointId: m.restorePointId,
                diskIds: m.heldDisks.map((disk) => disk.id),
              },
            }),
      );
    }
    if (snapshotKey && snapshotId) {
      steps.push(
        makeStep({
          vmId: members.length === 1 ? members[0].vm.id : null,
          hostVolumeId: null,
          arrayVolumeId: null,
          key: snapshotKey.replace(/[^:]+$/, 'release-snapshot'),
          kind: 'release-snapshot',
          title: 'Release the snapshot',
          undoes: snapshotKey,
          params: { snapshotId },
        }),
      );
    }
    for (const m of members) {
      const firstDisk = m.heldDisks[0];
      const hostVolumeId = firstDisk?.hostVolumeId ?? null;
      const arrayVolumeId =
        (hostVolumeId ? index.hostVolumesById.get(hostVolumeId)?.arrayVolumeId : firstDisk?.arrayVolumeId) ??
        null;
      steps.push(
        makeStep({
          ...vmStep(m.vm.id),
          key: keyOf(m.vm.id, 'catalog'),
          kind: 'catalog',
          title: `Catalogue the restore point of ${m.vm.name}`,
          params: {
            restorePointId: m.restorePointId,
            method,
            expectedConsistency: expectedConsistencyOf.get(m.vm.id) ?? 'crash',
            captureState: m.option.captureState,
            heldDiskIds: m.heldDisks.map((disk) => disk.id),
            missingDiskIds: m.excludedDisks.map((disk) => disk.id),
            hostVolumeId,
            arrayVolumeId,
            snapshotId,
            copyStepKey: copyKeys.get(m.vm.id) as string,
            consistencyStepKeys: consistencyStepKeys.get(m.vm.id) ?? [],
            consistencyPolicy: policy,
          },
        }),
      );
      catalogued.push(m.vm.id);
    }
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

  // ---- result ----
  const vms: PlannedVm[] = [...captures.values()].map((capture) => ({
    vmId: capture.vm.id,
    vmName: capture.vm.name,
    method: capture.method,
    expectedConsistency: expectedConsistencyOf.get(capture.vm.id) ?? 'crash',
    excludedDiskIds: capture.excludedDisks.map((disk) => disk.id),
    captureState: capture.option.captureState,
    isCoCaptured: capture.isCoCaptured,
    restorePointId: capture.restorePointId,
  }));
  const lockedVmIds = new Set<string>([...assignments.keys()]);
  const hostVolumeIds = new Set<string>();
  const arrayVolumeIds = new Set<string>();
  // Per-VM methods lock only their VM: two hyperv-vss backups of VMs sharing a volume may run
  // together. Volume snapshots lock their volumes, so they never overlap a revert of the volume.
  for (const group of groups) {
    if (group.method === 'wsb-volume') for (const id of group.volumeIds) hostVolumeIds.add(id);
    if (group.method === 'array-snapshot') {
      for (const id of group.volumeIds) arrayVolumeIds.add(id);
      for (const hv of index.inventory.hostVolumes) {
        if (hv.arrayVolumeId && group.volumeIds.includes(hv.arrayVolumeId)) hostVolumeIds.add(hv.id);
      }
    }
  }
  const hostIds = new Set<string>();
  for (const vmId of lockedVmIds) {
    const hostId = index.vmsById.get(vmId)?.hostId;
    if (hostId) hostIds.add(hostId);
  }
  const arrayIds = new Set<string>();
  for (const id of arrayVolumeIds) {
    const arrayId = index.arrayVolumesById.get(id)?.arrayId;
    if (arrayId) arrayIds.add(arrayId);
  }
  const uniqueReasons = [...new Set(blockedReasons)];
  return {
    kind: 'backup',
    vms,
    steps,
    findings,
    isRunnable: uniqueReasons.length === 0 && steps.length > 0,
    blockedReasons: uniqueReasons.length === 0 && steps.length === 0 ? ['Nothing to back up'] : uniqueReasons,
    lockKeys: [
      ...[...lockedVmIds].sort().map(lockKeyForVm),
      ...[...hostVolumeIds].sort().map(lockKeyForHostVolume),
      ...[...arrayVolumeIds].sort().map(lockKeyForArrayVolume),
    ],
    hostIds: [...hostIds].sort(),
    arrayIds: [...arrayIds].sort(),
  };
}
