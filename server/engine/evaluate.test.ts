import { describe, expect, it } from 'vitest';
import { evaluateInventory, evaluateVm, readinessOf } from './evaluate';
import { indexInventory } from './inventory';
import type { MethodOption, MethodPlan } from './planner';
import {
  addVms,
  backWithLun,
  makeGeneratedEstate,
  makeHost,
  makeHypervEstate,
  makeVmOnVolume,
} from './test-fixtures';
import { BACKUP_METHODS, type BackupMethod, READINESS, type Readiness } from './types';

function optionOf(overrides: Partial<MethodOption> & { method: BackupMethod }): MethodOption {
  return {
    isAvailable: true,
    unavailableReasons: [],
    consistency: 'application',
    captureState: 'online',
    expectedDowntimeSeconds: 0,
    excludedDisks: [],
    coCapturedVms: [],
    findings: [],
    isRecommended: false,
    ...overrides,
  };
}

function planWith(recommended: Partial<MethodOption> | null): MethodPlan {
  const method: BackupMethod = 'hyperv-vss';
  return {
    vmId: 'vm',
    options: [optionOf({ method, isRecommended: recommended !== null, ...recommended })],
    recommended: recommended ? method : null,
    recommendationReason: '',
  };
}

const readinessRows: { name: string; plan: MethodPlan; readiness: Readiness }[] = [
  { name: 'no recommended method is blocked', plan: planWith(null), readiness: 'blocked' },
  {
    name: 'a recommended method that leaves a disk out is partial, even when online',
    plan: planWith({ excludedDisks: [{ kind: 'disk', id: 'd', name: 'PhysicalDisk3' }] }),
    readiness: 'partial',
  },
  {
    name: 'a saved-state capture with downtime is saved-state-only',
    plan: planWith({ captureState: 'saved-state', expectedDowntimeSeconds: 60 }),
    readiness: 'saved-state-only',
  },
  {
    name: 'a VM already in saved state costs no downtime: online-ready',
    plan: planWith({ captureState: 'saved-state', expectedDowntimeSeconds: 0 }),
    readiness: 'online-ready',
  },
  {
    name: 'a crash-consistent best is crash-only',
    plan: planWith({ consistency: 'crash' }),
    readiness: 'crash-only',
  },
  {
    name: 'filesystem-consistent online is online-ready',
    plan: planWith({ consistency: 'filesystem' }),
    readiness: 'online-ready',
  },
  { name: 'application-consistent online is online-ready', plan: planWith({}), readiness: 'online-ready' },
];

describe('readinessOf', () => {
  it.each(readinessRows)('$name', ({ plan, readiness }) => {
    expect(readinessOf(plan)).toBe(readiness);
  });
});

describe('evaluateVm / evaluateInventory', () => {
  it('returns one assessment per VM, in inventory order, matching evaluateVm', () => {
    const inventory = addVms(
      makeHypervEstate(),
      makeVmOnVolume({ name: 'web01', backupIntegrationService: 'missing' }),
    );
    const assessments = evaluateInventory(inventory);
    expect(assessments.map((a) => a.vmId)).toEqual(['app01', 'web01']);
    expect(assessments[1]).toEqual(evaluateVm(indexInventory(inventory), 'web01'));
    expect(assessments[1].readiness).toBe('saved-state-only');
  });

  it('VM findings are the union of its methods’ findings, each once', () => {
    const inventory = backWithLun(
      makeHypervEstate({ name: 'sql01', applications: ['sqlserver'] }),
      'hv01:D:',
    );
    inventory.hosts[0] = makeHost({ hasVssAwareProduct: false });
    addVms(inventory, makeVmOnVolume({ name: 'web01' }));
    const { findings, plan } = evaluateVm(indexInventory(inventory), 'sql01');
    const fromOptions = new Set(plan.options.flatMap((o) => o.findings));
    expect(new Set(findings)).toEqual(fromOptions);
    expect(new Set(findings).size).toBe(findings.length);
    expect(findings.map((f) => f.ruleId).sort()).toEqual([
      'ARRAY-APP-NEEDS-SCRIPTS',
      'ARRAY-NOT-INTEGRATED',
      'ARRAY-SHARED-VOLUME',
      'WSB-VOLUME-GRANULARITY',
    ]);
  });

  it('evaluates a generated 2,000-VM estate consistently', () => {
    const inventory = makeGeneratedEstate({ hosts: 100, vmsPerHost: 20, disksPerVm: 3, vmsPerVolume: 5 });
    expect(inventory.vms).toHaveLength(2000);
    expect(inventory.virtualDisks).toHaveLength(6000);
    const assessments = evaluateInventory(inventory);
    expect(assessments).toHaveLength(2000);
    const seenReadiness = new Set<Readiness>();
    // Collect violations and assert once: thousands of expect() calls would dominate the test's time.
    const problems: string[] = [];
    for (const { plan, findings, readiness, vmId } of assessments) {
      seenReadiness.add(readiness);
      if (plan.options.map((o) => o.method).join() !== BACKUP_METHODS.join())
        problems.push(`${vmId}: options`);
      const recommended = plan.options.filter((o) => o.isRecommended);
      if (recommended.map((o) => o.method).join() !== (plan.recommended ?? ''))
        problems.push(`${vmId}: recommended`);
      if (recommended.some((o) => !o.isAvailable)) problems.push(`${vmId}: recommends an unavailable method`);
      for (const o of plan.options) {
        if (o.coCapturedVms.some((ref) => ref.id === vmId))
          problems.push(`${vmId}: ${o.method} co-captures itself`);
        if (!o.isAvailable && o.unavailableReasons.length === 0)
          problems.push(`${vmId}: ${o.method} has no reason`);
      }
      if (findings.some((f) => f.vmId !== vmId)) problems.push(`${vmId}: finding about another VM`);
    }
    expect(problems).toEqual([]);
    expect(READINESS).toEqual(expect.arrayContaining([...seenReadiness]));
    // The generator mixes healthy, saved-state, crash-only and pass-through VMs.
    expect([...seenReadiness].sort()).toEqual(['crash-only', 'online-ready', 'partial', 'saved-state-only']);
  });
});
