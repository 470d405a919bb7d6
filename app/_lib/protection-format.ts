import type { BadgeTone } from '@/app/_components/ui/badge';
import type { ProtectionStatus } from '@/server/engine/protection';

export { PROTECTION_STATUS_LABELS } from '@/server/engine/words';

export const PROTECTION_STATUS_TONES: Record<ProtectionStatus, BadgeTone> = {
  unprotected: 'danger',
  'rpo-exceeded': 'warning',
  partial: 'warning',
  'no-policy': 'neutral',
  protected: 'success',
  gone: 'neutral',
};
