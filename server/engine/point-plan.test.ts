import { describe, expect, it } from 'vitest';
import { describePlan, vmIdsOfPlan } from './operation-rules';
import { describePoint, planPointDelete, planPointVerify } from './point-plan';
import { readStepParams } from './step-params';

const point = { id: 'rp-1', vmId: 'sql01', vmName: 'sql01', createdAt: new Date('2026-03-01T10:05:30Z') };

describe('point plans', () => {
  it('names the point by its VM and time, never by its id alone', () => {
    expect(describePoint(point)).toBe('the 2026-03-01 10:05 UTC point of sql01');
    expect(describePlan(planPointVerify(point))).toBe('Verify the 2026-03-01 10:05 UTC point of sql01');
    expect(describePlan(planPointDelete(point, 'user:42'))).toBe(
      'Delete the 2026-03-01 10:05 UTC point of sql01',
    );
  });

  it.each([
    ['verify', planPointVerify(point), 'verify-point'],
    ['delete', planPointDelete(point, 'user:42'), 'delete-point'],
  ] as const)(
    '%s locks the point (as restores from it do) and takes no host or array slot',
    (_, plan, kind) => {
      expect(plan.kind).toBe(kind);
      expect(plan.isRunnable).toBe(true);
      expect(plan.lockKeys).toEqual(['point:rp-1']);
      expect(plan.hostIds).toEqual([]);
      expect(plan.arrayIds).toEqual([]);
      expect(plan.steps.map((step) => step.kind)).toEqual([kind]);
      expect(vmIdsOfPlan(plan)).toEqual(['sql01']);
    },
  );

  it('records who deleted the point as the reason of the deletion', () => {
    const [step] = planPointDelete(point, 'user:42').steps;
    expect(readStepParams(step, 'delete-point')).toEqual({
      restorePointId: 'rp-1',
      reason: 'deleted by user:42',
    });
    expect(readStepParams(planPointVerify(point).steps[0], 'verify-point')).toEqual({
      restorePointIds: ['rp-1'],
    });
  });
});
