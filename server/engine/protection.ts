/**
 * Protection statuses of a VM (docs/domain.md §9): what the overview page sorts VMs into. A VM
 * whose newest good point is within its RPO but partial (isPartialPoint: some of its disks are
 * not in it) is `partial`, never plainly `protected`. A VM a sync of its host no longer saw
 * (`goneSince`) is `gone`, whatever its points say: it cannot be backed up, so it is neither
 * unprotected nor past its RPO, and the overview says where it went instead of raising an alarm.
 */

export const PROTECTION_STATUSES = [
  'unprotected',
  'rpo-exceeded',
  'partial',
  'no-policy',
  'protected',
  'gone',
] as const;
export type ProtectionStatus = (typeof PROTECTION_STATUSES)[number];

/** The rule id a status corresponds to (docs/domain.md §9, protection status), when it is a problem. */
export const PROTECTION_STATUS_RULES: Record<ProtectionStatus, 'VM-UNPROTECTED' | 'RPO-EXCEEDED' | null> = {
  unprotected: 'VM-UNPROTECTED',
  'rpo-exceeded': 'RPO-EXCEEDED',
  partial: null,
  'no-policy': null,
  protected: null,
  gone: null,
};

/**
 * The status a protection rule id stands for (`VM-UNPROTECTED` → unprotected): these rules are
 * not stored findings but statuses computed at a time, so a filter by them filters by status.
 */
export function protectionStatusOfRule(ruleId: string | undefined): ProtectionStatus | null {
  if (!ruleId) return null;
  return PROTECTION_STATUSES.find((status) => PROTECTION_STATUS_RULES[status] === ruleId) ?? null;
}
