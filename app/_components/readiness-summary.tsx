import Link from 'next/link';
import { READINESS_LABELS, READINESS_TONES } from '@/app/_lib/format';
import { READINESS, type Readiness } from '@/server/engine/types';
import { Badge } from './ui/badge';

/** Non-zero readiness counts as badges; with `hrefFor`, each links into the filtered VM list. */
export function ReadinessSummary({
  counts,
  hrefFor,
}: {
  counts: Record<Readiness, number>;
  hrefFor?: (readiness: Readiness) => string;
}) {
  const present = READINESS.filter((readiness) => counts[readiness] > 0);
  if (present.length === 0) return <span className="text-fg-subtle">no VMs</span>;
  return (
    <span className="flex flex-wrap gap-1">
      {present.map((readiness) => {
        const badge = (
          <Badge key={readiness} tone={READINESS_TONES[readiness]} title={READINESS_LABELS[readiness]}>
            {counts[readiness]} {READINESS_LABELS[readiness]}
          </Badge>
        );
        return hrefFor ? (
          <Link
            key={readiness}
            href={hrefFor(readiness)}
            className="rounded-full focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-brand-500"
          >
            {badge}
          </Link>
        ) : (
          <span key={readiness}>{badge}</span>
        );
      })}
    </span>
  );
}
