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
