import { describe, expect, it } from 'vitest';
import { planBackup } from './backup-plan';
import { makeIdSequence, makeOperationsIndex } from './operations-estate.fixture';
import type { PlanStep } from './plan-types';
import { planRestore } from './restore-plan';
import type { RestorePointSummary } from './restore-points';
import { isConsistencyStep, makeStep, readStepParams, selectOwedCleanupSteps } from './step-params';

const step = (fields: Partial<PlanStep> & Pick<PlanStep, 'key' | 'kind'>): PlanStep => ({
  title: fields.key,
  vmId: null,
  hostVolumeId: null,
  arrayVolumeId: null,
  undoes: null,
  params: {},
  ...fields,
});

describe('readStepParams', () => {
  it('returns the params typed for the kind', () => {
    const copy = makeStep({
      key: 'vm:a:copy-to-repository',
      kind: 'copy-to-repository',
      title: 'Copy',
      vmId: 'a',
      hostVolumeId: null,
      arrayVolumeId: null,
      undoes: null,
      params: { snapshotId: 's1', restorePointId: 'rp1', diskIds: ['d1'] },
    });
    expect(readStepParams(copy, 'copy-to-repository').diskIds).toEqual(['d1']);
  });

  it('refuses a step of another kind, naming both', () => {
    expect(() => readStepParams(step({ key: 'k', kind: 'resume' }), 'catalog')).toThrow(
      'Step "k" is a resume step, not catalog',
    );
  });

  it('names every missing parameter of a stored step', () => {
    expect(() =>
      readStepParams(
        step({ key: 'vm:a:guest-freeze', kind: 'guest-freeze', params: { timeoutMs: 1000 } }),
        'guest-freeze',
      ),
    ).toThrow('Step "vm:a:guest-freeze" (guest-freeze) is missing parameter(s): consistencyPolicy');
  });

  it('every step the planners produce satisfies its kind’s contract (planner and runner agree)', () => {
    const index = makeOperationsIndex();
    const backup = planBackup(
      index,
      {
        scope: {
          kind: 'vms',
          vmIds: ['web01', 'legacy01', 'file01', 'sql01', 'app01', 'wsb01', 'xlin01', 'xwin01'],
        },
        methodByVm: { sql01: 'array-snapshot', app01: 'array-snapshot', xlin01: 'guest-agent' },
        consistencyPolicy: 'fallback',
        passthroughPolicy: 'skip',
        scripts: {
          sql01: {
            preFreeze: { command: 'pre', timeoutSeconds: 5 },
            postThaw: { command: 'post', timeoutSeconds: 5 },
          },
        },
      },
      {
        now: new Date('2026-03-28T00:00:00Z'),
        newId: makeIdSequence(),
        job: { id: 'job', retention: { keepLast: 1, daily: 0, weekly: 0, monthly: 0 }, timeZone: 'UTC' },
      },
    );
    const point = (id: string, vmId: string): RestorePointSummary => ({
      id,
      vmId,
      vmName: vmId,
      method: 'wsb-volume',
      consistency: 'application',
      consistencyReason: null,
      captureState: 'online',
      createdAt: new Date('2026-03-27T00:00:00Z'),
      hostVolumeId: 'hv02:D:',
      arrayVolumeId: null,
      snapshotId: 'snap',
      heldDiskIds: [`${vmId}-os`],
      missingDiskIds: [],
      sizeBytes: 1,
      jobId: null,
      expiresAt: null,
    });
    const points = [
      point('rp1', 'wsb01'),
      point('rp2', 'wsb02'),
      { ...point('rp3', 'wsb01'), createdAt: new Date('2026-03-27T12:00:00Z') },
    ];
    const context = {
      now: new Date('2026-03-28T00:00:00Z'),
      pointsOnSameScope: points,
      newId: makeIdSequence('staging'),
    };
    const restores = [
      planRestore(
        index,
        points[0],
        { restorePointId: 'rp1', mode: 'volume-revert', confirmation: 'D:' },
        context,
      ),
      planRestore(
        index,
        points[0],
        { restorePointId: 'rp1', mode: 'staged', confirmation: 'wsb01' },
        context,
      ),
      planRestore(index, points[0], { restorePointId: 'rp1', mode: 'as-new', newVmName: 'copy' }, context),
    ];
    const allSteps = [...backup.steps, ...restores.flatMap((p) => p.steps)];
    const kinds = new Set(allSteps.map((s) => s.kind));
    expect(kinds.size).toBeGreaterThanOrEqual(20);
    for (const s of allSteps) expect(() => readStepParams(s, s.kind)).not.toThrow();
    // Stored as JSON by the runner: the params survive the round trip unchanged.
    expect(JSON.parse(JSON.stringify(allSteps))).toEqual(allSteps);
  });
});

describe('isConsistencyStep', () => {
  it.each([
    { kind: 'pre-freeze-script', params: {}, expected: true },
    { kind: 'guest-freeze', params: {}, expected: true },
    { kind: 'vss-snapshot', params: { isQuiesced: true }, expected: true },
    { kind: 'vss-snapshot', params: { isQuiesced: false }, expected: false },
    { kind: 'xen-snapshot', params: { isQuiesced: true }, expected: true },
    { kind: 'array-snapshot', params: { isQuiesced: false }, expected: false },
    { kind: 'copy-to-repository', params: {}, expected: false },
  ] as const)('$kind $params → $expected', ({ kind, params, expected }) => {
    expect(isConsistencyStep(step({ key: 'k', kind, params }))).toBe(expected);
  });
});

describe('selectOwedCleanupSteps', () => {
  const steps = [
    step({ key: 'save', kind: 'save-state' }),
    step({ key: 'freeze', kind: 'guest-freeze' }),
    step({ key: 'snap', kind: 'array-snapshot' }),
    step({ key: 'thaw', kind: 'guest-thaw', undoes: 'freeze' }),
    step({ key: 'resume', kind: 'resume', undoes: 'save' }),
    step({ key: 'release', kind: 'release-snapshot', undoes: 'snap' }),
  ];

  it.each([
    {
      name: 'failed at the freeze: thaw and resume are owed, no snapshot to release',
      started: ['save', 'freeze'],
      finished: ['save'],
      owed: ['thaw', 'resume'],
    },
    {
      name: 'cancelled after thawing: resume and release are still owed',
      started: ['save', 'freeze', 'snap', 'thaw'],
      finished: ['save', 'freeze', 'snap', 'thaw'],
      owed: ['resume', 'release'],
    },
    { name: 'nothing started: nothing owed', started: [], finished: [], owed: [] },
  ])('$name', ({ started, finished, owed }) => {
    expect(selectOwedCleanupSteps(steps, new Set(started), new Set(finished)).map((s) => s.key)).toEqual(
      owed,
    );
  });
});
