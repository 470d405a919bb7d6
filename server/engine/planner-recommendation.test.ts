import { describe, expect, it } from 'vitest';
import { indexInventory } from './inventory';
import { planMethods } from './planner';
import { makeGeneratedEstate } from './test-fixtures';

/** The plan as a plain object, worded when built: what every reader saw before the sentence was lazy. */
function plainCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

describe('a plan worded when its sentence is first read', () => {
  const inventory = makeGeneratedEstate({ hosts: 8, vmsPerHost: 4, disksPerVm: 2, vmsPerVolume: 2 });
  const index = indexInventory(inventory);
  const plans = inventory.vms.map((vm) => planMethods(index, vm.id));

  it('reads as the plain plan through JSON, spreads, structuredClone and deep equality, keys in order', () => {
    for (const plan of plans) {
      const plain = plainCopy(plan);
      expect(Object.keys(plan)).toEqual(['vmId', 'options', 'recommended', 'recommendationReason']);
      expect(plan.recommendationReason).toMatch(/\S/);
      expect(plan).toEqual(plain);
      expect({ ...plan }).toEqual(plain);
      expect(structuredClone(plan)).toEqual(plain);
      expect(plain.recommendationReason).toBe(plan.recommendationReason);
    }
  });

  it('words the sentence once and keeps it; assigning one replaces it', () => {
    const [plan] = plans;
    const reason = plan.recommendationReason;
    expect(plan.recommendationReason).toBe(reason);
    plan.recommendationReason = 'replaced';
    expect(plan.recommendationReason).toBe('replaced');
    expect(plainCopy(plan).recommendationReason).toBe('replaced');
  });

  it('words the options as they were planned, whatever a reader later does to the plan', () => {
    const plan = planMethods(index, plans[1].vmId);
    const expected = planMethods(index, plan.vmId).recommendationReason;
    plan.options = [];
    expect(plan.recommendationReason).toBe(expected);
  });
});
