import { Badge } from '@/app/_components/ui/badge';
import { formatDateTime } from '@/app/_lib/restore-format';

/**
 * A VM a sync of its host no longer listed: kept with its restore points and jobs, not backed up.
 * Says where from and since when, so the operator can tell a deletion from a move.
 */
export function GoneBadge({ hostName, goneSince }: { hostName: string; goneSince: Date | null | undefined }) {
  if (!goneSince) return null;
  return (
    <Badge
      tone="warning"
      title="A sync of the host no longer lists this VM. It is not backed up; its restore points stay and restore it as a new VM."
    >
      Gone from {hostName} since {formatDateTime(goneSince)}
    </Badge>
  );
}
