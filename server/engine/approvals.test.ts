/**
 * The four-eyes rules of a kind, table-driven: its place and words in the console's list, who may
 * ask for it, and whether it needs approval under each policy an admin may have written.
 */
import { describe, expect, it } from 'vitest';
import {
  APPROVAL_KIND_LABELS,
  APPROVAL_KINDS,
  type ApprovalKind,
  isApprovalKind,
  isApprovalRequired,
  REQUESTER_ROLES,
} from './approvals';

describe('disconnect', () => {
  it('is a kind, listed after deleting a job, in words an admin reads, asked for by an admin', () => {
    expect(isApprovalKind('disconnect')).toBe(true);
    expect(APPROVAL_KINDS.indexOf('disconnect')).toBe(APPROVAL_KINDS.indexOf('delete-job') + 1);
    expect(APPROVAL_KIND_LABELS.disconnect).toBe('Disconnecting a Hyper-V host or XenServer pool');
    expect(REQUESTER_ROLES.disconnect).toBe('admin');
  });

  type Policies = { kind: ApprovalKind; required: boolean }[];
  // Whatever it stops (the impact is not an input): only a policy row for the kind turns it off.
  const POLICIES: [string, Policies, boolean][] = [
    ['no policy written', [], true],
    ['turned on again', [{ kind: 'disconnect', required: true }], true],
    ['turned off (approved)', [{ kind: 'disconnect', required: false }], false],
    ['another kind turned off', [{ kind: 'delete-job', required: false }], true],
    [
      'off for it, on for another',
      [
        { kind: 'delete-job', required: true },
        { kind: 'disconnect', required: false },
      ],
      false,
    ],
  ];
  it.each(POLICIES)('%s: approval required is %s', (_what, policies, required) => {
    expect(isApprovalRequired('disconnect', policies)).toBe(required);
  });

  it('turning four-eyes off stays covered whatever is written for the disconnect', () => {
    expect(isApprovalRequired('turn-off-four-eyes', [{ kind: 'disconnect', required: false }])).toBe(true);
  });
});

describe('every kind', () => {
  it.each(APPROVAL_KINDS.map((kind) => [kind]))('%s has a label and a requester role', (kind) => {
    expect(APPROVAL_KIND_LABELS[kind].length).toBeGreaterThan(0);
    expect(REQUESTER_ROLES[kind]).toBeDefined();
  });
});
