import { describe, expect, it } from 'vitest';
import { decideRecovery, type StepState, workerName } from './operation-rules';

/** One operation's steps: freeze sql-01, snapshot its array volume, thaw, copy. */
function steps(statuses: Partial<Record<string, string>>): StepState[] {
  const step = (key: string, kind: string, title: string, extra: Partial<StepState> = {}): StepState => ({
    key,
    kind,
    title,
    vmId: 'vm-7f3a',
    status: statuses[key] ?? 'pending',
    isCleanup: false,
    undoes: null,
    startedAt: null,
    attempts: 0,
    error: null,
    warning: null,
    ...extra,
  });
  return [
    step('freeze', 'guest-freeze', 'Freeze the file systems of sql-01'),
    step('snapshot', 'array-snapshot', 'Snapshot lun_sql on netapp-01'),
    step('thaw', 'guest-thaw', 'Thaw the file systems of sql-01', { isCleanup: true, undoes: 'freeze' }),
    step('copy', 'copy-disks', 'Copy the disks of sql-01'),
  ];
}

describe('decideRecovery: what happens to an operation whose worker stopped renewing its lease', () => {
  it.each([
    {
      case: 'between steps',
      statuses: { freeze: 'succeeded', snapshot: 'succeeded', thaw: 'succeeded' },
      ownLease: false,
      decision: 'resume',
      reason: 'worker w1 stopped between steps; resuming after the last finished step',
    },
    {
      case: 'during a step safe to run again',
      statuses: { freeze: 'succeeded', snapshot: 'succeeded', thaw: 'succeeded', copy: 'running' },
      ownLease: false,
      decision: 'resume',
      reason: 'worker w1 stopped during "Copy the disks of sql-01"; it is safe to run again',
    },
    {
      case: 'during the freeze itself, which is not safe to run twice',
      statuses: { freeze: 'running' },
      ownLease: false,
      decision: 'interrupt',
      reason: 'worker w1 stopped during "Freeze the file systems of sql-01", which is not safe to run twice',
    },
    {
      case: 'inside the freeze window, naming the VM by its name',
      statuses: { freeze: 'succeeded' },
      ownLease: false,
      decision: 'interrupt',
      reason:
        'worker w1 stopped after "Freeze the file systems of sql-01" and before the thaw; the freeze window cannot be trusted',
    },
    {
      case: 'its own lease inside the freeze window',
      statuses: { freeze: 'succeeded' },
      ownLease: true,
      decision: 'interrupt',
      reason:
        'worker w1 lost track of the operation after "Freeze the file systems of sql-01" and before the thaw; the freeze window cannot be trusted',
    },
    {
      case: 'its own lease during a step safe to run again',
      statuses: { freeze: 'succeeded', snapshot: 'succeeded', thaw: 'succeeded', copy: 'running' },
      ownLease: true,
      decision: 'resume',
      reason: 'worker w1 lost track of "Copy the disks of sql-01"; it is safe to run again',
    },
  ])('$case', ({ statuses, ownLease, decision, reason }) => {
    const result = decideRecovery('w1', steps(statuses), ownLease);
    expect(result).toEqual({ decision, reason });
    expect(result.reason).not.toContain('vm-7f3a');
  });
});

describe('workerName: the worker a recovery reason names', () => {
  it.each([
    { owner: 'db-node-2:4242:k3x9qz', name: 'the worker on db-node-2 (process 4242)' },
    { owner: 'w1', name: 'worker w1' },
    { owner: null, name: 'a worker' },
  ])('$owner', ({ owner, name }) => {
    expect(workerName(owner)).toBe(name);
  });
  it('names the host and process in the reason, not the random part', () => {
    const { reason } = decideRecovery(
      'db-node-2:4242:k3x9qz',
      steps({ freeze: 'succeeded', snapshot: 'succeeded', thaw: 'succeeded' }),
    );
    expect(reason).toBe(
      'the worker on db-node-2 (process 4242) stopped between steps; resuming after the last finished step',
    );
  });
});
