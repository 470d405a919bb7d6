import Link from 'next/link';
import type { ReactNode } from 'react';
import { READINESS_LABELS, READINESS_TONES } from '@/app/_lib/format';
import { READINESS, type Readiness } from '@/server/engine/types';
import { Badge } from './ui/badge';

const badgeLink = 'rounded-full focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-brand-500';

/**
 * Non-zero readiness counts as badges, then the VMs gone from their host (which have no readiness,
 * so they are counted apart, never under one); with `hrefFor`, each links into the filtered VM list.
 */
export function ReadinessSummary({
  counts,
  goneCount = 0,
  hrefFor,
}: {
  counts: Record<Readiness, number>;
  goneCount?: number;
  hrefFor?: (filter: Readiness | 'gone') => string;
}) {
  const present = READINESS.filter((readiness) => counts[readiness] > 0);
  if (present.length === 0 && goneCount === 0) return <span className="text-fg-subtle">no VMs</span>;
  const linked = (key: string, href: string | undefined, badge: ReactNode) =>
    href ? (
      <Link key={key} href={href} className={badgeLink}>
        {badge}
      </Link>
    ) : (
      <span key={key}>{badge}</span>
    );
  return (
    <span className="flex flex-wrap gap-1">
      {present.map((readiness) =>
        linked(
          readiness,
          hrefFor?.(readiness),
          <Badge tone={READINESS_TONES[readiness]} title={READINESS_LABELS[readiness]}>
            {counts[readiness]} {READINESS_LABELS[readiness]}
          </Badge>,
        ),
      )}
      {goneCount > 0
        ? linked(
            'gone',
            hrefFor?.('gone'),
            <Badge tone="warning" title="Gone from their host: not backed up, no readiness">
              {goneCount} gone
            </Badge>,
          )
        : null}
    </span>
  );
}
