import type { OperationKind, OperationStatus, StepStatus } from '../../../server/engine/statuses';
/**
 * Operation events: every state change of an operation or step appends one event (in the same
 * transaction as the change). The id orders them across all operations and is the SSE event id a
 * reconnecting client resumes after. The payload map is shared by every producer and consumer.
 */

export interface OperationEventPayloads {
  'operation.queued': { kind: OperationKind; title: string };
  'operation.waiting': { reason: string; reasons: string[] };
  'operation.started': { lockKeys: string[] };
  'operation.cancelling': { requestedBy: string | null };
  'operation.recovered': { decision: 'resume' | 'interrupt'; reason: string; previousOwner: string | null };
  /** `warnings`: why it succeeded with warnings, in words ([] otherwise; absent in older events). */
  'operation.finished': { status: OperationStatus; error: string | null; warnings?: string[] };
  'step.started': { stepKey: string; attempt: number };
  'step.progress': { stepKey: string; bytesDone: number; bytesTotal: number | null };
  'step.log': { stepKey: string; level: 'info' | 'warn' | 'error'; message: string };
  'step.retrying': { stepKey: string; attempt: number; nextAttemptAt: string; error: string };
  'step.finished': {
    stepKey: string;
    status: StepStatus;
    bytes: number;
    durationMs: number | null;
    error: string | null;
    warning?: string | null;
  };
  'restore-point.created': { restorePointId: string; vmId: string; consistency: string };
  'restore-point.deleted': { restorePointId: string; vmId: string; reason: string };
  'restore-point.verified': { restorePointId: string; vmId: string; verdict: string };
}
export type OperationEventType = keyof OperationEventPayloads;

export interface OperationEvent<T extends OperationEventType = OperationEventType> {
  id: number;
  operationId: string;
  type: T;
  payload: OperationEventPayloads[T];
  at: Date;
}

/**
 * The events after which a worker may find a step to claim: an operation queued or cancelling, a
 * step finished or put back for a retry (the operation's next step), an operation finished (its
 * locks and host/array slots are free for those waiting) or recovered. Workers wake on them
 * instead of waiting for their next poll (server/jobs/worker.ts).
 */
export const WORK_EVENT_TYPES: ReadonlySet<OperationEventType> = new Set<OperationEventType>([
  'operation.queued',
  'operation.cancelling',
  'operation.recovered',
  'operation.finished',
  'step.finished',
  'step.retrying',
]);

/** True when one of these events may have made a step claimable. */
export function announcesWork(events: readonly Pick<OperationEvent, 'type'>[]): boolean {
  return events.some((event) => WORK_EVENT_TYPES.has(event.type));
}
