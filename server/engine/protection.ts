/** Protection statuses of a VM (docs/domain.md §9): what the overview page sorts VMs into. */

export const PROTECTION_STATUSES = ['unprotected', 'rpo-exceeded', 'no-policy', 'protected'] as const;
export type ProtectionStatus = (typeof PROTECTION_STATUSES)[number];

/** The rule id a status corresponds to (docs/domain.md §9, protection status), when it is a problem. */
export const PROTECTION_STATUS_RULES: Record<ProtectionStatus, 'VM-UNPROTECTED' | 'RPO-EXCEEDED' | null> = {
  unprotected: 'VM-UNPROTECTED',
  'rpo-exceeded': 'RPO-EXCEEDED',
  'no-policy': null,
  protected: null,
};
