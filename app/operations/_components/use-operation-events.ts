'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useEffect, useRef, useState } from 'react';
import { type RouterOutputs, useTRPC } from '@/app/_lib/trpc';

type TrackedEvent = RouterOutputs['operations']['events'] extends AsyncIterable<infer T> ? T : never;
export type OperationStreamEvent = TrackedEvent extends { data: infer D } ? D : never;

/** Re-reads at most this often while events pour in (progress events arrive per copied chunk). */
const REFRESH_INTERVAL_MS = 250;

/**
 * Live operation events over SSE. Every event refreshes the operations queries (coalesced), so
 * pages render the server's state rather than a client-side replay of it. `startAfterEventId`
 * is where the page's data was read; tRPC's SSE link resumes from the last tracked id by itself
 * after a dropped connection, so nothing between two reconnects is missed.
 */
export function useOperationEvents(options: {
  operationId?: string;
  startAfterEventId?: number;
  isEnabled?: boolean;
  onEvent?: (event: OperationStreamEvent) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const onEvent = useRef(options.onEvent);
  onEvent.current = options.onEvent;
  // Fixed once: a new starting point would restart the stream and replay from it.
  const [lastEventId] = useState(() =>
    options.startAfterEventId === undefined ? null : String(options.startAfterEventId),
  );

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  return useSubscription(
    trpc.operations.events.subscriptionOptions(
      { operationId: options.operationId, lastEventId },
      {
        enabled: options.isEnabled ?? true,
        onData: (tracked) => {
          onEvent.current?.(tracked.data);
          if (timer.current) return;
          timer.current = setTimeout(() => {
            timer.current = null;
            void queryClient.invalidateQueries({ queryKey: trpc.operations.pathKey() });
            void queryClient.invalidateQueries({ queryKey: trpc.jobs.pathKey() });
            // Backups catalogue points and retention prunes them: lists of points go stale too.
            void queryClient.invalidateQueries({ queryKey: trpc.restorePoints.pathKey() });
          }, REFRESH_INTERVAL_MS);
        },
      },
    ),
  );
}
