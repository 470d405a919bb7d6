import { Badge } from '@/app/_components/ui/badge';
import { PROTECTION_STATUS_LABELS, PROTECTION_STATUS_TONES } from '@/app/_lib/protection-format';
import type { ProtectionStatus } from '@/server/engine/protection';

/**
 * A VM's protection status as the protection page words it; null is a status nobody could read
 * (the VM left the store between two reads), shown as unknown rather than guessed.
 */
export function ProtectionStatusBadge({
  status,
  className,
}: {
  status: ProtectionStatus | null;
  className?: string;
}) {
  if (status === null) {
    return (
      <Badge tone="warning" className={className}>
        Protection not read: reload the page
      </Badge>
    );
  }
  return (
    <Badge tone={PROTECTION_STATUS_TONES[status]} className={className}>
      {PROTECTION_STATUS_LABELS[status]}
    </Badge>
  );
}
