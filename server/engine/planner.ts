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
 */
import type { HypervisorKind, InventoryIndex } from './inventory';
import {
  type ArraySnapshotSet,
  arraySnapshotSetOf,
  buildRuleContext,
  evaluateApplicationRules,
  evaluatePrerequisiteRules,
  type RuleContext,
  SAVED_STATE_DOWNTIME_SECONDS,
} from './rules';
import {
  diskRef,
  flat,
  hostVolumesOfVm,
  listQuotedNames,
  NONE,
  otherVmRefsOnHostVolumes,
} from './rules/context';
import {
  BACKUP_METHODS,
  type BackupMethod,
  CAPTURE_STATES,
  type CaptureState,
  type Consistency,
  consistencyRank,
  type Finding,
  type ObjectRef,
} from './types';

/**
 * One method for one VM. Plans are values: treat them as read-only. Empty lists and the options of
 * the other hypervisor's methods are shared, frozen objects (see rules/context.ts NONE).
 */
export interface MethodOption {
  method: BackupMethod;
  isAvailable: boolean;
  /** Why not, in plain words naming objects. Empty when available. */
  unavailableReasons: string[];
  /** What the method would achieve for this VM; null when unavailable. */
  consistency: Consistency | null;
  /** 'online' | 'saved-state' | 'offline' (VM powered off). */
  captureState: CaptureState;
  /** 0 when online or when the VM is already down. */
  expectedDowntimeSeconds: number;
  /** Disks the method leaves out (pass-through). */
  excludedDisks: ObjectRef[];
  /** Other VMs captured / rolled back with it (shared host volume for wsb-volume, shared array volume for array-snapshot). */
  coCapturedVms: ObjectRef[];
  /** Findings that concern this method. */
  findings: Finding[];
  isRecommended: boolean;
}

export interface MethodPlan {
  vmId: string;
  options: MethodOption[];
  recommended: BackupMethod | null;
  recommendationReason: string;
}

export interface PlanMethodsOptions {
  /** Quiesced snapshots asked by the job; default: asked for VMs that run applications. */
  quiesce?: boolean;
  /** What a method that cannot reach its consistency does: fail the VM ('require') or downgrade ('fallback', default). */
  consistencyPolicy?: 'require' | 'fallback';
}

/** Methods that can apply to a VM on each hypervisor; the others are listed as unavailable. */
export const METHODS_BY_HYPERVISOR: Record<HypervisorKind, readonly BackupMethod[]> = {
  hyperv: ['hyperv-vss', 'wsb-volume', 'array-snapshot', 'guest-agent'],
  xenserver: ['xen-snapshot', 'xen-quiesced', 'array-snapshot', 'guest-agent'],
};

/** Tie-breaker, most specific first. guest-agent is never a whole-VM candidate (see header). */
const METHOD_PREFERENCE: readonly BackupMethod[] = [
  'hyperv-vss',
  'xen-quiesced',
  'xen-snapshot',
  'array-snapshot',
  'wsb-volume',
  'guest-agent',
];

const CONSISTENCY_WORDS: Record<Consistency, string> = {
  crash: 'crash-consistent',
  filesystem: 'filesystem-consistent',
  application: 'application-consistent',
};

type Capture = Pick<MethodOption, 'consistency' | 'captureState' | 'expectedDowntimeSeconds'>;
function stateWhenNotCaptured(ctx: RuleContext): CaptureState {
  if (ctx.vm.powerState === 'off') return 'offline';
  if (ctx.vm.powerState === 'saved') return 'saved-state';
  return 'online';
}

function unavailable(ctx: RuleContext, method: BackupMethod, reasons: string[]): MethodOption {
  return {
    method,
    isAvailable: false,
    unavailableReasons: reasons,
    consistency: null,
    captureState: stateWhenNotCaptured(ctx),
    expectedDowntimeSeconds: 0,
    excludedDisks: NONE,
    coCapturedVms: NONE,
    findings: NONE,
    isRecommended: false,
  };
}

function available(
  method: BackupMethod,
  capture: Capture,
  excludedDisks: ObjectRef[],
  coCapturedVms: ObjectRef[],
): MethodOption {
  return {
    method,
    isAvailable: true,
    unavailableReasons: NONE,
    consistency: capture.consistency,
    captureState: capture.captureState,
    expectedDowntimeSeconds: capture.expectedDowntimeSeconds,
    excludedDisks,
    coCapturedVms,
    findings: NONE,
    isRecommended: false,
  };
}

const ONLINE_CRASH: Capture = { consistency: 'crash', captureState: 'online', expectedDowntimeSeconds: 0 };
const ONLINE_FILESYSTEM: Capture = {
  consistency: 'filesystem',
  captureState: 'online',
  expectedDowntimeSeconds: 0,
};
const ONLINE_APPLICATION: Capture = {
  consistency: 'application',
  captureState: 'online',
  expectedDowntimeSeconds: 0,
};
const OFFLINE_FILESYSTEM: Capture = {
  consistency: 'filesystem',
  captureState: 'offline',
  expectedDowntimeSeconds: 0,
};
/** Already saved (or saved by the Hyper-V writer while paused): memory and disks together, no new downtime. */
const ALREADY_SAVED: Capture = {
  consistency: 'application',
  captureState: 'saved-state',
  expectedDowntimeSeconds: 0,
};
const SAVED_STATE_BACKUP: Capture = {
  consistency: 'application',
  captureState: 'saved-state',
  expectedDowntimeSeconds: SAVED_STATE_DOWNTIME_SECONDS,
};

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

function blockerReasons(findings: Finding[], method: BackupMethod): string[] {
  const reasons: string[] = [];
  for (const f of findings) {
    if (f.severity === 'blocker' && (f.methods.length === 0 || f.methods.includes(method)))
      reasons.push(f.message);
  }
  return reasons;
}

/**
 * Values that name a host or host volume rather than the VM (an unavailability reason, a whole
 * unavailable option) are built once per evaluated index and shared by every VM there: whole-estate
 * evaluation builds 20,000 plans. Keyed by index, then by the object and a constant slot name.
 */
const sharedValues = new WeakMap<InventoryIndex, Map<object, Map<string, unknown>>>();

function shared<T>(ctx: RuleContext, owner: object, slot: string, build: () => T): T {
  let byOwner = sharedValues.get(ctx.index);
  if (!byOwner) {
    byOwner = new Map();
    sharedValues.set(ctx.index, byOwner);
  }
  let bySlot = byOwner.get(owner);
  if (!bySlot) {
    bySlot = new Map();
    byOwner.set(owner, bySlot);
  }
  if (bySlot.has(slot)) return bySlot.get(slot) as T;
  const value = build();
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
function notOnPlatform(ctx: RuleContext, method: BackupMethod, needs: string): MethodOption {
  const { host } = ctx;
  return shared(ctx, host, PLATFORM_SLOTS[method][stateWhenNotCaptured(ctx)], () => {
    const reason = flat`${method} needs ${needs}; host '${host.name}' runs ${host.kind === 'hyperv' ? 'Hyper-V' : 'XenServer'}.`;
    return Object.freeze(unavailable(ctx, method, Object.freeze([reason]) as string[]));
  });
}

function excludedPassthroughDisks(ctx: RuleContext): ObjectRef[] {
  return ctx.passthroughDisks.length === 0 ? NONE : ctx.passthroughDisks.map(diskRef);
}

const WSB_ONLY_SLOTS = Object.fromEntries(CAPTURE_STATES.map((c) => [c, `wsb-only-option:${c}`])) as Record<
  CaptureState,
  string
>;

function wsbOnlyReason(ctx: RuleContext): string {
  const { host } = ctx;
  return shared(
    ctx,
    host,
    'wsb-only',
    () =>
      flat`Host '${host.name}' has no VSS-aware backup product (the Migawka agent), only Windows Server Backup: use wsb-volume or install the agent.`,
  );
}

function planHypervWriter(
  ctx: RuleContext,
  method: 'hyperv-vss' | 'wsb-volume',
  findings: Finding[],
  coCapturedVms: ObjectRef[],
): MethodOption {
  if (ctx.host.kind !== 'hyperv') return notOnPlatform(ctx, method, 'a Hyper-V host');
  const reasons = blockerReasons(findings, method);
  const hasNoVmDisk = ctx.diskHostVolumes.length === 0;
  if (method === 'hyperv-vss' && !ctx.host.hasVssAwareProduct) {
    // Only WSB on the host and nothing else in the way: the same option for every VM of the host.
    if (reasons.length === 0 && !hasNoVmDisk) {
      return shared(ctx, ctx.host, WSB_ONLY_SLOTS[stateWhenNotCaptured(ctx)], () =>
        Object.freeze(unavailable(ctx, method, Object.freeze([wsbOnlyReason(ctx)]) as string[])),
      );
    }
    reasons.unshift(wsbOnlyReason(ctx));
  }
  if (hasNoVmDisk) {
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

function planXenSnapshot(ctx: RuleContext): MethodOption {
  if (ctx.host.kind !== 'xenserver') return notOnPlatform(ctx, 'xen-snapshot', 'a XenServer host');
  const capture = captureWhenNotRunning(ctx, false);
  if (!capture && ctx.consistencyPolicy === 'require' && ctx.isQuiesceWanted) {
    return unavailable(ctx, 'xen-snapshot', [
      flat`The job requires a quiesced, consistent point of '${ctx.vm.name}', and a regular snapshot of a running VM is only crash-consistent.`,
    ]);
  }
  return available('xen-snapshot', capture ?? ONLINE_CRASH, excludedPassthroughDisks(ctx), NONE);
}

function planXenQuiesced(ctx: RuleContext): MethodOption {
  const { vm, host } = ctx;
  if (host.kind !== 'xenserver') return notOnPlatform(ctx, 'xen-quiesced', 'a XenServer host');
  const reasons: string[] = [];
  if (!ctx.isRunning) {
    reasons.push(
      flat`VM '${vm.name}' is ${vm.powerState}: there is nothing to quiesce; xen-snapshot captures it as it is.`,
    );
  } else if (vm.osFamily !== 'windows') {
    reasons.push(
      flat`Quiesced snapshots need a Windows guest with the Xen VSS provider; '${vm.name}' runs ${vm.osFamily}.`,
    );
  } else {
    if (!vm.hasXenVssProvider) reasons.push(flat`The Xen VSS provider is not installed in '${vm.name}'.`);
    if (!host.offersQuiescedSnapshots) {
      reasons.push(
        shared(
          ctx,
          host,
          'no-quiesce',
          () =>
            flat`Host '${host.name}' runs XenServer ${host.version}, which no longer offers quiesced snapshots.`,
        ),
      );
    }
  }
  if (reasons.length > 0) return unavailable(ctx, 'xen-quiesced', reasons);
  return available('xen-quiesced', ONLINE_APPLICATION, excludedPassthroughDisks(ctx), NONE);
}

function arrayCaptureWhenRunning(ctx: RuleContext): Capture {
  if (ctx.vm.hasFreezeScripts) return ONLINE_APPLICATION;
  if (ctx.runsCriticalApplication) return ONLINE_CRASH;
  return ctx.vm.osFamily === 'windows' ? ONLINE_APPLICATION : ONLINE_FILESYSTEM;
}

function noLunReason(ctx: RuleContext): string {
  const volumes = ctx.diskHostVolumes;
  if (volumes.length === 0) return flat`No array volume (LUN) is behind the disks of VM '${ctx.vm.name}'.`;
  if (volumes.length === 1) {
    const [volume] = volumes;
    return shared(
      ctx,
      volume,
      'no-lun',
      () =>
        flat`No array volume (LUN) backs host volume '${volume.name}' of host '${ctx.host.name}', where the disks are.`,
    );
  }
  return flat`No array volume (LUN) is behind the disks of VM '${ctx.vm.name}': they are on ${listQuotedNames(volumes)}, which no array LUN backs.`;
}

const NO_LUN_SLOTS = Object.fromEntries(CAPTURE_STATES.map((c) => [c, `no-lun-option:${c}`])) as Record<
  CaptureState,
  string
>;

/** No LUN behind the VM's disks: for the VMs of one host volume, the same option (shared, frozen). */
function noLunOption(ctx: RuleContext): MethodOption {
  const volumes = ctx.diskHostVolumes;
  if (volumes.length !== 1) return unavailable(ctx, 'array-snapshot', [noLunReason(ctx)]);
  return shared(ctx, volumes[0], NO_LUN_SLOTS[stateWhenNotCaptured(ctx)], () =>
    Object.freeze(unavailable(ctx, 'array-snapshot', Object.freeze([noLunReason(ctx)]) as string[])),
  );
}

function planArraySnapshot(
  ctx: RuleContext,
  findings: Finding[],
  snapshotSet: ArraySnapshotSet,
): MethodOption {
  const { vm, index } = ctx;
  if (ctx.arrayVolumes.length === 0) return noLunOption(ctx);
  const reasons: string[] = [];
  for (const disk of ctx.disks) {
    if (disk.kind === 'passthrough' || !disk.hostVolumeId) continue;
    const volume = index.hostVolumesById.get(disk.hostVolumeId);
    if (volume && !volume.arrayVolumeId) {
      reasons.push(
        flat`Disk '${disk.name}' of '${vm.name}' lives on host volume '${volume.name}', which no array LUN backs.`,
      );
    }
  }
  reasons.push(...blockerReasons(findings, 'array-snapshot'));
  if (reasons.length > 0) return unavailable(ctx, 'array-snapshot', reasons);
  const capture = captureWhenNotRunning(ctx, false) ?? arrayCaptureWhenRunning(ctx);
  const notOnArray = ctx.passthroughDisks.filter((d) => d.arrayVolumeId === null);
  const excluded = notOnArray.length === 0 ? NONE : notOnArray.map(diskRef);
  return available('array-snapshot', capture, excluded, snapshotSet.coCapturedVms);
}

/** The guest agent of a running VM is available in the same terms for every VM: shared, frozen. */
const GUEST_AGENT_APPLICATION = Object.freeze(available('guest-agent', ONLINE_APPLICATION, NONE, NONE));
const GUEST_AGENT_FILESYSTEM = Object.freeze(available('guest-agent', ONLINE_FILESYSTEM, NONE, NONE));

function planGuestAgent(ctx: RuleContext): MethodOption {
  const { vm } = ctx;
  if (!ctx.isRunning) {
    return unavailable(ctx, 'guest-agent', [
      flat`The in-guest agent needs VM '${vm.name}' running; it is ${vm.powerState}.`,
    ]);
  }
  return vm.osFamily === 'windows' || vm.hasFreezeScripts ? GUEST_AGENT_APPLICATION : GUEST_AGENT_FILESYSTEM;
}

function compareCandidates(a: MethodOption, b: MethodOption): number {
  return (
    consistencyRank(b.consistency ?? 'crash') - consistencyRank(a.consistency ?? 'crash') ||
    a.expectedDowntimeSeconds - b.expectedDowntimeSeconds ||
    a.coCapturedVms.length - b.coCapturedVms.length ||
    a.excludedDisks.length - b.excludedDisks.length ||
    METHOD_PREFERENCE.indexOf(a.method) - METHOD_PREFERENCE.indexOf(b.method)
  );
}

function describeOption(option: MethodOption): string {
  const parts = [CONSISTENCY_WORDS[option.consistency ?? 'crash']];
  if (option.captureState === 'saved-state') {
    parts.push(
      option.expectedDowntimeSeconds > 0
        ? `in saved state (about ${option.expectedDowntimeSeconds} s of downtime)`
        : 'from its saved state',
    );
  } else parts.push(option.captureState === 'offline' ? 'while powered off' : 'online');
  parts.push(
    option.coCapturedVms.length === 0
      ? 'no other VM captured'
      : `captures ${option.coCapturedVms.length} other VM(s)`,
  );
  return parts.join(', ');
}

/** Why `loser` ranks below `winner`, naming the first criterion that decides. */
function explainLoss(winner: MethodOption, loser: MethodOption): string {
  const w = winner;
  const l = loser;
  if (l.consistency !== w.consistency)
    return `${l.method} is only ${CONSISTENCY_WORDS[l.consistency ?? 'crash']}`;
  if (l.expectedDowntimeSeconds !== w.expectedDowntimeSeconds) {
    return `${l.method} needs about ${l.expectedDowntimeSeconds} s of saved-state downtime`;
  }
  if (l.coCapturedVms.length !== w.coCapturedVms.length) {
    return `${l.method} also captures and rolls back ${listQuotedNames(l.coCapturedVms)}`;
  }
  if (l.excludedDisks.length !== w.excludedDisks.length) {
    return `${l.method} leaves out ${listQuotedNames(l.excludedDisks)}`;
  }
  return l.method === 'wsb-volume'
    ? 'wsb-volume is only the fallback for hosts without a VSS-aware product'
    : `${w.method} is the more specific method`;
}

function explainRecommendation(
  ctx: RuleContext,
  best: MethodOption | null,
  candidates: MethodOption[],
  options: MethodOption[],
  findings: Finding[],
): string {
  const { vm } = ctx;
  const guestAgent = options.find((o) => o.method === 'guest-agent');
  if (!best) {
    const platformReasons = options
      .filter((o) => o.method !== 'guest-agent' && METHODS_BY_HYPERVISOR[ctx.host.kind].includes(o.method))
      .map((o) => `${o.method}: ${o.unavailableReasons.join(' ')}`);
    const fallback = guestAgent?.isAvailable
      ? ` A guest-agent job can still protect its volumes from inside the guest.`
      : '';
    return flat`No method can capture VM '${vm.name}' as a whole. ${platformReasons.join(' ')}${fallback}`;
  }
  const sentences = [flat`${best.method} for '${vm.name}': ${describeOption(best)}.`];
  if (candidates.length > 1) {
    const losses: string[] = [];
    for (const c of candidates) if (c !== best) losses.push(explainLoss(best, c));
    sentences.push(`Preferred because ${losses.join('; ')}.`);
  }
  if (best.excludedDisks.length > 0) {
    sentences.push(
      `It leaves out pass-through disk(s) ${listQuotedNames(best.excludedDisks)}: guest-agent recommended for ${best.excludedDisks.length === 1 ? 'that disk' : 'those disks'}.`,
    );
  }
  const quiesced = options.find((o) => o.method === 'xen-quiesced');
  if (quiesced?.isAvailable && !ctx.isQuiesceWanted) {
    sentences.push(
      'xen-quiesced is available but quiesce is not asked for this VM (it loads the VM heavily).',
    );
  }
  const hasUnknowns = findings.some(
    (f) =>
      f.severity === 'info' && (f.ruleId === 'HV-BACKUP-IC-MISSING' || f.ruleId === 'HV-GUEST-VSS-DISABLED'),
  );
  if (
    best.captureState === 'online' &&
    hasUnknowns &&
    ctx.host.kind === 'hyperv' &&
    best.method !== 'array-snapshot'
  ) {
    sentences.push(
      'Online capture is expected but not confirmed: the guest does not report everything it needs (see the info findings); Hyper-V falls back to saved state if a prerequisite fails.',
    );
  }
  return sentences.join(' ');
}

function concernsMethod(finding: Finding, method: BackupMethod): boolean {
  return finding.methods.length === 0 || finding.methods.includes(method);
}

function concernsPlatform(finding: Finding, platformMethods: readonly BackupMethod[]): boolean {
  return finding.methods.length === 0 || finding.methods.some((m) => platformMethods.includes(m));
}

/** The findings that concern a method; the VM's own list when all of them do (no copy). */
function findingsConcerning(findings: Finding[], method: BackupMethod): Finding[] {
  let count = 0;
  for (const f of findings) if (concernsMethod(f, method)) count++;
  if (count === 0) return NONE;
  if (count === findings.length) return findings;
  const concerning: Finding[] = [];
  for (const f of findings) if (concernsMethod(f, method)) concerning.push(f);
  return concerning;
}

/**
 * An option this VM may change. Options repeated across VMs (a host's unavailable method, the
 * guest agent) are shared frozen objects: those are copied, the VM's own ones returned as they are.
 */
function ownOption(option: MethodOption): MethodOption {
  return Object.isFrozen(option) ? { ...option } : option;
}

/** compareCandidates order, stable, in place: an insertion sort allocates nothing for five options. */
function sortCandidates(candidates: MethodOption[]): void {
  for (let i = 1; i < candidates.length; i++) {
    const candidate = candidates[i];
    let j = i - 1;
    while (j >= 0 && compareCandidates(candidates[j], candidate) > 0) {
      candidates[j + 1] = candidates[j];
      j--;
    }
    candidates[j + 1] = candidate;
  }
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
  const ctx = buildRuleContext(index, vmId, planOptions);
  const snapshotSet = arraySnapshotSetOf(ctx);
  const prerequisites = evaluatePrerequisiteRules(ctx, snapshotSet);
  const options: MethodOption[] = [
    planHypervWriter(ctx, 'hyperv-vss', prerequisites, NONE),
    planHypervWriter(ctx, 'wsb-volume', prerequisites, otherVmRefsOnHostVolumes(ctx, hostVolumesOfVm(ctx))),
    planXenSnapshot(ctx),
    planXenQuiesced(ctx),
    planArraySnapshot(ctx, prerequisites, snapshotSet),
    planGuestAgent(ctx),
  ];
  const candidates: MethodOption[] = [];
  for (const o of options) {
    if (!o.isAvailable || o.method === 'guest-agent') continue;
    if (o.method === 'xen-quiesced' && !ctx.isQuiesceWanted) continue;
    candidates.push(o);
  }
  sortCandidates(candidates);
  let best = candidates[0] ?? null;
  if (best) {
    const recommended = ownOption(best);
    recommended.isRecommended = true;
    options[options.indexOf(best)] = recommended;
    candidates[0] = recommended;
    best = recommended;
  }

  // Prerequisite findings are a fresh list: the plan-dependent one is appended, not copied in.
  const findings = prerequisites;
  const application = evaluateApplicationRules(
    ctx,
    best ? { method: best.method, consistency: best.consistency } : null,
  );
  for (const f of application) findings.push(f);
  const platformMethods = METHODS_BY_HYPERVISOR[ctx.host.kind];
  for (let i = 0; i < options.length; i++) {
    const option = options[i];
    // Rules only speak of the VM's own platform methods; the other methods' options are shared and frozen.
    if (!platformMethods.includes(option.method)) continue;
    const concerning = findingsConcerning(findings, option.method);
    if (concerning.length > 0) {
      const own = ownOption(option);
      own.findings = concerning;
      options[i] = own;
    }
  }
  const vmFindings = findings.every((f) => concernsPlatform(f, platformMethods))
    ? findings
    : findings.filter((f) => concernsPlatform(f, platformMethods));
  return {
    plan: {
      vmId: ctx.vm.id,
      options,
      recommended: best?.method ?? null,
      recommendationReason: explainRecommendation(ctx, best, candidates, options, findings),
    },
    findings: vmFindings,
  };
}

export function planMethods(
  index: InventoryIndex,
  vmId: string,
  options: PlanMethodsOptions = {},
): MethodPlan {
  return planVm(index, vmId, options).plan;
}
