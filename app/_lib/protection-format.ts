import type { BadgeTone } from '@/app/_components/ui/badge';
import type { ProtectionStatus } from '@/server/engine/protection';

/** The protection page's words for a status, used wherever a VM's status is shown. */
export const PROTECTION_STATUS_LABELS: Record<ProtectionStatus, string> = {
  unprotected: 'Unprotected (VM-UNPROTECTED)',
  'rpo-exceeded': 'RPO exceeded (RPO-EXCEEDED)',
  partial: 'Partly protected: newest point lacks disks',
  'no-policy': 'Has points, no job RPO',
  protected: 'Protected within RPO',
};

export const PROTECTION_STATUS_TONES: Record<ProtectionStatus, BadgeTone> = {
  unprotected: 'danger',
  'rpo-exceeded': 'warning',
  partial: 'warning',
  'no-policy': 'neutral',
  protected: 'success',
};
