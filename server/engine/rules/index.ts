/**
 * Prerequisite rules, one file per family. Severity decisions:
 *
 * | rule                            | severity                                   | methods                         |
 * |---------------------------------|--------------------------------------------|---------------------------------|
 * | VM-POWER-STATE-UNKNOWN          | info: planned as stored (running for a     | every method                    |
 * |                                 |   sync), each run's check reads it again   |                                 |
 * | HV-BACKUP-IC-MISSING            | warning (running) / info (off, saved,      | hyperv-vss, wsb-volume          |
 * |                                 |   paused, or state not reported)           |                                 |
 * | HV-GUEST-VSS-DISABLED           | warning (running) / info (not running, or  | hyperv-vss, wsb-volume          |
 * |                                 |   no guest volumes reported = unknown)     |                                 |
 * | HV-SHADOW-STORAGE-ELSEWHERE     | warning (running) / info (not running)     | hyperv-vss, wsb-volume          |
 * | HV-DYNAMIC-DISK                 | warning (running) / info (not running)     | hyperv-vss, wsb-volume          |
 * | HV-UNSUPPORTED-FS               | warning (running) / info (not running)     | hyperv-vss, wsb-volume          |
 * | HV-SNAPSHOT-LOCATION-ELSEWHERE  | warning (running) / info (not running)     | hyperv-vss, wsb-volume          |
 * | HV-OFFLINE-BACKUP               | warning (running VMs only)                 | hyperv-vss, wsb-volume          |
 * | HV-PASSTHROUGH-DISK             | warning: the rest of the VM is captured    | hyperv-vss, wsb-volume          |
 * |                                 |                                            |   (+ array-snapshot w/o its LUN)|
 * | HV-HOST-VOLUME-VSS-DISABLED     | blocker: host-level methods cannot run     | hyperv-vss, wsb-volume          |
 * | HV-HOST-SHADOW-STORAGE-LOW      | warning: runs, may lose its snapshot /     | hyperv-vss, wsb-volume          |
 * |                                 |   info (its free space was not read)       |                                 |
 * | WSB-VOLUME-GRANULARITY          | warning (other VMs share) / info (alone);  | wsb-volume                      |
 * |                                 |   only on hosts without a VSS-aware product|                                 |
 * | XS-QUIESCE-UNSUPPORTED-OS       | warning (fallback) / blocker (require)     | xen-quiesced                    |
 * | XS-QUIESCE-PROVIDER-MISSING     | warning (fallback) / blocker (require)     | xen-quiesced                    |
 * | XS-QUIESCE-UNAVAILABLE          | warning (fallback) / blocker (require)     | xen-quiesced                    |
 * | XS-QUIESCE-PERFORMANCE          | info                                       | xen-quiesced                    |
 * | XS-SR-NO-SNAPSHOT               | blocker: the SR's driver lacks VDI_SNAPSHOT| xen-snapshot, xen-quiesced      |
 * | XS-SR-SNAPSHOT-UNKNOWN          | info: the SR's driver was not read         | xen-snapshot, xen-quiesced      |
 * | XS-GUEST-FACTS-UNKNOWN          | warning (running) / info (not running)     | xen-snapshot, xen-quiesced      |
 * | XS-ARRAY-COPY-VHD               | warning (a disk's format was not read:     | array-snapshot                  |
 * |                                 |   only raw and VHD are copied)             |                                 |
 * | XS-ARRAY-COPY-SR-TYPE           | blocker (an array LUN's SR not lvmoiscsi:  | array-snapshot                  |
 * |                                 |   lvmohba, file-based) / warning (its type |                                 |
 * |                                 |   was not read)                            |                                 |
 * | APP-CRASH-CONSISTENT            | warning                                    | the recommended method          |
 * | ARRAY-NO-SNAPSHOT               | blocker: the array method cannot run       | array-snapshot                  |
 * | ARRAY-SNAPSHOT-UNKNOWN          | warning: the LUN's state was not read      | array-snapshot                  |
 * | ARRAY-NOT-INTEGRATED            | info                                       | array-snapshot                  |
 * | ARRAY-APP-NEEDS-SCRIPTS         | warning (fallback) / blocker (require)     | array-snapshot                  |
 * | ARRAY-SHARED-VOLUME             | warning                                    | array-snapshot                  |
 * | ARRAY-CG-INCOMPLETE             | warning                                    | array-snapshot                  |
 *
 * Why: a blocker means the method cannot run at all. Everything that still yields a restore point
 * (saved state, a skipped pass-through disk, a crash-consistent downgrade) is a warning, because
 * the VM is still protected and the operator decides. Under the 'require' consistency policy a
 * downgrade would fail the VM instead, so it becomes a blocker. Facts that cost nothing today (an
 * online prerequisite of a VM that is not running, an unknown guest state) are info: shown, not
 * alarming. "Unknown" is never reported as "fine": a VM with no guest volumes reported gets an info
 * finding saying its guest VSS state is unknown.
 *
 * Severity is per method: a blocker for array-snapshot does not block a VM that hyperv-vss can back
 * up. Whether the VM as a whole is blocked is its readiness (evaluate.ts), not a finding.
 */
import type { Finding } from '../types';
import { type ArraySnapshotSet, arraySnapshotSetOf, collectArrayFindings } from './array';
import type { RuleContext } from './context';
import { collectHypervFindings } from './hyperv';
import { collectPowerStateFindings } from './power-state';
import { collectXenServerFindings } from './xenserver';

export { evaluateApplicationRules, type RecommendedCapture } from './application';
export { type ArraySnapshotSet, arraySnapshotSetOf } from './array';
export {
  buildRuleContext,
  buildRuleContextOf,
  type HostScope,
  hostScopeOf,
  type JobScripts,
  type RuleContext,
  type RuleOptions,
} from './context';
export { ONLINE_PREREQUISITE_RULES, SAVED_STATE_DOWNTIME_SECONDS } from './hyperv';

/** Every fact-based rule for one VM (APP-CRASH-CONSISTENT needs the plan: see application.ts). */
export function evaluatePrerequisiteRules(
  ctx: RuleContext,
  snapshotSet: ArraySnapshotSet = arraySnapshotSetOf(ctx),
): Finding[] {
  // One scratch list appended to by each family (no intermediate lists per VM), copied at the end
  // to a list of its exact length: a list grown by pushes keeps room for 16 or more findings, and
  // every assessment of the estate keeps its list.
  const findings = scratchFindings;
  findings.length = 0;
  collectPowerStateFindings(ctx, findings);
  collectHypervFindings(ctx, findings);
  collectXenServerFindings(ctx, findings);
  collectArrayFindings(ctx, snapshotSet, findings);
  const own = findings.slice();
  findings.length = 0;
  return own;
}

/** evaluatePrerequisiteRules' scratch list, emptied on each call (the rules never call it). */
const scratchFindings: Finding[] = [];
