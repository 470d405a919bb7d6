/**
 * Stage 4 of a backup plan: the assessment of every captured VM. Which disks the capture holds,
 * whether it takes the VM into saved state, the point id it will catalogue, the consistency it is
 * expected to reach and the findings that depend on the request (its scripts, its pass-through
 * policy), on top of the planner's findings for the chosen method.
 */
import type { VirtualDisk } from '../inventory';
import type { MethodOption } from '../planner';
import type { Consistency, Finding } from '../types';
import { METHOD_IN_SENTENCE, methodAtStart } from '../words';
import {
  type Assignment,
  type BackupPlanContext,
  type CaptureGroup,
  joinNames,
  type PlanningInput,
  quote,
  type Verdict,
  type VmCapture,
  vmRef,
} from './model';

const CRITICAL_APPLICATIONS = new Set(['sqlserver', 'exchange']);

/** The disks a capture by `assignment.method` of `group` holds. */
function isDiskHeld(input: PlanningInput, method: string, group: CaptureGroup, disk: VirtualDisk): boolean {
  if (method === 'guest-agent') return true;
  if (method === 'array-snapshot') {
    const lun = disk.hostVolumeId
      ? input.index.hostVolumesById.get(disk.hostVolumeId)?.arrayVolumeId
      : disk.arrayVolumeId;
    return lun !== null && lun !== undefined && group.volumeIds.includes(lun);
  }
  return disk.kind !== 'passthrough';
}

function whyUnavailable(option: MethodOption | undefined): string {
  return option?.unavailableReasons.join(' ') || 'the planner does not know this method';
}

/** The rule that says a volume snapshot takes other VMs with it, per volume-level method. */
const SHARED_VOLUME_RULE = {
  'array-snapshot': 'ARRAY-SHARED-VOLUME',
  'wsb-volume': 'WSB-VOLUME-GRANULARITY',
} as const;

/**
 * A VM nobody asked for, captured only because it shares a volume with one that was, and that the
 * volume's method cannot back up: the snapshot holds its blocks, but no point of it is made. That is
 * a warning on the plan, not a reason to refuse the VMs that were asked for (the VM page recommends
 * the method for them, and the start must not contradict it).
 */
function leftOutCoCaptured(
  vm: VmCapture['vm'],
  assignment: Assignment,
  option: MethodOption | undefined,
): Finding {
  const method = assignment.method as keyof typeof SHARED_VOLUME_RULE;
  return {
    ruleId: SHARED_VOLUME_RULE[method] ?? 'ARRAY-SHARED-VOLUME',
    severity: 'warning',
    vmId: vm.id,
    methods: [assignment.method],
    message: `${methodAtStart(assignment.method)} captures VM ${quote(vm.name)} with its volume, but cannot back it up, so this backup makes no restore point of it: ${whyUnavailable(option)}`,
    remedy: `Back up ${quote(vm.name)} by a method its own VM page offers.`,
    objects: [vmRef(vm)],
  };
}

/**
 * One capture per VM its method can back up, in group order (restore point ids are taken in that
 * order, so a plan is reproducible from the same id source).
 */
export function captureVms(
  input: PlanningInput,
  groups: CaptureGroup[],
  assignments: Map<string, Assignment>,
  context: BackupPlanContext,
  verdict: Verdict,
): Map<string, VmCapture> {
  const captures = new Map<string, VmCapture>();
  for (const group of groups) {
    for (const vmId of group.vmIds) {
      const vm = input.index.vmsById.get(vmId);
      const assignment = assignments.get(vmId) as Assignment;
      if (!vm) continue;
      const option = input
        .methodPlanOf(vmId, assignment.method)
        .options.find((o) => o.method === assignment.method);
      if (!option?.isAvailable && assignment.isCoCaptured) {
        verdict.findings.push(leftOutCoCaptured(vm, assignment, option));
        continue;
      }
      if (!option?.isAvailable) {
        verdict.blockedReasons.push(
          `${methodAtStart(assignment.method)} cannot back up VM ${quote(vm.name)}: ${whyUnavailable(option)}`,
        );
        verdict.findings.push(...(option?.findings ?? []));
        continue;
      }
      const disks = input.index.disksByVm.get(vmId) ?? [];
      const isHeld = (disk: VirtualDisk) => isDiskHeld(input, assignment.method, group, disk);
      const isRunning = vm.powerState === 'running';
      captures.set(vmId, {
        vm,
        method: assignment.method,
        option,
        heldDisks: disks.filter(isHeld),
        excludedDisks: disks.filter((disk) => !isHeld(disk)),
        isCoCaptured: assignment.isCoCaptured,
        isExplicit: assignment.isExplicit,
        restorePointId: context.newId(),
        scripts: isRunning ? (input.request.scripts?.[vmId] ?? {}) : {},
        isRunning,
        needsSavedState: option.captureState === 'saved-state' && option.expectedDowntimeSeconds > 0,
        expectedConsistency: option.consistency ?? 'crash',
        consistencyNote: null,
        shortfalls: [],
      });
    }
  }
  return captures;
}

/** A database server asked with a method that gives it only crash consistency is warned once. */
function warnCrashConsistentApplications(
  capture: VmCapture,
  findings: Finding[],
  consistency: Consistency,
): Finding[] {
  const { vm, method } = capture;
  const runsCriticalApp = vm.applications.some((app) => CRITICAL_APPLICATIONS.has(app));
  if (
    consistency !== 'crash' ||
    !runsCriticalApp ||
    findings.some((f) => f.ruleId === 'APP-CRASH-CONSISTENT')
  )
    return findings;
  return [
    ...findings,
    {
      ruleId: 'APP-CRASH-CONSISTENT',
      severity: 'warning',
      vmId: vm.id,
      methods: [method],
      message: `VM ${quote(vm.name)} runs ${vm.applications.join(', ')}, but ${METHOD_IN_SENTENCE[method]} gives it only a crash-consistent point: the applications replay their logs on restore.`,
      remedy:
        method === 'array-snapshot'
          ? `Add pre-freeze/post-thaw scripts for ${quote(vm.name)} to this job.`
          : `Choose the planner's recommended method for ${quote(vm.name)}, or add a guest-agent job for its databases.`,
      objects: [vmRef(vm)],
    },
  ];
}

/** Pass-through disks the capture leaves out: a warning under 'skip', a blocker under 'fail'. */
function applyPassthroughPolicy(input: PlanningInput, capture: VmCapture, findings: Finding[]): Finding[] {
  const { vm, method } = capture;
  const passthrough = capture.excludedDisks.filter((disk) => disk.kind === 'passthrough');
  if (passthrough.length === 0) return findings;
  const names = joinNames(passthrough.map((disk) => quote(disk.name)));
  const existing = findings.filter((f) => f.ruleId === 'HV-PASSTHROUGH-DISK');
  const base: Finding[] =
    existing.length > 0
      ? existing
      : [
          {
            ruleId: 'HV-PASSTHROUGH-DISK',
            severity: 'warning',
            vmId: vm.id,
            methods: [method],
            message: `VM ${quote(vm.name)} has pass-through disk(s) ${names}, which ${METHOD_IN_SENTENCE[method]} cannot capture: the point leaves them out.`,
            remedy: `Protect ${names} with a guest-agent job for ${quote(vm.name)}.`,
            objects: [
              vmRef(vm),
              ...passthrough.map((disk) => ({ kind: 'disk' as const, id: disk.id, name: disk.name })),
            ],
          },
        ];
  const adjusted = base.map((f) =>
    input.request.passthroughPolicy === 'fail'
      ? {
          ...f,
          severity: 'blocker' as const,
          message: `${f.message} The job's pass-through policy is 'fail', so ${quote(vm.name)} is not backed up.`,
        }
      : { ...f, severity: 'warning' as const },
  );
  return [...findings.filter((f) => f.ruleId !== 'HV-PASSTHROUGH-DISK'), ...adjusted];
}

/**
 * Settles each capture's expected consistency and appends its findings; then every blocker
 * finding becomes a blocked reason (unless a reason already says it).
 */
export function assessCaptures(
  input: PlanningInput,
  captures: Map<string, VmCapture>,
  verdict: Verdict,
): void {
  for (const capture of captures.values()) {
    // The job's own scripts were weighed by the rules already (createPlanningInput passes them).
    let findings = warnCrashConsistentApplications(
      capture,
      capture.option.findings,
      capture.expectedConsistency,
    );
    findings = applyPassthroughPolicy(input, capture, findings);
    verdict.findings.push(...findings);
  }
  for (const finding of verdict.findings) {
    if (finding.severity !== 'blocker') continue;
    if (!verdict.blockedReasons.some((reason) => reason.includes(finding.message)))
      verdict.blockedReasons.push(finding.message);
  }
}
