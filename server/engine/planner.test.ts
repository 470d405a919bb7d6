import { describe, expect, it } from 'vitest';
import { evaluateVm } from './evaluate';
import { type Inventory, indexInventory } from './inventory';
import { type MethodOption, type MethodPlan, type PlanMethodsOptions, planMethods } from './planner';
import { SAVED_STATE_DOWNTIME_SECONDS } from './rules';
import {
  addVms,
  backWithLun,
  makeDisk,
  makeGuestVolume,
  makeHost,
  makeHostVolume,
  makeHypervEstate,
  makeInventory,
  makeVmOnVolume,
  makeXenEstate,
} from './test-fixtures';
import { BACKUP_METHODS, type BackupMethod, type Readiness } from './types';

function plan(inventory: Inventory, vmId = inventory.vms[0].id, options?: PlanMethodsOptions): MethodPlan {
  return planMethods(indexInventory(inventory), vmId, options);
}

function option(p: MethodPlan, method: BackupMethod): MethodOption {
  const found = p.options.find((o) => o.method === method);
  if (!found) throw new Error(`plan has no ${method} option`);
  return found;
}

function names(refs: { name: string }[]): string[] {
  return refs.map((r) => r.name).sort();
}

/** fs01 with a VHDX on D: and pass-through disk PhysicalDisk3 holding S:. */
function passthroughEstate(): Inventory {
  const inventory = makeHypervEstate({ name: 'fs01' });
  inventory.virtualDisks.push(
    makeDisk({ vmId: 'fs01', name: 'PhysicalDisk3', kind: 'passthrough', hostVolumeId: null }),
  );
  inventory.guestVolumes.push(makeGuestVolume({ vmId: 'fs01', mountPoint: 'S:', diskId: 'PhysicalDisk3' }));
  return inventory;
}

/** Four VMs on D: of a host with only Windows Server Backup. */
function wsbEstate(): Inventory {
  const inventory = makeInventory({
    hosts: [makeHost({ hasVssAwareProduct: false })],
    hostVolumes: [makeHostVolume()],
  });
  return addVms(inventory, ...['wsb01', 'wsb02', 'wsb03', 'wsb04'].map((name) => makeVmOnVolume({ name })));
}

interface RecommendationRow {
  name: string;
  build: () => Inventory;
  options?: PlanMethodsOptions;
  recommended: BackupMethod | null;
  readiness: Readiness;
  reason?: string[];
  /** Words the recommendation must not use (a saved-state capture is not "application-consistent"). */
  reasonLacks?: string[];
}

const recommendationRows: RecommendationRow[] = [
  {
    name: 'a healthy Hyper-V VM is backed up online with hyperv-vss',
    build: () => makeHypervEstate(),
    recommended: 'hyperv-vss',
    readiness: 'online-ready',
    reason: [
      'application-consistent',
      'online',
      'Windows Server Backup is only the fallback',
      'A guest agent is not recommended: it copies chosen volumes from inside the guest, not the VM itself',
    ],
  },
  {
    name: 'the SQL VM keeping D: shadow copies on C: is backed up in saved state',
    build: () => {
      const inventory = makeHypervEstate({ name: 'sql01', applications: ['sqlserver'] });
      inventory.guestVolumes.push(
        makeGuestVolume({ vmId: 'sql01', mountPoint: 'D:', shadowStorageOn: 'C:' }),
      );
      return inventory;
    },
    recommended: 'hyperv-vss',
    readiness: 'saved-state-only',
    reason: [
      `about ${SAVED_STATE_DOWNTIME_SECONDS} s of downtime`,
      // Named for what it is, never "application-consistent": no in-guest VSS ran.
      'saved state (memory and disks captured together while the VM is paused; its applications resume where they were, with no in-guest VSS',
      // The alternative passed over is named with what it would have spared.
      `A guest agent would avoid the ${SAVED_STATE_DOWNTIME_SECONDS} s of downtime, but is not recommended`,
    ],
    reasonLacks: ['application-consistent'],
  },
  {
    name: 'a pass-through VM: the host-level method leaves the disk out, guest-agent recommended for it',
    build: passthroughEstate,
    recommended: 'hyperv-vss',
    readiness: 'partial',
    reason: ["'PhysicalDisk3'", 'a guest agent is recommended for that disk'],
  },
  {
    name: 'a host with only Windows Server Backup falls back to wsb-volume',
    build: wsbEstate,
    recommended: 'wsb-volume',
    readiness: 'online-ready',
  },
  {
    name: 'VSS disabled on the host volume blocks the VM; guest-agent is offered for its volumes',
    build: () => {
      const inventory = makeHypervEstate();
      inventory.hostVolumes[0].vssEnabled = false;
      return inventory;
    },
    recommended: null,
    readiness: 'blocked',
    reason: ["No method can capture VM 'app01' as a whole", 'guest-agent'],
  },
  {
    name: 'online array snapshot with scripts beats a saved-state hyperv-vss',
    build: () => {
      const inventory = backWithLun(
        makeHypervEstate({ name: 'sql01', applications: ['sqlserver'], hasFreezeScripts: true }),
        'hv01:D:',
      );
      inventory.vms[0].backupIntegrationService = 'missing';
      return inventory;
    },
    recommended: 'array-snapshot',
    readiness: 'online-ready',
    reason: ['Hyper-V VSS needs about 60 s of saved-state downtime'],
  },
  {
    name: 'hyperv-vss beats an array snapshot that would capture other VMs',
    build: () => addVms(backWithLun(makeHypervEstate(), 'hv01:D:'), makeVmOnVolume({ name: 'web01' })),
    recommended: 'hyperv-vss',
    readiness: 'online-ready',
    reason: ["Array snapshot also captures and rolls back 'web01'"],
  },
  {
    name: 'a quiesce-capable SQL Server VM on XenServer is quiesced',
    build: () => makeXenEstate({ name: 'sql05', applications: ['sqlserver'] }),
    recommended: 'xen-quiesced',
    readiness: 'online-ready',
    reason: ['XenServer snapshot is only crash-consistent'],
  },
  {
    // Co-capture is weighed the same for every method: the array snapshot would capture three
    // neighbours at the same consistency, so the quiesced snapshot that captures none wins.
    name: 'a quiesced snapshot that captures no one beats an array snapshot capturing three neighbours',
    build: () =>
      addVms(
        backWithLun(
          makeXenEstate({ name: 'sql05', applications: ['sqlserver'], hasFreezeScripts: true }),
          'sr01',
        ),
        ...['xweb01', 'xweb02', 'xweb03'].map((name) =>
          makeVmOnVolume({ name, hostId: 'xs01', backupIntegrationService: null }, 'sr01'),
        ),
      ),
    recommended: 'xen-quiesced',
    readiness: 'online-ready',
    reason: ["Array snapshot also captures and rolls back 'xweb01', 'xweb02' and 'xweb03'"],
  },
  {
    name: 'a VM without applications on XenServer gets a regular snapshot (quiesce not asked)',
    build: () => makeXenEstate(),
    recommended: 'xen-snapshot',
    readiness: 'crash-only',
    reason: ['quiesce is not asked'],
  },
  {
    name: 'a Linux VM with quiesce asked still gets a crash-consistent snapshot',
    build: () => makeXenEstate({ name: 'web01', osFamily: 'linux' }),
    options: { quiesce: true },
    recommended: 'xen-snapshot',
    readiness: 'crash-only',
  },
  {
    name: 'quiesce required on a Linux VM leaves no whole-VM method',
    build: () => makeXenEstate({ name: 'web01', osFamily: 'linux' }),
    options: { quiesce: true, consistencyPolicy: 'require' },
    recommended: null,
    readiness: 'blocked',
  },
  {
    name: 'a powered-off Hyper-V VM is ready: copied while off, no downtime',
    build: () => makeHypervEstate({ powerState: 'off', backupIntegrationService: 'missing' }),
    recommended: 'hyperv-vss',
    readiness: 'online-ready',
    reason: ['filesystem-consistent', 'while powered off'],
  },
];

describe('method recommendation and readiness', () => {
  it.each(recommendationRows)('$name', (row) => {
    const inventory = row.build();
    const vmId = inventory.vms[0].id;
    const p = plan(inventory, vmId, row.options);
    expect(p.recommended).toBe(row.recommended);
    expect(p.options.filter((o) => o.isRecommended).map((o) => o.method)).toEqual(
      row.recommended ? [row.recommended] : [],
    );
    for (const text of row.reason ?? []) expect(p.recommendationReason).toContain(text);
    for (const text of row.reasonLacks ?? []) expect(p.recommendationReason).not.toContain(text);
    if (!row.options) expect(evaluateVm(indexInventory(inventory), vmId).readiness).toBe(row.readiness);
  });
});

describe('method options', () => {
  it('returns all six methods, in the canonical order, for every VM', () => {
    for (const inventory of [makeHypervEstate(), makeXenEstate()]) {
      expect(plan(inventory).options.map((o) => o.method)).toEqual([...BACKUP_METHODS]);
    }
  });

  it('explains why the other hypervisor methods are unavailable, naming the host', () => {
    const hyperv = plan(makeHypervEstate());
    for (const method of ['xen-snapshot', 'xen-quiesced'] as const) {
      const o = option(hyperv, method);
      expect(o.isAvailable).toBe(false);
      expect(o.consistency).toBeNull();
      expect(o.unavailableReasons.join(' ')).toContain("host 'hv01' runs Hyper-V");
    }
    const xen = plan(makeXenEstate());
    expect(option(xen, 'hyperv-vss').unavailableReasons.join(' ')).toContain("host 'xs01' runs XenServer");
  });

  it('array-snapshot is unavailable when no LUN is behind the disks, naming the volume', () => {
    const o = option(plan(makeHypervEstate()), 'array-snapshot');
    expect(o.isAvailable).toBe(false);
    expect(o.unavailableReasons[0]).toContain("No array volume (LUN) backs host volume 'D:' of host 'hv01'");
  });

  it('array-snapshot is unavailable when one VHDX lives on a volume without a LUN', () => {
    const inventory = backWithLun(makeHypervEstate(), 'hv01:D:');
    inventory.hostVolumes.push(makeHostVolume({ name: 'E:' }));
    inventory.virtualDisks.push(makeDisk({ name: 'app01-disk1', hostVolumeId: 'hv01:E:' }));
    const o = option(plan(inventory), 'array-snapshot');
    expect(o.isAvailable).toBe(false);
    expect(o.unavailableReasons).toContain(
      "Disk 'app01-disk1' of 'app01' lives on host volume 'E:', which no array LUN backs.",
    );
  });

  it('a blocker finding makes its method unavailable with the finding as the reason', () => {
    const inventory = backWithLun(makeHypervEstate(), 'hv01:D:', {}, { supportsSnapshots: false });
    const o = option(plan(inventory), 'array-snapshot');
    expect(o.isAvailable).toBe(false);
    expect(o.findings.map((f) => f.ruleId)).toContain('ARRAY-NO-SNAPSHOT');
    expect(o.unavailableReasons.join(' ')).toContain("array 'netapp01' (NetApp) offers no snapshots");
  });

  it('a LUN of unknown state keeps the array method available, the unknown among its findings', () => {
    const inventory = backWithLun(makeHypervEstate(), 'hv01:D:', { supportsSnapshots: null });
    const o = option(plan(inventory), 'array-snapshot');
    expect(o.isAvailable).toBe(true);
    expect(o.findings.map((f) => f.ruleId)).toContain('ARRAY-SNAPSHOT-UNKNOWN');
  });

  it('pass-through disks: host-level methods exclude them, guest-agent covers them application-consistently', () => {
    const p = plan(passthroughEstate());
    for (const method of ['hyperv-vss', 'wsb-volume'] as const) {
      expect(names(option(p, method).excludedDisks)).toEqual(['PhysicalDisk3']);
      expect(option(p, method).findings.map((f) => f.ruleId)).toContain('HV-PASSTHROUGH-DISK');
    }
    const agent = option(p, 'guest-agent');
    expect(agent).toMatchObject({ isAvailable: true, consistency: 'application', captureState: 'online' });
    expect(agent.excludedDisks).toEqual([]);
    const finding = option(p, 'hyperv-vss').findings.find((f) => f.ruleId === 'HV-PASSTHROUGH-DISK');
    expect(finding?.remedy).toContain("Guest agent recommended for disk 'PhysicalDisk3'");
  });

  it('a pass-through LUN on the array is captured by array-snapshot, not excluded', () => {
    const inventory = backWithLun(passthroughEstate(), 'hv01:D:');
    inventory.virtualDisks[1].arrayVolumeId = 'lun01';
    const o = option(plan(inventory), 'array-snapshot');
    expect(o.isAvailable).toBe(true);
    expect(o.excludedDisks).toEqual([]);
  });

  it('wsb-volume co-captures every other VM on the host volume', () => {
    const p = plan(wsbEstate(), 'wsb02');
    expect(names(option(p, 'wsb-volume').coCapturedVms)).toEqual(['wsb01', 'wsb03', 'wsb04']);
    expect(option(p, 'hyperv-vss').isAvailable).toBe(false);
    expect(option(p, 'hyperv-vss').unavailableReasons[0]).toContain('only Windows Server Backup');
  });

  it('wsb-volume stays available, not recommended, where a VSS-aware product exists', () => {
    const inventory = addVms(makeHypervEstate(), makeVmOnVolume({ name: 'web01' }));
    const wsb = option(plan(inventory), 'wsb-volume');
    expect(wsb).toMatchObject({ isAvailable: true, isRecommended: false });
    expect(names(wsb.coCapturedVms)).toEqual(['web01']);
  });

  it('a host volume shared by many VMs: each VM lists all the others once, never itself', () => {
    const inventory = makeInventory({
      hosts: [makeHost({ hasVssAwareProduct: false })],
      hostVolumes: [makeHostVolume()],
    });
    const vmNames = Array.from({ length: 60 }, (_, i) => `vm${String(i).padStart(2, '0')}`);
    addVms(inventory, ...vmNames.map((name) => makeVmOnVolume({ name })));
    inventory.virtualDisks.push(makeDisk({ vmId: 'vm07', name: 'vm07-disk1' })); // a second disk on D:
    const co = option(plan(inventory, 'vm07'), 'wsb-volume').coCapturedVms;
    expect(co).toHaveLength(59);
    expect(co.map((r) => r.name)).not.toContain('vm07');
    expect(new Set(co.map((r) => r.id)).size).toBe(59);
  });

  it('options repeated across the VMs of a host are shared frozen values, never changed by one plan', () => {
    const inventory = makeInventory({
      hosts: [makeHost({ hasVssAwareProduct: false })],
      hostVolumes: [makeHostVolume()],
    });
    addVms(inventory, makeVmOnVolume({ name: 'web01' }), makeVmOnVolume({ name: 'web02' }));
    const index = indexInventory(inventory);
    const [first, second] = ['web01', 'web02'].map((vmId) => planMethods(index, vmId));
    for (const method of ['hyperv-vss', 'array-snapshot', 'guest-agent', 'xen-snapshot'] as const) {
      expect(option(first, method)).toBe(option(second, method));
      expect(Object.isFrozen(option(first, method))).toBe(true);
    }
    // The recommended wsb-volume is each VM's own option.
    expect(option(first, 'wsb-volume')).not.toBe(option(second, 'wsb-volume'));
    expect(option(first, 'wsb-volume').isRecommended).toBe(true);
    expect(option(first, 'guest-agent').isRecommended).toBe(false);
    expect(names(option(first, 'wsb-volume').coCapturedVms)).toEqual(['web02']);
    expect(names(option(second, 'wsb-volume').coCapturedVms)).toEqual(['web01']);
  });

  it('array-snapshot co-captures the VMs sharing its LUN', () => {
    const inventory = addVms(
      backWithLun(makeHypervEstate(), 'hv01:D:'),
      makeVmOnVolume({ name: 'web01' }),
      makeVmOnVolume({ name: 'web02' }),
    );
    expect(names(option(plan(inventory), 'array-snapshot').coCapturedVms)).toEqual(['web01', 'web02']);
    expect(option(plan(inventory), 'hyperv-vss').coCapturedVms).toEqual([]);
  });

  it('a VM whose disks span two LUNs outside one group: array option carries ARRAY-CG-INCOMPLETE', () => {
    const inventory = backWithLun(makeHypervEstate(), 'hv01:D:');
    inventory.hostVolumes.push(makeHostVolume({ name: 'E:' }));
    inventory.virtualDisks.push(makeDisk({ name: 'app01-disk1', hostVolumeId: 'hv01:E:' }));
    backWithLun(inventory, 'hv01:E:', { name: 'lun02' }, { name: 'eql01', vendor: 'equallogic' });
    const o = option(plan(inventory), 'array-snapshot');
    expect(o.isAvailable).toBe(true);
    expect(o.findings.map((f) => f.ruleId)).toContain('ARRAY-CG-INCOMPLETE');
    expect(option(plan(inventory), 'hyperv-vss').findings.map((f) => f.ruleId)).not.toContain(
      'ARRAY-CG-INCOMPLETE',
    );
  });

  it('a running VM in saved state: downtime only for the saved-state capture', () => {
    const p = plan(makeHypervEstate({ backupIntegrationService: 'missing' }));
    expect(option(p, 'hyperv-vss')).toMatchObject({
      captureState: 'saved-state',
      expectedDowntimeSeconds: SAVED_STATE_DOWNTIME_SECONDS,
      consistency: 'application',
    });
    expect(option(p, 'guest-agent')).toMatchObject({ captureState: 'online', expectedDowntimeSeconds: 0 });
  });

  it('a Linux guest on Hyper-V is filesystem-consistent online (no application writers)', () => {
    expect(option(plan(makeHypervEstate({ osFamily: 'linux' })), 'hyperv-vss')).toMatchObject({
      consistency: 'filesystem',
      captureState: 'online',
    });
  });

  it('a powered-off VM: offline capture, no downtime, no offline-backup warning, no in-guest agent', () => {
    const inventory = makeHypervEstate({ powerState: 'off' });
    inventory.guestVolumes[0].shadowStorageOn = 'E:';
    const p = plan(inventory);
    for (const method of ['hyperv-vss', 'wsb-volume'] as const) {
      expect(option(p, method)).toMatchObject({
        isAvailable: true,
        captureState: 'offline',
        expectedDowntimeSeconds: 0,
        consistency: 'filesystem',
      });
      expect(option(p, method).findings.map((f) => f.ruleId)).not.toContain('HV-OFFLINE-BACKUP');
    }
    expect(option(p, 'guest-agent').isAvailable).toBe(false);
    expect(option(p, 'guest-agent').unavailableReasons[0]).toContain('it is off');
  });

  it('a powered-off XenServer VM cannot be quiesced but snapshots filesystem-consistently', () => {
    const p = plan(makeXenEstate({ powerState: 'off', applications: ['sqlserver'] }));
    expect(option(p, 'xen-quiesced').isAvailable).toBe(false);
    expect(option(p, 'xen-snapshot')).toMatchObject({ captureState: 'offline', consistency: 'filesystem' });
    expect(p.recommended).toBe('xen-snapshot');
  });

  it('the require policy removes an array snapshot that would only be crash-consistent', () => {
    const inventory = backWithLun(
      makeHypervEstate({ name: 'sql01', applications: ['sqlserver'] }),
      'hv01:D:',
    );
    expect(option(plan(inventory), 'array-snapshot')).toMatchObject({
      isAvailable: true,
      consistency: 'crash',
    });
    const required = option(plan(inventory, 'sql01', { consistencyPolicy: 'require' }), 'array-snapshot');
    expect(required.isAvailable).toBe(false);
    expect(required.unavailableReasons.join(' ')).toContain('without pre-freeze/post-thaw scripts');
  });

  it('a job that turns quiesce off does not get xen-quiesced recommended', () => {
    const inventory = makeXenEstate({ name: 'sql05', applications: ['sqlserver'] });
    const p = plan(inventory, 'sql05', { quiesce: false });
    expect(option(p, 'xen-quiesced').isAvailable).toBe(true);
    expect(p.recommended).toBe('xen-snapshot');
  });

  it('every option carries only the findings about its own method', () => {
    const inventory = backWithLun(passthroughEstate(), 'hv01:D:');
    addVms(inventory, makeVmOnVolume({ name: 'web01' }));
    for (const o of plan(inventory, 'fs01').options) {
      for (const f of o.findings) expect(f.methods.length === 0 || f.methods.includes(o.method)).toBe(true);
    }
  });

  it('names an unknown VM id', () => {
    expect(() => plan(makeHypervEstate(), 'ghost')).toThrow("VM 'ghost' is not in the inventory");
  });
});
