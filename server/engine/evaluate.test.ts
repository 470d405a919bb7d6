import { describe, expect, it } from 'vitest';
import { evaluateInventory, evaluateVm, readinessOf } from './evaluate';
import { type Inventory, indexInventory, type Vm } from './inventory';
import type { MethodOption, MethodPlan } from './planner';
import {
  addVms,
  backWithLun,
  makeGeneratedEstate,
  makeGuestVolume,
  makeHost,
  makeHypervEstate,
  makeVmOnVolume,
  makeXenEstate,
} from './test-fixtures';
import {
  BACKUP_METHODS,
  type BackupMethod,
  type Finding,
  READINESS,
  type Readiness,
  type RuleId,
  type Severity,
} from './types';

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

function planWith(recommended: (Partial<MethodOption> & { method?: BackupMethod }) | null): MethodPlan {
  const method: BackupMethod = recommended?.method ?? 'hyperv-vss';
  return {
    vmId: 'vm',
    options: [optionOf({ method, isRecommended: recommended !== null, ...recommended })],
    recommended: recommended ? method : null,
    recommendationReason: '',
  };
}

/** A finding of the plan's VM (only the rule and severity matter to readiness). */
function findingOf(ruleId: RuleId, severity: Severity): Finding {
  return { ruleId, severity, vmId: 'vm', methods: [], message: '', remedy: '', objects: [] };
}
const unreadGuest = findingOf('HV-GUEST-FACTS-UNKNOWN', 'warning');

const readinessRows: { name: string; plan: MethodPlan; findings?: Finding[]; readiness: Readiness }[] = [
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
  // Online through a Hyper-V writer, on guest facts nobody read: the recommendation says "not confirmed".
  {
    name: 'Hyper-V VSS online on an unread guest is unconfirmed',
    plan: planWith({}),
    findings: [unreadGuest],
    readiness: 'unconfirmed',
  },
  {
    name: 'Windows Server Backup online on an unread guest is unconfirmed',
    plan: planWith({ method: 'wsb-volume' }),
    findings: [unreadGuest],
    readiness: 'unconfirmed',
  },
  {
    name: 'no guest volumes reported (guest VSS unknown, info) is unconfirmed',
    plan: planWith({}),
    findings: [findingOf('HV-GUEST-VSS-DISABLED', 'info')],
    readiness: 'unconfirmed',
  },
  {
    name: 'the backup integration service not reported (info) is unconfirmed',
    plan: planWith({}),
    findings: [findingOf('HV-BACKUP-IC-MISSING', 'info')],
    readiness: 'unconfirmed',
  },
  {
    name: 'guest VSS read as disabled (a warning: a known fact) leaves readiness to the plan',
    plan: planWith({}),
    findings: [findingOf('HV-GUEST-VSS-DISABLED', 'warning')],
    readiness: 'online-ready',
  },
  {
    name: 'an array snapshot does not ask the guest through Hyper-V: online-ready',
    plan: planWith({ method: 'array-snapshot' }),
    findings: [unreadGuest],
    readiness: 'online-ready',
  },
  {
    name: 'a powered-off VM copied as it is needs no guest: online-ready',
    plan: planWith({ captureState: 'offline', consistency: 'filesystem' }),
    findings: [findingOf('HV-GUEST-FACTS-UNKNOWN', 'info')],
    readiness: 'online-ready',
  },
  {
    name: 'saved state with downtime on an unread guest stays saved-state-only',
    plan: planWith({ captureState: 'saved-state', expectedDowntimeSeconds: 60 }),
    findings: [unreadGuest],
    readiness: 'saved-state-only',
  },
  {
    name: 'a pass-through disk left out on an unread guest stays partial',
    plan: planWith({ excludedDisks: [{ kind: 'disk', id: 'd', name: 'PhysicalDisk3' }] }),
    findings: [unreadGuest],
    readiness: 'partial',
  },
];

describe('readinessOf', () => {
  it.each(readinessRows)('$name', ({ plan, findings = [], readiness }) => {
    expect(readinessOf(plan, findings)).toBe(readiness);
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

  // The badge and the recommendation come from one computation (isOnlineCaptureUnconfirmed).
  it.each([
    { name: 'guest facts read', vm: {}, readiness: 'online-ready', saysNotConfirmed: false },
    {
      name: 'guest not read while running',
      vm: { guestFactsUnknown: 'no guest credential was given' },
      readiness: 'unconfirmed',
      saysNotConfirmed: true,
    },
    {
      // What an earlier read stored (F:'s shadow copies on another volume) does not decide it: unknown now.
      name: 'guest not read while running, its volumes from an earlier read',
      vm: { guestFactsUnknown: 'the guest credential was refused' },
      volumes: [{ mountPoint: 'F:', shadowStorageOn: 'C:' }],
      readiness: 'unconfirmed',
      saysNotConfirmed: true,
    },
    {
      name: 'guest not read while off (copied as it is)',
      vm: { guestFactsUnknown: 'it was not running', powerState: 'off' as const },
      readiness: 'online-ready',
      saysNotConfirmed: false,
    },
  ])('a Hyper-V VM with $name: readiness $readiness, and the recommendation agrees', (row) => {
    const inventory = makeHypervEstate(row.vm);
    for (const volume of row.volumes ?? [])
      inventory.guestVolumes.push(makeGuestVolume({ vmId: 'app01', ...volume }));
    const { readiness, plan } = evaluateVm(indexInventory(inventory), 'app01');
    expect(readiness).toBe(row.readiness);
    expect(plan.recommendationReason.includes('expected but not confirmed')).toBe(row.saysNotConfirmed);
  });

  // A LUN whose state the array did not report leaves a recommended array snapshot unconfirmed,
  // as unread guest facts leave a Hyper-V writer's online capture: the badge and the sentence agree.
  it.each([
    {
      name: 'can snapshot',
      lun: { supportsSnapshots: true },
      readiness: 'online-ready',
      saysNotConfirmed: false,
    },
    {
      name: 'state not reported',
      lun: { supportsSnapshots: null },
      readiness: 'unconfirmed',
      saysNotConfirmed: true,
    },
  ])('a XenServer VM on a LUN that $name: readiness $readiness, and the recommendation agrees', (row) => {
    const inventory = backWithLun(makeXenEstate({}, { offersQuiescedSnapshots: false }), 'sr01', row.lun);
    const { readiness, plan } = evaluateVm(indexInventory(inventory), inventory.vms[0].id);
    expect(plan.recommended).toBe('array-snapshot');
    expect(readiness).toBe(row.readiness);
    expect(plan.recommendationReason.includes('The array snapshot is expected but not confirmed')).toBe(
      row.saysNotConfirmed,
    );
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

describe('evaluateInventory host by host', () => {
  /** The VMs listed round-robin over the hosts, as an inventory listed by id often is. */
  function roundRobin(inventory: Inventory): Inventory {
    const byHost = new Map<string, Vm[]>();
    for (const vm of inventory.vms) byHost.set(vm.hostId, [...(byHost.get(vm.hostId) ?? []), vm]);
    const vms: Vm[] = [];
    for (let i = 0; vms.length < inventory.vms.length; i++) {
      for (const list of byHost.values()) if (list[i]) vms.push(list[i]);
    }
    return { ...inventory, vms };
  }

  /** What assessing the VMs one by one in list order on one index gives (shared values in list order). */
  const oneByOne = (inventory: Inventory) => {
    const index = indexInventory(inventory);
    return inventory.vms.map((vm) => evaluateVm(index, vm.id));
  };

  it('gives every VM, in list order, what assessing them one by one in list order gives', () => {
    const inventory = roundRobin(
      makeGeneratedEstate({ hosts: 10, vmsPerHost: 6, vmsPerVolume: 3, disksPerVm: 2 }),
    );
    const assessments = evaluateInventory(inventory);
    expect(assessments.map((a) => a.vmId)).toEqual(inventory.vms.map((vm) => vm.id));
    expect(JSON.stringify(assessments)).toBe(JSON.stringify(oneByOne(inventory)));
  });

  it('keeps list order where a host volume holds VMs of several hosts (its shared words name the first VM’s host)', () => {
    const inventory = roundRobin(
      makeGeneratedEstate({ hosts: 10, vmsPerHost: 6, vmsPerVolume: 3, disksPerVm: 2 }),
    );
    // Hosts hv0 and hv5 have only Windows Server Backup (WSB-VOLUME-GRANULARITY names the host).
    // hv0's second volume gets a disk of hv5's first VM, listed before any VM of that volume:
    // in list order hv5's VM reaches the volume first, host by host hv0's VMs would.
    const [hv0, hv5] = [inventory.hosts[0], inventory.hosts[5]];
    if (hv0.hasVssAwareProduct || hv5.hasVssAwareProduct) throw new Error('fixture changed');
    const onHost = (hostId: string) => inventory.vms.filter((vm) => vm.hostId === hostId);
    const diskOf = (vm: Vm) => inventory.virtualDisks.find((d) => d.vmId === vm.id);
    const secondVolumeId = diskOf(onHost(hv0.id)[3])?.hostVolumeId;
    const moved = diskOf(onHost(hv5.id)[0]);
    if (!moved || !secondVolumeId || secondVolumeId === diskOf(onHost(hv0.id)[0])?.hostVolumeId)
      throw new Error('fixture changed');
    moved.hostVolumeId = secondVolumeId;
    const assessments = evaluateInventory(inventory);
    expect(JSON.stringify(assessments)).toBe(JSON.stringify(oneByOne(inventory)));
    const wsb = assessments
      .find((a) => a.vmId === onHost(hv0.id)[3].id)
      ?.findings.find((f) => f.ruleId === 'WSB-VOLUME-GRANULARITY');
    expect(wsb?.message).toContain(`on host '${hv5.name}'`);
  });
});
