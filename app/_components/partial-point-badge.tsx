import { Badge } from '@/app/_components/ui/badge';
import { describePartialPoint } from '@/server/engine/restore-points';

interface PointDisks {
  isPartial: boolean;
  vmName: string;
  heldDiskIds: string[];
  missingDiskIds: string[];
}

/**
 * "partial" beside a point that does not hold every disk of its VM, with the engine's own
 * sentence ("holds 1 of 2 disks of fs-01") for screen readers and on hover:
 * every list, the drawer, the timeline and the protection page show the same verdict.
 */
export function PartialPointBadge({ point }: { point: PointDisks }) {
  if (!point.isPartial) return null;
  const why = describePartialPoint(point) ?? '';
  return (
    <Badge tone="warning" title={why}>
      partial<span className="sr-only">: {why}</span>
    </Badge>
  );
}
