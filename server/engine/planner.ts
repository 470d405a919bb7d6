/**
 * Method planner (docs/domain.md §6): for one VM, every backup method with what it would achieve,
 * and the one we recommend.
 *
 * Consistency decisions (what a method "achieves" for the VM):
 * - Running VM, online: hyperv-vss / wsb-volume give application consistency for Windows guests
 *   (VSS writers) and filesystem consistency for Linux guests (the Hyper-V VSS daemon freezes file
 *   systems, it has no application writers). xen-snapshot gives crash, xen-quiesced application.
 *   array-snapshot gives application with freeze scripts; crash for SQL Server / Exchange without
 *   them (ARRAY-APP-NEEDS-SCRIPTS); otherwise what the guest freeze gives (VSS on Windows:
 *   application, fs-freeze on Linux: filesystem). guest-agent: application on Windows (in-guest
 *   VSS), on Linux application with freeze scripts, filesystem without.
 * - Saved-state capture (Hyper-V offline backup, or a VM already saved): memory and disks are taken
 *   at one instant and a restored VM resumes where it stopped, with no application recovery, so we
 *   record 'application'; the downtime is what the operator pays, and readiness says so.
 * - Powered-off VM: 'filesystem'. An orderly shut-down leaves clean file systems; we do not claim
 *   'application' because we cannot verify every application stopped cleanly (a VM that was
 *   "turned off" rather than shut down is indistinguishable in the inventory).
 * - Paused VM: its memory is live and unsaved, so snapshots of its disks alone are crash-consistent;
 *   the Hyper-V writer saves a VM that cannot answer VSS, which gives saved-state consistency.
 *
 * Recommendation: among the available whole-VM methods (guest-agent protects guest volumes, not the
 * VM itself, so it is the complement for pass-through disks rather than a candidate; xen-quiesced
 * is a candidate only when quiesce is wanted, for its performance cost) prefer the highest
 * consistency, then the shortest downtime (online over saved state), then the fewest co-captured
 * VMs, then the fewest excluded disks, then the more specific method (hyperv-vss, xen-quiesced,
 * xen-snapshot, array-snapshot, wsb-volume: WSB is the fallback where no VSS-aware product exists).
 * The ordering and the sentences that explain it live in planner-recommendation.ts.
 */
import type { HostVolume, InventoryIndex, Vm } from './inventory';
import type { MethodOption, MethodPlan } from './method-plan';
import {
  ALREADY_SAVED,
  available,
  type Capture,
  OFFLINE_FILESYSTEM,
  ONLINE_APPLICATION,
  ONLINE_CRASH,
  ONLINE_FILESYSTEM,
  recommendedVersion,
  SAVED_STATE_BACKUP,
  stateWhenNotCaptured,
  unavailable,
} from './planner-options';
import {
  bestCandidateOf,
  concernsPlatform,
  findingsConcerning,
  LazilyWordedPlan,
  METHODS_BY_HYPERVISOR,
  ownOption,
} from './planner-recommendation';
import {
  type ArraySnapshotSet,
  arraySnapshotSetOf,
  buildRuleContext,
  buildRuleContextOf,
  evaluateApplicationRules,
  evaluatePrerequisiteRules,
  type HostScope,
  type JobScripts,
  type RuleContext,
} from './rules';
import { appendAll, diskRef, flat, listQuotedNames, NONE } from './rules/context';
import { otherVmRefsOnVmVolumes } from './rules/vm-ref-lists';
import {
  BACKUP_METHODS,
  type BackupMethod,
  CAPTURE_STATES,
  type CaptureState,
  type Finding,
  type ObjectRef,
} from './types';
import { methodAtStart } from './words';

export type { MethodOption, MethodPlan };
export { METHODS_BY_HYPERVISOR };

export interface PlanMethodsOptions {
  /** Quiesced snapshots asked by the job; default: asked for VMs that run applications. */
  quiesce?: boolean;
  /** What a method that cannot reach its consistency does: fail the VM ('require') or downgrade ('fallback', default). */
  consistencyPolicy?: 'require' | 'fallback';
  /** The job's own pre-freeze / post-thaw scripts for the VM (an array snapshot's consistency depends on them). */
  jobScripts?: JobScripts;
}

/** How a VM that is not running is captured; null when it is running (each method decides). */
function captureWhenNotRunning(ctx: RuleContext, isHypervWriter: boolean): Capture | null {
  switch (ctx.vm.powerState) {
    case 'running':
      return null;
    case 'off':
      return OFFLINE_FILESYSTEM;
    case 'saved':
      return ALREADY_SAVED;
    case 'paused':
      return isHypervWriter ? ALREADY_SAVED : ONLINE_CRASH;
  }
}

/** The blockers' messages: a fresh list the caller may add to, or the shared empty list (never pushed to). */
function blockerReasons(findings: Finding[], method: BackupMethod): string[] {
  let reasons: string[] = NONE;
  for (let i = 0; i < findings.length; i++) {
    const f = findings[i];
    if (f.severity === 'blocker' && (f.methods.length === 0 || f.methods.includes(method))) {
      if (reasons === NONE) reasons = [];
      reasons.push(f.message);
    }
  }
  return reasons;
}

/**
 * Values that name a host or host volume rather than the VM (an unavailability reason, a whole
 * unavailable option) are built once per evaluated index and shared by every VM there: whole-estate
 * evaluation builds 20,000 plans. Kept by a constant slot name in the host's scope (the VM's own
 * host), or in the index's estate cache by the owner object.
 */
function shared<T, A>(
  ctx: RuleContext,
  owner: object,
  slot: string,
  // A function of the module and its argument, not a closure: a closure would be made per VM.
  build: (ctx: RuleContext, arg: A) => T,
  arg: A,
): T {
  let bySlot: Map<string, unknown> | undefined;
  if (owner === ctx.host) bySlot = ctx.scope.values;
  else {
    const byOwner = ctx.cache.sharedValues;
    bySlot = byOwner.get(owner);
    if (!bySlot) {
      bySlot = new Map();
      byOwner.set(owner, bySlot);
    }
  }
  // Shared values are never undefined: one look-up answers both "known?" and "what?".
  const known = bySlot.get(slot);
  if (known !== undefined) return known as T;
  const value = build(ctx, arg);
  bySlot.set(slot, value);
  return value;
}

/** Constant slot names per method and capture state (a cached hash, no per-VM string building). */
const PLATFORM_SLOTS = Object.fromEntries(
  BACKUP_METHODS.map((m) => [
    m,
    Object.fromEntries(CAPTURE_STATES.map((c) => [c, `not-on-platform:${m}:${c}`])),
  ]),
) as Record<BackupMethod, Record<CaptureState, string>>;

/** A method of the other hypervisor is unavailable in the same words for every VM of a host. */
function notOnPlatform(ctx: RuleContext, method: BackupMethod): MethodOption {
  return shared(
    ctx,
    ctx.host,
    PLATFORM_SLOTS[method][stateWhenNotCaptured(ctx)],
    notOnPlatformOption,
    method,
  );
}

function notOnPlatformOption(ctx: RuleContext, method: BackupMethod): MethodOption {
  const { host } = ctx;
  const needs = method === 'hyperv-vss' || method === 'wsb-volume' ? 'a Hyper-V host' : 'a XenServer host';
  const reason = flat`${methodAtStart(method)} needs ${needs}; host '${host.name}' runs ${host.kind === 'hyperv' ? 'Hyper-V' : 'XenServer'}.`;
  return Object.freeze(unavailable(ctx, method, Object.freeze([reason]) as string[]));
}

function excludedPassthroughDisks(ctx: RuleContext): ObjectRef[] {
  return ctx.passthroughDisks.length === 0 ? NONE : ctx.passthroughDisks.map(diskRef);
}

const WSB_ONLY_SLOTS = Object.fromEntries(CAPTURE_STATES.map((c) => [c, `wsb-only-option:${c}`])) as Record<
  CaptureState,
  string
>;

function wsbOnlyReason(ctx: RuleContext): string {
  return shared(ctx, ctx.host, 'wsb-only', wordWsbOnly, null);
}

function wordWsbOnly(ctx: RuleContext): string {
  return flat`Host '${ctx.host.name}' has no VSS-aware backup product (the Migawka agent), only Windows Server Backup: use it or install the agent.`;
}

function wsbOnlyOption(ctx: RuleContext, method: BackupMethod): MethodOption {
  return Object.freeze(unavailable(ctx, method, Object.freeze([wsbOnlyReason(ctx)]) as string[]));
}

const NO_WSB_TARGET_SLOTS = Object.fromEntries(
  CAPTURE_STATES.map((c) => [c, `no-wsb-target-option:${c}`]),
) as Record<CaptureState, string>;

function noWsbTargetReason(ctx: RuleContext): string {
  return shared(ctx, ctx.host, 'no-wsb-target', wordNoWsbTarget, null);
}

function wordNoWsbTarget(ctx: RuleContext): string {
  return flat`The connection of host '${ctx.host.name}' names no Windows Server Backup target, so wbadmin has nowhere to write: set one under Connections.`;
}

function noWsbTargetOption(ctx: RuleContext, method: BackupMethod): MethodOption {
  return Object.freeze(unavailable(ctx, method, Object.freeze([noWsbTargetReason(ctx)]) as string[]));
}

function planHypervWriter(
  ctx: RuleContext,
  method: 'hyperv-vss' | 'wsb-volume',
  findings: Finding[],
  coCapturedVms: ObjectRef[],
): MethodOption {
  if (ctx.host.kind !== 'hyperv') return notOnPlatform(ctx, method);
  let reasons = blockerReasons(findings, method);
  const hasNoVmDisk = ctx.diskHostVolumes.length === 0;
  if (method === 'hyperv-vss' && !ctx.host.hasVssAwareProduct) {
    // Only WSB on the host and nothing else in the way: the same option for every VM of the host.
    if (reasons.length === 0 && !hasNoVmDisk) {
      return shared(ctx, ctx.host, WSB_ONLY_SLOTS[stateWhenNotCaptured(ctx)], wsbOnlyOption, method);
    }
    reasons = reasons === NONE ? [wsbOnlyReason(ctx)] : [wsbOnlyReason(ctx), ...reasons];
  }
  // The run refuses WSB without a target (hyperv-wsb.ts `target()`): the plan says so first.
  if (method === 'wsb-volume' && ctx.scope.wsbTarget === 'none') {
    if (reasons.length === 0 && !hasNoVmDisk) {
      return shared(ctx, ctx.host, NO_WSB_TARGET_SLOTS[stateWhenNotCaptured(ctx)], noWsbTargetOption, method);
    }
    reasons = reasons === NONE ? [noWsbTargetReason(ctx)] : [noWsbTargetReason(ctx), ...reasons];
  }
  if (hasNoVmDisk) {
    if (reasons === NONE) reasons = [];
    reasons.push(
      flat`VM '${ctx.vm.name}' has no virtual disk on a host volume (every disk is pass-through).`,
    );
  }
  if (reasons.length > 0) return unavailable(ctx, method, reasons);
  const isOffline = findings.some((f) => f.ruleId === 'HV-OFFLINE-BACKUP');
  const capture =
    captureWhenNotRunning(ctx, true) ??
    (isOffline ? SAVED_STATE_BACKUP : ctx.vm.osFamily === 'windows' ? ONLINE_APPLICATION : ONLINE_FILESYSTEM);
  return available(method, capture, excludedPassthroughDisks(ctx), coCapturedVms);
}

/** Why the SRs under the VM's disks stop XenServer snapshots (XS-SR-NO-SNAPSHOT), one reason per SR. */
function srSnapshotReasons(findings: Finding[]): string[] {
  let reasons: string[] = NONE;
  for (let i = 0; i < findings.length; i++) {
    const f = findings[i];
    if (f.ruleId !== 'XS-SR-NO-SNAPSHOT') continue;
    if (reasons === NONE) reasons = [];
    reasons.push(f.message);
  }
  return reasons;
}

function planXenSnapshot(ctx: RuleContext, findings: Finding[]): MethodOption {
  if (ctx.host.kind !== 'xenserver') return notOnPlatform(ctx, 'xen-snapshot');
  const srReasons = srSnapshotReasons(findings);
  if (srReasons.length > 0) return unavailable(ctx, 'xen-snapshot', srReasons);
  const capture = captureWhenNotRunning(ctx, false);
  if (!capture && ctx.consistencyPolicy === 'require' && ctx.isQuiesceWanted) {
    return unavailable(ctx, 'xen-snapshot', [
      flat`The job requires a quiesced, consistent point of '${ctx.vm.name}', and a regular snapshot of a running VM is only crash-consistent.`,
    ]);
  }
  return available('xen-snapshot', capture ?? ONLINE_CRASH, excludedPassthroughDisks(ctx), NONE);
}

function planXenQuiesced(ctx: RuleContext, findings: Finding[]): MethodOption {
  const { vm, host } = ctx;
  if (host.kind !== 'xenserver') return notOnPlatform(ctx, 'xen-quiesced');
  const srReasons = srSnapshotReasons(findings);
  const reasons: string[] = srReasons === NONE ? [] : srReasons;
  if (!ctx.isRunning) {
    reasons.push(
      flat`VM '${vm.name}' is ${vm.powerState}: there is nothing to quiesce; a XenServer snapshot captures it as it is.`,
    );
  } else if (vm.osFamily !== 'windows') {
    reasons.push(
      flat`Quiesced snapshots need a Windows guest with the Xen VSS provider; '${vm.name}' runs ${vm.osFamily}.`,
    );
  } else {
    if (!vm.hasXenVssProvider) reasons.push(flat`The Xen VSS provider is not installed in '${vm.name}'.`);
    if (!host.offersQuiescedSnapshots) {
      reasons.push(shared(ctx, host, 'no-quiesce', wordNoQuiesce, null));
    }
  }
  if (reasons.length > 0) return unavailable(ctx, 'xen-quiesced', reasons);
  return available('xen-quiesced', ONLINE_APPLICATION, excludedPassthroughDisks(ctx), NONE);
}

function wordNoQuiesce({ host }: RuleContext): string {
  return flat`Host '${host.name}' runs XenServer ${host.version}, which no longer offers quiesced snapshots.`;
}

function arrayCaptureWhenRunning(ctx: RuleContext): Capture {
  // A pre-freeze script quiesces the application, whether the VM's own or this job's.
  if (ctx.vm.hasFreezeScripts || ctx.jobScripts.preFreeze) return ONLINE_APPLICATION;
  if (ctx.runsCriticalApplication) return ONLINE_CRASH;
  return ctx.vm.osFamily === 'windows' ? ONLINE_APPLICATION : ONLINE_FILESYSTEM;
}

function noLunReason(ctx: RuleContext): string {
  const volumes = ctx.diskHostVolumes;
  if (volumes.length === 0) return flat`No array volume (LUN) is behind the disks of VM '${ctx.vm.name}'.`;
  if (volumes.length === 1) {
    return shared(ctx, volumes[0], 'no-lun', wordNoLunOnVolume, volumes[0]);
  }
  return flat`No array volume (LUN) is behind the disks of VM '${ctx.vm.name}': they are on ${listQuotedNames(volumes)}, which no array LUN backs.`;
}

const NO_LUN_SLOTS = Object.fromEntries(CAPTURE_STATES.map((c) => [c, `no-lun-option:${c}`])) as Record<
  CaptureState,
  string
>;

function wordNoLunOnVolume(ctx: RuleContext, volume: HostVolume): string {
  return flat`No array volume (LUN) backs host volume '${volume.name}' of host '${ctx.host.name}', where the disks are.`;
}

/** No LUN behind the VM's disks: for the VMs of one host volume, the same option (shared, frozen). */
function noLunOption(ctx: RuleContext): MethodOption {
  const volumes = ctx.diskHostVolumes;
  if (volumes.length !== 1) return unavailable(ctx, 'array-snapshot', [noLunReason(ctx)]);
  return shared(ctx, volumes[0], NO_LUN_SLOTS[stateWhenNotCaptured(ctx)], sharedNoLunOption, null);
}

function sharedNoLunOption(ctx: RuleContext): MethodOption {
  return Object.freeze(unavailable(ctx, 'array-snapshot', Object.freeze([noLunReason(ctx)]) as string[]));
}

function planArraySnapshot(
  ctx: RuleContext,
  findings: Finding[],
  snapshotSet: ArraySnapshotSet,
): MethodOption {
  const { vm, index } = ctx;
  if (ctx.arrayVolumes.length === 0) return noLunOption(ctx);
  // Filled only when the VM cannot be snapshotted (most VMs on a LUN can).
  let reasons: string[] = NONE;
  // A disk's reason names a host volume of the VM that no LUN backs: none when every one has a LUN
  // (most VMs on a LUN), and then no disk's volume is looked up again.
  const disks = everyHostVolumeOnALun(ctx.diskHostVolumes) ? NONE : ctx.disks;
  for (let i = 0; i < disks.length; i++) {
    const disk = disks[i];
    if (disk.kind === 'passthrough' || !disk.hostVolumeId) continue;
    const volume = index.hostVolumesById.get(disk.hostVolumeId);
    if (volume && !volume.arrayVolumeId) {
      if (reasons === NONE) reasons = [];
      reasons.push(
        flat`Disk '${disk.name}' of '${vm.name}' lives on host volume '${volume.name}', which no array LUN backs.`,
      );
    }
  }
  const blockers = blockerReasons(findings, 'array-snapshot');
  if (reasons === NONE) reasons = blockers;
  else appendAll(reasons, blockers);
  if (reasons.length > 0) return unavailable(ctx, 'array-snapshot', reasons);
  const capture = captureWhenNotRunning(ctx, false) ?? arrayCaptureWhenRunning(ctx);
  const notOnArray = ctx.passthroughDisks.filter((d) => d.arrayVolumeId === null);
  const excluded = notOnArray.length === 0 ? NONE : notOnArray.map(diskRef);
  return available('array-snapshot', capture, excluded, snapshotSet.coCapturedVms);
}

function everyHostVolumeOnALun(volumes: readonly HostVolume[]): boolean {
  for (let i = 0; i < volumes.length; i++) if (!volumes[i].arrayVolumeId) return false;
  return true;
}

/** The guest agent of a running VM is available in the same terms for every VM: shared, frozen. */
const GUEST_AGENT_APPLICATION = available('guest-agent', ONLINE_APPLICATION, NONE, NONE);
const GUEST_AGENT_FILESYSTEM = available('guest-agent', ONLINE_FILESYSTEM, NONE, NONE);

function planGuestAgent(ctx: RuleContext): MethodOption {
  const { vm } = ctx;
  if (!ctx.isRunning) {
    return unavailable(ctx, 'guest-agent', [
      flat`The in-guest agent needs VM '${vm.name}' running; it is ${vm.powerState}.`,
    ]);
  }
  return vm.osFamily === 'windows' || vm.hasFreezeScripts ? GUEST_AGENT_APPLICATION : GUEST_AGENT_FILESYSTEM;
}

export interface PlannedVmAssessment {
  plan: MethodPlan;
  /** Every finding about the VM, prerequisite and plan-dependent, each once. */
  findings: Finding[];
}

/** Plan the methods of one VM and return the findings behind the plan. Used by evaluate.ts. */
export function planVm(
  index: InventoryIndex,
  vmId: string,
  planOptions: PlanMethodsOptions = {},
): PlannedVmAssessment {
  return planVmIn(buildRuleContext(index, vmId, planOptions));
}

/**
 * planVm for a VM of the index already in hand, with its host's scope (whole-estate evaluation walks
 * the inventory's VMs host by host: evaluate.ts `assessVms`).
 */
export function planVmOf(index: InventoryIndex, vm: Vm, scope?: HostScope): PlannedVmAssessment {
  return planVmIn(buildRuleContextOf(index, vm, NO_PLAN_OPTIONS, scope));
}

/** No job's options: the estate's assessment. Shared, never written to. */
const NO_PLAN_OPTIONS: PlanMethodsOptions = Object.freeze({});

function planVmIn(ctx: RuleContext): PlannedVmAssessment {
  const snapshotSet = arraySnapshotSetOf(ctx);
  const prerequisites = evaluatePrerequisiteRules(ctx, snapshotSet);
  const options: MethodOption[] = [
    planHypervWriter(ctx, 'hyperv-vss', prerequisites, NONE),
    // The others on the VM's volumes only where WSB runs: a XenServer VM's option is the host's shared one.
    planHypervWriter(
      ctx,
      'wsb-volume',
      prerequisites,
      ctx.host.kind === 'hyperv' ? otherVmRefsOnVmVolumes(ctx) : NONE,
    ),
    planXenSnapshot(ctx, prerequisites),
    planXenQuiesced(ctx, prerequisites),
    planArraySnapshot(ctx, prerequisites, snapshotSet),
    planGuestAgent(ctx),
  ];
  let best = bestCandidateOf(options, ctx.isQuiesceWanted);
  const bestAt = best ? options.indexOf(best) : -1;
  if (best) {
    best = recommendedVersion(best);
    options[bestAt] = best;
  }

  // Prerequisite findings are a fresh list: the plan-dependent one is appended, not copied in.
  const findings = prerequisites;
  const application = evaluateApplicationRules(
    ctx,
    best ? { method: best.method, consistency: best.consistency } : null,
  );
  appendAll(findings, application);
  const platformMethods = METHODS_BY_HYPERVISOR[ctx.host.kind];
  let previous: Finding[] = NONE;
  for (let i = 0; i < options.length; i++) {
    const option = options[i];
    // Rules only speak of the VM's own platform methods; the other methods' options are shared and frozen.
    if (!platformMethods.includes(option.method)) continue;
    const concerning = findingsConcerning(findings, option.method, previous);
    if (concerning.length > 0) {
      previous = concerning;
      const own = ownOption(option);
      own.findings = concerning;
      options[i] = own;
    }
  }
  // The recommended option got its own copy if findings concern it: the plan names that one.
  if (best) best = options[bestAt];
  return {
    plan: new LazilyWordedPlan(ctx, options, best, findings),
    findings: findingsOnPlatform(findings, platformMethods),
  };
}

/** The findings that concern the VM's platform: the list itself when all of them do (no copy). */
function findingsOnPlatform(findings: Finding[], platformMethods: readonly BackupMethod[]): Finding[] {
  for (let i = 0; i < findings.length; i++) {
    if (!concernsPlatform(findings[i], platformMethods)) {
      return findings.filter((f) => concernsPlatform(f, platformMethods));
    }
  }
  return findings;
}

export function planMethods(
  index: InventoryIndex,
  vmId: string,
  options: PlanMethodsOptions = {},
): MethodPlan {
  return planVm(index, vmId, options).plan;
}
