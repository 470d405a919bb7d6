/**
 * Fault injection for the lab driver. Rules live in `<lab root>/faults.json`, read on every
 * driver call, so a test, the e2e suite or an operator (by editing the file) can inject a fault
 * into a worker running in another process. A rule with `remaining` fires that many times and is
 * then used up (the file is rewritten), which is how "host unreachable twice, then fine" works.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const LAB_FAULTS = [
  /** createSnapshot with isQuiesced: the VSS writer / Xen VSS provider times out. */
  'vss-writer-timeout',
  /** freezeGuest: the guest freeze does not complete within its timeout. */
  'freeze-timeout',
  /** runGuestScript: the script exits with `exitCode` (default 1) whatever its command says. */
  'script-exit',
  /** createSnapshot: the hypervisor / array fails to take the snapshot. */
  'snapshot-failed',
  /** Any call touching the matched objects: the host cannot be reached (retryable). */
  'host-unreachable',
  /** copySnapshotToRepository / copyWithGuestAgent: no room left in the repository. */
  'repository-full',
  /**
   * Any call touching the matched objects: the host stops answering while the rule stands (a hung
   * WMI provider, a stalled array). The call resumes when the rule is removed, or ends at its
   * deadline or cancel. The e2e suite holds an operation mid-way with it, deterministically.
   */
  'hang',
] as const;
export type LabFault = (typeof LAB_FAULTS)[number];

export const LAB_ACTIONS = [
  'getPowerState',
  'saveState',
  'resume',
  'freezeGuest',
  'thawGuest',
  'runGuestScript',
  'flushHostIo',
  'createSnapshot',
  'copySnapshotToRepository',
  'releaseSnapshot',
  'copyWithGuestAgent',
  'verifyRestorePoint',
  'restoreDisks',
  'revertVolume',
  'stageVolume',
  'copyOutVm',
  'discardStaging',
  'deleteRestorePointData',
] as const;
export type LabAction = (typeof LAB_ACTIONS)[number];

/** The driver calls each fault naturally belongs to (a rule may narrow it with `action`). */
const NATURAL_ACTIONS: Record<LabFault, readonly LabAction[]> = {
  'vss-writer-timeout': ['createSnapshot'],
  'freeze-timeout': ['freezeGuest'],
  'script-exit': ['runGuestScript'],
  'snapshot-failed': ['createSnapshot'],
  'host-unreachable': LAB_ACTIONS,
  'repository-full': ['copySnapshotToRepository', 'copyWithGuestAgent'],
  hang: LAB_ACTIONS,
};

export const faultRuleSchema = z.object({
  fault: z.enum(LAB_FAULTS),
  /** Only calls touching this VM / host volume / array volume (all given filters must match). */
  vmId: z.string().min(1).optional(),
  hostVolumeId: z.string().min(1).optional(),
  arrayVolumeId: z.string().min(1).optional(),
  /** Only this driver call (must be one the fault applies to). */
  action: z.enum(LAB_ACTIONS).optional(),
  /** Fire this many times, then disappear; absent = every time. */
  remaining: z.number().int().positive().optional(),
  /** script-exit: the exit code to return. */
  exitCode: z.number().int().min(1).max(255).optional(),
});
export type FaultRule = z.infer<typeof faultRuleSchema>;

const faultFileSchema = z.object({ rules: z.array(faultRuleSchema) });

/** What a driver call touches, for matching rules. */
export interface FaultTarget {
  action: LabAction;
  vmIds: string[];
  hostVolumeIds: string[];
  arrayVolumeIds: string[];
}

export class FaultRegistry {
  constructor(private readonly file: string) {}

  static inRoot(root: string): FaultRegistry {
    return new FaultRegistry(path.join(root, 'faults.json'));
  }

  list(): FaultRule[] {
    if (!existsSync(this.file)) return [];
    const parsed = faultFileSchema.safeParse(JSON.parse(readFileSync(this.file, 'utf8')));
    if (!parsed.success) {
      throw new Error(`${this.file} is not a valid fault file: ${z.prettifyError(parsed.error)}`);
    }
    return parsed.data.rules;
  }

  inject(rule: FaultRule): void {
    const checked = faultRuleSchema.parse(rule);
    if (checked.action && !NATURAL_ACTIONS[checked.fault].includes(checked.action)) {
      throw new Error(`fault ${checked.fault} cannot be injected into ${checked.action}`);
    }
    this.write([...this.list(), checked]);
  }

  clear(): void {
    this.write([]);
  }

  /**
   * The first rule matching the call, consumed if it is counted; null when the call runs clean.
   * `fault` limits the search to the faults the caller can raise at this point.
   */
  take(target: FaultTarget, faults: readonly LabFault[]): FaultRule | null {
    const rules = this.list();
    const index = rules.findIndex((rule) => faults.includes(rule.fault) && matches(rule, target));
    if (index === -1) return null;
    const rule = rules[index];
    if (rule.remaining !== undefined) {
      const rest = [...rules];
      if (rule.remaining <= 1) rest.splice(index, 1);
      else rest[index] = { ...rule, remaining: rule.remaining - 1 };
      this.write(rest);
    }
    return rule;
  }

  /** Whether a rule for one of `faults` matches the call, without consuming it. */
  has(target: FaultTarget, faults: readonly LabFault[]): boolean {
    return this.list().some((rule) => faults.includes(rule.fault) && matches(rule, target));
  }

  /** Removes every rule for `fault` (a held call then resumes). */
  lift(fault: LabFault): void {
    this.write(this.list().filter((rule) => rule.fault !== fault));
  }

  private write(rules: FaultRule[]): void {
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify({ rules }, null, 2)}\n`);
    renameSync(temporary, this.file);
  }
}

function matches(rule: FaultRule, target: FaultTarget): boolean {
  if (!NATURAL_ACTIONS[rule.fault].includes(target.action)) return false;
  if (rule.action && rule.action !== target.action) return false;
  if (rule.vmId && !target.vmIds.includes(rule.vmId)) return false;
  if (rule.hostVolumeId && !target.hostVolumeIds.includes(rule.hostVolumeId)) return false;
  if (rule.arrayVolumeId && !target.arrayVolumeIds.includes(rule.arrayVolumeId)) return false;
  return true;
}
