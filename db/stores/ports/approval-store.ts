/**
 * Four-eyes approval requests and the per-kind policy (server/engine/approvals.ts).
 *
 * Concurrency contract: a decision is a compare-and-set on the request's status — `decide` changes
 * a request only while it is still `pending` (and, for an approval, not yet expired at the decision's
 * time) and says whether it did, so two admins approving at once start the action once. `expireDue`
 * moves every pending request whose expiry has come to `expired` in one statement and returns them.
 */
import type { ApprovalKind, ApprovalStatus } from '../../../server/engine/approvals';
import type { Page } from './page';

export interface ApprovalRequestRecord {
  id: string;
  kind: ApprovalKind;
  status: ApprovalStatus;
  title: string;
  payloadJson: Record<string, unknown>;
  previewJson: Record<string, unknown>;
  fingerprint: string;
  requestedBy: string;
  requestedByName: string;
  requestedByRole: string | null;
  requestedAt: Date;
  expiresAt: Date;
  decidedBy: string | null;
  decidedByName: string | null;
  decidedAt: Date | null;
  comment: string | null;
  resultJson: Record<string, unknown> | null;
  error: string | null;
}

export type NewApprovalRequest = Omit<
  ApprovalRequestRecord,
  'status' | 'decidedBy' | 'decidedByName' | 'decidedAt' | 'comment' | 'resultJson' | 'error'
>;

export interface ApprovalDecision {
  status: 'approved' | 'rejected';
  by: string;
  byName: string;
  at: Date;
  comment: string | null;
}

export interface ApprovalPolicyRecord {
  kind: ApprovalKind;
  required: boolean;
  reason: string | null;
  updatedAt: Date;
  updatedBy: string;
  updatedByName: string;
}

export interface ApprovalStore {
  create(request: NewApprovalRequest): Promise<ApprovalRequestRecord>;
  get(id: string): Promise<ApprovalRequestRecord | null>;
  /** Newest first, optionally one status only, one keyset page at a time. */
  list(
    filter: { status?: ApprovalStatus },
    page: { limit: number; cursor: string | null },
  ): Promise<Page<ApprovalRequestRecord>>;
  /** Pending requests not expired at `now`. */
  countPending(now: Date): Promise<number>;
  /** Marks pending requests with `expiresAt <= now` expired (decided at their expiry); returns them. */
  expireDue(now: Date): Promise<ApprovalRequestRecord[]>;
  /** Compare-and-set from `pending` (not expired at `decision.at`); null when it was no longer pending. */
  decide(id: string, decision: ApprovalDecision): Promise<ApprovalRequestRecord | null>;
  /** What the approved action started, or (status `failed`) why it was refused. */
  recordOutcome(
    id: string,
    outcome: { status: 'approved'; result: Record<string, unknown> } | { status: 'failed'; error: string },
  ): Promise<ApprovalRequestRecord>;
  policies(): Promise<ApprovalPolicyRecord[]>;
  setPolicy(policy: ApprovalPolicyRecord): Promise<void>;
}
