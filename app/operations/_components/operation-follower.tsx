'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { toast } from 'sonner';
import { useTRPC } from '@/app/_lib/trpc';
import type { OperationStatus } from '@/server/engine/statuses';
import { type OperationStreamEvent, useOperationEvents } from './use-operation-events';

/** How a followed operation ended, with what its events said on the way (a point's verdict). */
export interface FollowedOutcome {
  status: OperationStatus;
  error: string | null;
  verdict: string | null;
}

export interface FollowedOperation {
  operationId: string;
  /** What the page started, for the busy state of its buttons ("verify:rp-1"). */
  key: string;
  /** Shown while it runs: names the object ("Verifying the 10:05 point of sql01…"). */
  runningMessage: string;
  /** The toast once it is final. */
  describeOutcome: (outcome: FollowedOutcome) => { tone: 'success' | 'error'; message: string };
}

interface FollowerApi {
  follow: (operation: FollowedOperation) => void;
  isActive: (key: string) => boolean;
}

const FollowerContext = createContext<FollowerApi | null>(null);

/**
 * Operations started from a page (a point's verify or delete) run in the worker, not in the
 * request: the page hands them here, and each is followed over its event stream until it is final
 * — a toast names what runs and links to the operation's page, then says how it ended. Lives
 * above the pages, so closing a drawer or leaving the page does not lose the outcome.
 */
export function OperationFollowerProvider({ children }: { children: ReactNode }) {
  const [followed, setFollowed] = useState<FollowedOperation[]>([]);
  const follow = useCallback((operation: FollowedOperation) => {
    setFollowed((current) => [
      ...current.filter((item) => item.operationId !== operation.operationId),
      operation,
    ]);
  }, []);
  const finish = useCallback((operationId: string) => {
    setFollowed((current) => current.filter((item) => item.operationId !== operationId));
  }, []);
  const api = useMemo<FollowerApi>(
    () => ({ follow, isActive: (key) => followed.some((item) => item.key === key) }),
    [follow, followed],
  );
  return (
    <FollowerContext.Provider value={api}>
      {children}
      {followed.map((operation) => (
        <Follower key={operation.operationId} operation={operation} onFinished={finish} />
      ))}
    </FollowerContext.Provider>
  );
}

export function useOperationFollower(): FollowerApi {
  const api = useContext(FollowerContext);
  if (!api) throw new Error('useOperationFollower needs an OperationFollowerProvider above it');
  return api;
}

function Follower({
  operation,
  onFinished,
}: {
  operation: FollowedOperation;
  onFinished: (operationId: string) => void;
}) {
  const router = useRouter();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const verdict = useRef<string | null>(null);
  const { operationId } = operation;
  const link = useMemo(
    () => ({
      label: 'View operation',
      onClick: () => router.push(`/operations/${encodeURIComponent(operationId)}`),
    }),
    [router, operationId],
  );

  useEffect(() => {
    toast.loading(operation.runningMessage, { id: operationId, action: link });
  }, [operation.runningMessage, operationId, link]);

  // From the operation's first event: one that finished before the stream opened is not missed.
  useOperationEvents({
    operationId,
    startAfterEventId: 0,
    onEvent: (event: OperationStreamEvent) => {
      if (event.type === 'restore-point.verified') {
        verdict.current = (event.payload as { verdict: string }).verdict;
      }
      if (event.type !== 'operation.finished') return;
      const { status, error } = event.payload as { status: OperationStatus; error: string | null };
      const outcome = operation.describeOutcome({ status, error, verdict: verdict.current });
      const show = outcome.tone === 'success' ? toast.success : toast.error;
      show(outcome.message, { id: operationId, action: link });
      // Refresh now: the stream's own coalesced refresh is dropped when this follower goes away.
      void queryClient.invalidateQueries({ queryKey: trpc.restorePoints.pathKey() });
      void queryClient.invalidateQueries({ queryKey: trpc.operations.pathKey() });
      onFinished(operationId);
    },
  });
  return null;
}
