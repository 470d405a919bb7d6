/**
 * The recommendation among a VM's available methods (docs/domain.md §6): how candidates are
 * ordered, and the sentence that says why the winner beat each alternative it passed over.
 */
import type { HypervisorKind } from './inventory';
import type { MethodOption, MethodPlan } from './method-plan';
import type { RuleContext } from './rules';
import { flat, listQuotedNames, NONE } from './rules/context';
import { type BackupMethod, type Consistency, consistencyRank, type Finding } from './types';
import { METHOD_LABELS, methodAtStart } from './words';

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
export function compareCandidates(a: MethodOption, b: MethodOption): number {
  return (
    consistencyRank(b.consistency ?? 'crash') - consistencyRank(a.consistency ?? 'crash') ||
    a.expectedDowntimeSeconds - b.expectedDowntimeSeconds ||
    a.coCapturedVms.length - b.coCapturedVms.length ||
    a.excludedDisks.length - b.excludedDisks.length ||
    METHOD_PREFERENCE.indexOf(a.method) - METHOD_PREFERENCE.indexOf(b.method)
  );
}

/**
 * What a saved-state capture is, said instead of "application-consistent": Hyper-V records it at
 * that level (docs/domain.md §2), but no in-guest VSS writer ran.
 */
export const SAVED_STATE_MEANING =
  'memory and disks captured together while the VM is paused; its applications resume where they were, with no in-guest VSS';

export function describeOption(option: MethodOption): string {
  const parts: string[] = [];
  if (option.captureState === 'saved-state') {
    parts.push(
      option.expectedDowntimeSeconds > 0
        ? `saved state (${SAVED_STATE_MEANING}; about ${option.expectedDowntimeSeconds} s of downtime)`
        : `from its saved state (${SAVED_STATE_MEANING}; no new downtime)`,
    );
  } else {
    parts.push(CONSISTENCY_WORDS[option.consistency ?? 'crash']);
    parts.push(option.captureState === 'offline' ? 'while powered off' : 'online');
  }
  parts.push(
    option.coCapturedVms.length === 0
      ? 'no other VM captured'
      : `captures ${option.coCapturedVms.length} other VM(s)`,
  );
  return parts.join(', ');
}

/** Why `loser` ranks below `winner`, naming the first criterion that decides. */
export function explainLoss(winner: MethodOption, loser: MethodOption): string {
  const w = winner;
  const l = loser;
  if (l.consistency !== w.consistency)
    return `${methodAtStart(l.method)} is only ${CONSISTENCY_WORDS[l.consistency ?? 'crash']}`;
  if (l.expectedDowntimeSeconds !== w.expectedDowntimeSeconds) {
    return `${methodAtStart(l.method)} needs about ${l.expectedDowntimeSeconds} s of saved-state downtime`;
  }
  if (l.coCapturedVms.length !== w.coCapturedVms.length) {
    return `${methodAtStart(l.method)} also captures and rolls back ${listQuotedNames(l.coCapturedVms)}`;
  }
  if (l.excludedDisks.length !== w.excludedDisks.length) {
    return `${methodAtStart(l.method)} leaves out ${listQuotedNames(l.excludedDisks)}`;
  }
  return l.method === 'wsb-volume'
    ? 'Windows Server Backup is only the fallback for hosts without a VSS-aware product'
    : `${methodAtStart(w.method)} is the more specific method`;
}

/** What the recommendation sentence reads besides the options, taken when the plan is made. */
export interface RecommendationFacts {
  vmName: string;
  hostKind: HypervisorKind;
  isQuiesceWanted: boolean;
  /** The recommended online capture rests on guest facts nobody read (isOnlineCaptureUnconfirmed). */
  isOnlineUnconfirmed: boolean;
}

/**
 * Whether the recommended option captures the VM online only if facts nobody could read allow it:
 * - a Hyper-V writer (the host's VSS or Windows Server Backup asking the guest's VSS) captures a
 *   running VM online when the guest's integration services and volumes are fit, and falls back to
 *   saved state when they are not, so a guest that did not report them leaves that unconfirmed;
 * - an array snapshot is taken only where the array can snapshot the LUN, so a LUN whose state
 *   the array did not report (ARRAY-SNAPSHOT-UNKNOWN) leaves it unconfirmed.
 * The recommendation's sentence and the VM's readiness (evaluate.ts readinessOf) both read this.
 */
export function isOnlineCaptureUnconfirmed(
  recommended: MethodOption | null,
  findings: readonly Finding[],
): boolean {
  if (recommended?.captureState !== 'online') return false;
  if (recommended.method === 'array-snapshot') return hasUnreadLunState(findings);
  if (recommended.method !== 'hyperv-vss' && recommended.method !== 'wsb-volume') return false;
  return hasUnknowns(findings);
}

function hasUnreadLunState(findings: readonly Finding[]): boolean {
  for (let i = 0; i < findings.length; i++) if (findings[i].ruleId === 'ARRAY-SNAPSHOT-UNKNOWN') return true;
  return false;
}

/** A finding says the guest does not report everything online capture needs. */
function hasUnknowns(findings: readonly Finding[]): boolean {
  for (let i = 0; i < findings.length; i++) {
    const f = findings[i];
    if (
      f.ruleId === 'HV-GUEST-FACTS-UNKNOWN' ||
      (f.severity === 'info' && (f.ruleId === 'HV-BACKUP-IC-MISSING' || f.ruleId === 'HV-GUEST-VSS-DISABLED'))
    )
      return true;
  }
  return false;
}

export function explainRecommendation(
  facts: RecommendationFacts,
  best: MethodOption | null,
  candidates: readonly MethodOption[],
  options: readonly MethodOption[],
): string {
  const guestAgent = options.find((o) => o.method === 'guest-agent');
  if (!best) {
    const platformReasons = options
      .filter((o) => o.method !== 'guest-agent' && METHODS_BY_HYPERVISOR[facts.hostKind].includes(o.method))
      .map((o) => `${METHOD_LABELS[o.method]}: ${o.unavailableReasons.join(' ')}`);
    const fallback = guestAgent?.isAvailable
      ? ` A guest-agent job can still protect its volumes from inside the guest.`
      : '';
    return flat`No method can capture VM '${facts.vmName}' as a whole. ${platformReasons.join(' ')}${fallback}`;
  }
  // Sentences are joined with `+`: the constant ones (most reasons end with the guest-agent one)
  // are then referenced by the reason rather than copied into it, once per VM of the estate.
  let reason = flat`${methodAtStart(best.method)} for '${facts.vmName}': ${describeOption(best)}.`;
  if (candidates.length > 1) {
    let losses = '';
    for (let i = 0; i < candidates.length; i++) {
      const c = candidates[i];
      if (c === best) continue;
      losses = losses === '' ? explainLoss(best, c) : flat`${losses}; ${explainLoss(best, c)}`;
    }
    reason = flat`${reason} Preferred because ${losses}.`;
  }
  if (best.excludedDisks.length > 0) {
    reason = flat`${reason} It leaves out pass-through disk(s) ${listQuotedNames(best.excludedDisks)}: a guest agent is recommended for ${best.excludedDisks.length === 1 ? 'that disk' : 'those disks'}.`;
  } else if (guestAgent?.isAvailable) {
    // The guest agent is always an alternative passed over: say why, once — naming the downtime
    // it would avoid where the winner pauses the VM, since that is what an operator weighs.
    reason +=
      best.expectedDowntimeSeconds > guestAgent.expectedDowntimeSeconds
        ? flat` A guest agent would avoid the ${best.expectedDowntimeSeconds} s of downtime, but is not recommended: it copies chosen volumes from inside the guest, not the VM itself (its configuration and every disk together); use it where no pause is acceptable.`
        : GUEST_AGENT_NOT_RECOMMENDED;
  }
  const quiesced = options.find((o) => o.method === 'xen-quiesced');
  if (quiesced?.isAvailable && !facts.isQuiesceWanted) reason += QUIESCE_NOT_ASKED;
  if (facts.isOnlineUnconfirmed)
    reason += best.method === 'array-snapshot' ? ARRAY_SNAPSHOT_NOT_CONFIRMED : ONLINE_NOT_CONFIRMED;
  return reason;
}

/**
 * The whole-VM candidates among a plan's options, best first (compareCandidates order, stable):
 * guest-agent is never one, xen-quiesced only when quiesce is wanted (see planner.ts).
 */
export function candidatesOf(options: readonly MethodOption[], isQuiesceWanted: boolean): MethodOption[] {
  const candidates: MethodOption[] = [];
  for (let i = 0; i < options.length; i++) {
    const o = options[i];
    if (isCandidate(o, isQuiesceWanted)) candidates.push(o);
  }
  sortCandidates(candidates);
  return candidates;
}

export function isCandidate(option: MethodOption, isQuiesceWanted: boolean): boolean {
  if (!option.isAvailable || option.method === 'guest-agent') return false;
  return option.method !== 'xen-quiesced' || isQuiesceWanted;
}

/**
 * The first of the candidates in compareCandidates order (what sorting them would put first),
 * without building the list: planning needs only the winner, the sentence the rest.
 */
export function bestCandidateOf(
  options: readonly MethodOption[],
  isQuiesceWanted: boolean,
): MethodOption | null {
  let best: MethodOption | null = null;
  for (let i = 0; i < options.length; i++) {
    const o = options[i];
    if (isCandidate(o, isQuiesceWanted) && (best === null || compareCandidates(o, best) < 0)) best = o;
  }
  return best;
}

/**
 * A VM's method plan whose recommendation sentence is worded when first read, then kept.
 *
 * Whole-estate evaluation builds a plan per VM (20,000 on the large estate), and wording every
 * sentence was about a tenth of it, while plans are stored, counted and compared before anyone reads
 * one. `recommendationReason` stays an own, enumerable property (one accessor shared by every plan,
 * defined in the constructor after the other fields), so JSON.stringify, spreads, structuredClone and
 * deep equality see the plain plan they saw before, key for key and in the same order. The sentence
 * reads the options as they were planned (the plan's own list and the facts taken here: no other
 * object is kept per plan, the candidates are ordered again when the sentence is worded), and
 * assigning it replaces it.
 */
export class LazilyWordedPlan implements MethodPlan {
  vmId: string;
  options: MethodOption[];
  recommended: BackupMethod | null;
  declare recommendationReason: string;
  readonly #plannedOptions: readonly MethodOption[];
  readonly #best: MethodOption | null;
  readonly #vmName: string;
  readonly #hostKind: HypervisorKind;
  readonly #isQuiesceWanted: boolean;
  readonly #isOnlineUnconfirmed: boolean;
  #reason: string | undefined;

  constructor(
    ctx: RuleContext,
    options: MethodOption[],
    best: MethodOption | null,
    findings: readonly Finding[],
  ) {
    this.vmId = ctx.vm.id;
    this.options = options;
    this.recommended = best?.method ?? null;
    this.#plannedOptions = options;
    this.#best = best;
    this.#vmName = ctx.vm.name;
    this.#hostKind = ctx.host.kind;
    this.#isQuiesceWanted = ctx.isQuiesceWanted;
    this.#isOnlineUnconfirmed = isOnlineCaptureUnconfirmed(best, findings);
    this.#reason = undefined;
    Object.defineProperty(this, 'recommendationReason', LazilyWordedPlan.#reasonProperty);
  }

  #word(): string {
    const facts: RecommendationFacts = {
      vmName: this.#vmName,
      hostKind: this.#hostKind,
      isQuiesceWanted: this.#isQuiesceWanted,
      isOnlineUnconfirmed: this.#isOnlineUnconfirmed,
    };
    const candidates = candidatesOf(this.#plannedOptions, this.#isQuiesceWanted);
    return explainRecommendation(facts, this.#best, candidates, this.#plannedOptions);
  }

  static readonly #reasonProperty: PropertyDescriptor = {
    enumerable: true,
    configurable: true,
    get(this: LazilyWordedPlan): string {
      this.#reason ??= this.#word();
      return this.#reason;
    },
    set(this: LazilyWordedPlan, reason: string): void {
      this.#reason = reason;
    },
  };
}

const GUEST_AGENT_NOT_RECOMMENDED =
  ' A guest agent is not recommended: it copies chosen volumes from inside the guest, not the VM itself (its configuration and every disk together).';
const QUIESCE_NOT_ASKED =
  ' A XenServer quiesced snapshot is available but quiesce is not asked for this VM (it loads the VM heavily).';
const ONLINE_NOT_CONFIRMED =
  ' Online capture is expected but not confirmed: the guest does not report everything it needs (see the findings); Hyper-V falls back to saved state if a prerequisite fails.';
const ARRAY_SNAPSHOT_NOT_CONFIRMED =
  ' The array snapshot is expected but not confirmed: the array did not report whether it can snapshot the LUN (see the findings); the backup fails if it cannot.';

export function concernsMethod(finding: Finding, method: BackupMethod): boolean {
  return finding.methods.length === 0 || finding.methods.includes(method);
}

export function concernsPlatform(finding: Finding, platformMethods: readonly BackupMethod[]): boolean {
  const { methods } = finding;
  if (methods.length === 0) return true;
  for (let i = 0; i < methods.length; i++) if (platformMethods.includes(methods[i])) return true;
  return false;
}

/**
 * The findings that concern a method; the VM's own list when all of them do, and `like` (another
 * option's list of the same VM) when it holds the same findings: hyperv-vss and wsb-volume are
 * concerned by the same host-level findings, and the plan is stored whole, so no copy is made.
 */
export function findingsConcerning(
  findings: Finding[],
  method: BackupMethod,
  like: readonly Finding[] = NONE,
): Finding[] {
  let count = 0;
  let likeMatched = 0;
  for (let i = 0; i < findings.length; i++) {
    if (!concernsMethod(findings[i], method)) continue;
    if (likeMatched === count && like[count] === findings[i]) likeMatched++;
    count++;
  }
  if (count === 0) return NONE;
  if (count === findings.length) return findings;
  if (likeMatched === count && count === like.length) return like as Finding[];
  const concerning: Finding[] = [];
  for (let i = 0; i < findings.length; i++)
    if (concernsMethod(findings[i], method)) concerning.push(findings[i]);
  return concerning;
}

/**
 * An option this VM may change. Options repeated across VMs (a host's unavailable method, the
 * guest agent) are shared frozen objects: those are copied, the VM's own ones returned as they are.
 */
export function ownOption(option: MethodOption): MethodOption {
  return Object.isFrozen(option) ? { ...option } : option;
}

/** compareCandidates order, stable, in place: an insertion sort allocates nothing for five options. */
export function sortCandidates(candidates: MethodOption[]): void {
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
