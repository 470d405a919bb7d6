/** Labels and tones of four-eyes request statuses, shared by the list and the detail page. */
import type { BadgeTone } from '@/app/_components/ui/badge';
import type { ApprovalStatus } from '@/server/engine/approvals';

export const APPROVAL_STATUS_LABELS: Record<ApprovalStatus, string> = {
  pending: 'Waiting for approval',
  approved: 'Approved',
  rejected: 'Rejected',
  expired: 'Expired (rejected automatically)',
  failed: 'Approved, but refused when run',
};

export const APPROVAL_STATUS_TONES: Record<ApprovalStatus, BadgeTone> = {
  pending: 'warning',
  approved: 'success',
  rejected: 'neutral',
  expired: 'neutral',
  failed: 'danger',
};
