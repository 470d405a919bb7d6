import { describe, expect, it } from 'vitest';
import { indexInventory } from './inventory';
import { planMethods } from './planner';
import { bestCandidateOf, candidatesOf, findingsConcerning } from './planner-recommendation';
import { makeGeneratedEstate } from './test-fixtures';
import type { Finding } from './types';

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

describe('the recommended option and the shared options', () => {
  const inventory = makeGeneratedEstate({ hosts: 8, vmsPerHost: 4, disksPerVm: 2, vmsPerVolume: 2 });
  const index = indexInventory(inventory);
  const plans = inventory.vms.map((vm) => planMethods(index, vm.id));

  it('finds by one scan the candidate a stable sort puts first, quiesce wanted or not', () => {
    for (const plan of plans) {
      for (const isQuiesceWanted of [false, true]) {
        expect(bestCandidateOf(plan.options, isQuiesceWanted)).toBe(
          candidatesOf(plan.options, isQuiesceWanted)[0] ?? null,
        );
      }
    }
  });

  it('marks exactly the recommended option, shared between VMs only where it names nothing of the VM', () => {
    const sharedRecommended = new Set<object>();
    for (const plan of plans) {
      const marked = plan.options.filter((o) => o.isRecommended);
      expect(marked.map((o) => o.method)).toEqual(plan.recommended ? [plan.recommended] : []);
      for (const option of plan.options) {
        if (!Object.isFrozen(option)) continue;
        // A shared option names no disk, VM or finding of its own, and cannot be changed.
        expect(option.excludedDisks).toEqual([]);
        expect(option.findings).toEqual([]);
        expect(() => {
          (option as { isRecommended: boolean }).isRecommended = !option.isRecommended;
        }).toThrow();
        if (option.isRecommended) sharedRecommended.add(option);
      }
    }
    // The estate's usual plan (online, nothing left out) holds a recommended option shared by many VMs.
    expect(sharedRecommended.size).toBeGreaterThan(0);
    expect(sharedRecommended.size).toBeLessThan(plans.filter((p) => p.recommended).length);
  });

  it('gives an option the list of another when the same findings concern both', () => {
    const finding = (ruleId: string, methods: Finding['methods']) => ({ ruleId, methods }) as Finding;
    const hostLevel = finding('HV-HOST-SHADOW-STORAGE-LOW', ['hyperv-vss', 'wsb-volume']);
    const wsbOnly = finding('WSB-VOLUME-GRANULARITY', ['wsb-volume']);
    const array = finding('ARRAY-NOT-INTEGRATED', ['array-snapshot']);
    const findings = [hostLevel, array];
    const vss = findingsConcerning(findings, 'hyperv-vss');
    expect(vss).toEqual([hostLevel]);
    expect(findingsConcerning(findings, 'wsb-volume', vss)).toBe(vss);
    const withWsb = [hostLevel, wsbOnly, array];
    const wsb = findingsConcerning(withWsb, 'wsb-volume', findingsConcerning(withWsb, 'hyperv-vss'));
    expect(wsb).toEqual([hostLevel, wsbOnly]);
    expect(findingsConcerning(withWsb, 'array-snapshot', wsb)).toEqual([array]);
    expect(findingsConcerning([hostLevel], 'wsb-volume', vss)).toEqual([hostLevel]);
  });
});
