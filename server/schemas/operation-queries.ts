/**
 * What the operations procedures take besides a request to start: an operation id (and a retry's
 * confirmation), the list's filters and cursor, a VM to back up now, and where an event stream resumes.
 */
import { z } from 'zod';
import { OPERATION_KINDS, OPERATION_STATUSES } from '../engine/statuses';

export const operationIdInput = z.object({ id: z.string().trim().min(1, 'Choose an operation') });
export type OperationIdInput = z.input<typeof operationIdInput>;

/**
 * A retry of what failed. One that destroys data again (a restore over what exists, a point's
 * deletion) is refused without `confirmation`, the name typed afresh; other retries ignore it.
 */
export const retryFailedInput = operationIdInput.extend({
  confirmation: z.string().max(500, 'The confirmation is longer than 500 characters').optional(),
});
export type RetryFailedInput = z.input<typeof retryFailedInput>;

/** A date-range bound: a Date, or ISO text (a CSV export's query comes as JSON in the URL). */
const rangeBound = (what: string) =>
  z.coerce.date({ error: `The ${what} of the date range is not a date` }).optional();

export const operationListQueryInput = z
  .object({
    status: z.array(z.enum(OPERATION_STATUSES)).optional(),
    kind: z.enum(OPERATION_KINDS).optional(),
    vmId: z.string().min(1).optional(),
    jobId: z.string().min(1).optional(),
    /** Requested at or after this instant. */
    createdFrom: rangeBound('start'),
    /** Requested before this instant (a day's range ends at the next midnight). */
    createdBefore: rangeBound('end'),
    cursor: z.string().min(1).optional(),
    limit: z.int().min(1).max(200).default(50),
  })
  .refine((query) => !query.createdFrom || !query.createdBefore || query.createdFrom < query.createdBefore, {
    message: 'The date range ends before it starts: choose an end after the start',
    path: ['createdBefore'],
  });
export type OperationListQueryInput = z.input<typeof operationListQueryInput>;
export type OperationListQuery = z.output<typeof operationListQueryInput>;

/** "Back up now" from a VM page. */
export const backupVmInput = z.object({ vmId: z.string().trim().min(1, 'Choose a VM') });
export type BackupVmInput = z.input<typeof backupVmInput>;

export const operationEventsInput = z.object({
  /** One operation's events, or every operation's (the Operations page). */
  operationId: z.string().trim().min(1).optional(),
  /** The last event id the client saw; httpSubscriptionLink fills it in when it reconnects. */
  lastEventId: z.string().regex(/^\d+$/, 'lastEventId is an event id (a whole number)').nullish(),
});
export type OperationEventsInput = z.input<typeof operationEventsInput>;
