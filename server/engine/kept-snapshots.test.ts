/**
 * The job option "keep the array snapshot on the array": where the plan puts the release of the
 * capture's snapshot, and what happens to the snapshot when a run succeeds, fails or is cancelled.
 * Runs are walked with the runner's own next-step rule (decidePendingSteps) over the plan's steps;
 * the release step decides with decideKeptSnapshotRelease, as its handler does.
 */
import { describe, expect, it } from 'vitest';
import { planBackup } from './backup-plan';
import {
  arraySnapshotDeletionWords,
  decideKeptSnapshotRelease,
  describeArraySnapshotDeletion,
  type KeptPointFacts,
} from './kept-snapshots';
import { decidePendingSteps, type StepState } from './operation-rules';
import { makeIdSequence, makeOperationsIndex } from './operations-estate.fixture';
import type { BackupPlan, PlanStep } from './plan-types';

const NOW = new Date('2026-03-28T01:00:00Z');
const SHARED = 'array-volumes:lun-shared';

function planShared(keepArraySnapshot: boolean): BackupPlan {
  return planBackup(
    makeOperationsIndex(),
    {
      scope: { kind: 'array-volume', arrayVolumeId: 'lun-shared' },
      methodByVm: { app01: 'array-snapshot' },
      consistencyPolicy: 'fallback',
      passthroughPolicy: 'skip',
      keepArraySnapshot,
    },
    { now: NOW, newId: makeIdSequence() },
  );
}

type Scenario =
  | { kind: 'success' }
  | { kind: 'failure'; failsAt: string }
  | { kind: 'cancel'; cancelAfter: string };

interface RunOutcome {
  /** What the release step did: released, kept, or never ran (skipped / cancelled). */
  snapshot: 'released' | 'kept' | 'not run';
  /** The points catalogued, with their location. */
  points: string[];
}

/** Walks a run of `plan` the way the runner does, with the scenario's failure or cancel. */
function walk(plan: BackupPlan, scenario: Scenario): RunOutcome {
  const states: (StepState & { plan: PlanStep })[] = plan.steps.map((step) => ({
    key: step.key,
    kind: step.kind,
    title: step.title,
    vmId: step.vmId,
    status: 'pending',
    isCleanup: step.undoes !== null,
    undoes: step.undoes,
    startedAt: null,
    attempts: 0,
    error: null,
    warning: null,
    plan: step,
  }));
  const byKey = new Map(states.map((state) => [state.key, state]));
  const catalogued: KeptPointFacts[] = [];
  let snapshot: RunOutcome['snapshot'] = 'not run';
  let isEnding = false;
  for (;;) {
    const pending = states.filter((state) => state.status === 'pending');
    const decision = decidePendingSteps(pending, isEnding, (step) => byKey.get(step.undoes ?? ''));
    for (const { step } of decision.skip) step.status = 'skipped';
    for (const step of decision.cancel) step.status = 'cancelled';
    const next = decision.next;
    if (!next) break;
    next.startedAt = NOW;
    if (scenario.kind === 'failure' && next.key === scenario.failsAt) {
      next.status = 'failed';
      isEnding = true;
      continue;
    }
    next.status = 'succeeded';
    const params = next.plan.params as Record<string, unknown>;
    if (next.kind === 'catalog') {
      catalogued.push({
        id: String(params.restorePointId),
        vmName: String(next.vmId),
        snapshotId: String(params.snapshotId),
        locationKind: params.keepsArraySnapshot ? 'array-snapshot' : 'repository',
      });
    }
    if (next.kind === 'release-snapshot') {
      const keptFor = params.keptForPointIds as string[] | undefined;
      snapshot =
        keptFor && decideKeptSnapshotRelease(keptFor, catalogued).action === 'keep' ? 'kept' : 'released';
    }
    if (scenario.kind === 'cancel' && next.key === scenario.cancelAfter) isEnding = true;
  }
  return { snapshot, points: catalogued.map((point) => `${point.vmName}:${point.locationKind}`) };
}

describe('keep the array snapshot on the array: the release step in the plan', () => {
  it.each([
    {
      keep: false,
      name: 'released: the release runs right after the copies, as the snapshot’s cleanup',
      after: 'vm:app02:copy-to-repository',
      before: 'vm:app01:catalog',
    },
    {
      keep: true,
      name: 'kept: the release stays a cleanup, after the catalogue, keeping the snapshot for the points',
      after: 'vm:app02:catalog',
      before: null,
    },
  ])('$name', ({ keep, after, before }) => {
    const plan = planShared(keep);
    expect(plan.isRunnable, plan.blockedReasons.join('\n')).toBe(true);
    const keys = plan.steps.map((step) => step.key);
    const release = plan.steps.find((step) => step.kind === 'release-snapshot');
    expect(release).toMatchObject({ undoes: `${SHARED}:array-snapshot` });
    const at = keys.indexOf(`${SHARED}:release-snapshot`);
    expect(keys[at - 1]).toBe(after);
    expect(keys[at + 1] ?? null).toBe(before);
    const pointIds = plan.vms.map((vm) => vm.restorePointId);
    expect(release?.params.keptForPointIds).toEqual(keep ? pointIds : undefined);
    const catalogs = plan.steps.filter((step) => step.kind === 'catalog');
    expect(catalogs.map((step) => step.params.keepsArraySnapshot ?? false)).toEqual([keep, keep]);
  });

  it('leaves VMs backed up by other methods alone: only array snapshots are kept', () => {
    const plan = planBackup(
      makeOperationsIndex(),
      {
        scope: { kind: 'vms', vmIds: ['web01'] },
        consistencyPolicy: 'fallback',
        passthroughPolicy: 'skip',
        keepArraySnapshot: true,
      },
      { now: NOW, newId: makeIdSequence() },
    );
    expect(plan.steps.map((step) => step.kind)).toEqual([
      'check',
      'vss-snapshot',
      'copy-to-repository',
      'release-snapshot',
      'catalog',
    ]);
    expect(
      plan.steps.find((step) => step.kind === 'release-snapshot')?.params.keptForPointIds,
    ).toBeUndefined();
  });
});

describe('keep the array snapshot on the array: what a run leaves on the array', () => {
  it.each<{ keep: boolean; scenario: Scenario; expected: RunOutcome }>([
    {
      keep: false,
      scenario: { kind: 'success' },
      expected: { snapshot: 'released', points: ['app01:repository', 'app02:repository'] },
    },
    {
      keep: false,
      scenario: { kind: 'failure', failsAt: `${SHARED}:array-snapshot` },
      expected: { snapshot: 'released', points: [] },
    },
    {
      keep: false,
      scenario: { kind: 'cancel', cancelAfter: 'vm:app01:copy-to-repository' },
      expected: { snapshot: 'released', points: [] },
    },
    {
      keep: true,
      scenario: { kind: 'success' },
      expected: { snapshot: 'kept', points: ['app01:array-snapshot', 'app02:array-snapshot'] },
    },
    {
      keep: true,
      // Failed before the snapshot was taken: nothing to release, the cleanup is skipped.
      scenario: { kind: 'failure', failsAt: 'host-volume:hv01:G::flush-host-io' },
      expected: { snapshot: 'not run', points: [] },
    },
    {
      keep: true,
      scenario: { kind: 'failure', failsAt: `${SHARED}:array-snapshot` },
      expected: { snapshot: 'released', points: [] },
    },
    {
      keep: true,
      scenario: { kind: 'cancel', cancelAfter: `${SHARED}:array-snapshot` },
      expected: { snapshot: 'released', points: [] },
    },
    {
      keep: true,
      // A point already holds the snapshot: releasing it would leave a point that lies about it.
      scenario: { kind: 'cancel', cancelAfter: 'vm:app01:catalog' },
      expected: { snapshot: 'kept', points: ['app01:array-snapshot'] },
    },
  ])('keep=$keep, $scenario.kind → snapshot $expected.snapshot', ({ keep, scenario, expected }) => {
    expect(walk(planShared(keep), scenario)).toEqual(expected);
  });
});

describe('deleting a point kept on the array', () => {
  const point = (id: string, vmName: string, snapshotId: string | null, locationKind = 'array-snapshot') => ({
    id,
    vmName,
    snapshotId,
    locationKind,
    locationName: snapshotId ? `mgw_${snapshotId}` : null,
  });
  it.each([
    {
      name: 'the last point of the capture destroys the snapshot',
      others: [],
      words: 'destroys array snapshot "mgw_s1" on the array (no other point holds it)',
    },
    {
      name: 'another VM’s point of the capture keeps it',
      others: [point('p2', 'app02', 's1')],
      words: 'keeps array snapshot "mgw_s1" on the array for the points of app02',
    },
    {
      name: 'a point of another capture, or one whose snapshot was released, does not keep it',
      others: [point('p3', 'app02', 's2'), point('p4', 'app03', 's1', 'repository')],
      words: 'destroys array snapshot "mgw_s1" on the array (no other point holds it)',
    },
  ])('$name', ({ others, words }) => {
    const subject = point('p1', 'app01', 's1');
    const deletion = describeArraySnapshotDeletion(subject, [subject, ...others]);
    expect(deletion && arraySnapshotDeletionWords(deletion)).toBe(words);
  });

  it('a point in the repository only has no array snapshot to delete', () => {
    expect(describeArraySnapshotDeletion(point('p1', 'app01', 's1', 'repository'), [])).toBeNull();
  });
});
