'use client';

import { useQuery } from '@tanstack/react-query';
import { ClipboardCheck } from 'lucide-react';
import Link from 'next/link';
import { useTRPC } from '@/app/_lib/trpc';

/**
 * The header's count of four-eyes requests waiting for a second admin (refreshed every 15 s):
 * admins see what waits for them, requesters see that theirs is still waiting.
 */
export function ApprovalsBadge() {
  const trpc = useTRPC();
  const count = useQuery({ ...trpc.approvals.pendingCount.queryOptions(), refetchInterval: 15_000 }).data;
  if (count === undefined) return null;
  return (
    <Link
      href="/approvals"
      className="flex items-center gap-1.5 rounded-md px-2 py-1 text-sm text-fg-soft hover:bg-surface-strong"
    >
      <ClipboardCheck aria-hidden="true" className="size-4" />
      {/* Named "Approvals: 2 waiting" by its text (no aria-label), so the name holds what is seen. */}
      <span>
        Approvals<span className="sr-only">:</span>
      </span>
      <span
        className={
          count > 0
            ? 'rounded-full bg-amber-400 px-1.5 text-xs font-semibold text-amber-950'
            : 'rounded-full bg-surface-strong px-1.5 text-xs text-fg-soft'
        }
      >
        {count}
      </span>
      <span className="sr-only"> waiting</span>
    </Link>
  );
}
