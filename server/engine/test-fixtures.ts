/**
 * Inventory builders for engine tests: every `make*` returns a healthy object (the situation in
 * which no rule fires) and takes overrides, so each test row states only what differs.
 *
 * Ids default to the object's name, so assertions can use the names an operator would read.
 *
 * Also the table row of the rule tests (`RuleRow`) and the check every rule family runs on it.
 */
import { expect } from 'vitest';
import {
  type ArrayVolume,
  type ConsistencyGroup,
  emptyInventory,
  type GuestVolume,
  type Host,
  type HostVolume,
  type Inventory,
  indexInventory,
  type StorageArray,
  type VirtualDisk,
  type Vm,
} from './inventory';
import { type PlanMethodsOptions, planVm } from './planner';
import type { Finding, RuleId, Severity } from './types';

const GIB = 1024 ** 3;

export function makeHost(overrides: Partial<Host> = {}): Host {
  const name = overrides.name ?? overrides.id ?? 'hv01';
  return {
    id: name,
    name,
    kind: 'hyperv',
    version: '2022',
    pool: null,
    hasVssAwareProduct: true,
    offersQuiescedSnapshots: false,
    connector: 'lab',
    ...overrides,
  };
}

export function makeXenHost(overrides: Partial<Host> = {}): Host {
  return makeHost({
    name: 'xs01',
    kind: 'xenserver',
    version: '7.1',
    pool: 'pool-a',
    offersQuiescedSnapshots: true,
    ...overrides,
  });
}

export function makeHostVolume(overrides: Partial<HostVolume> = {}): HostVolume {
  const name = overrides.name ?? 'D:';
  const id = overrides.id ?? `${overrides.hostId ?? 'hv01'}:${name}`;
  return {
    id,
    hostId: 'hv01',
    name,
    kind: 'volume',
    sizeBytes: 2048 * GIB,
    freeBytes: 1024 * GIB,
    vssEnabled: true,
    shadowStorageVolumeId: id,
    shadowStorageLimitBytes: 200 * GIB,
    arrayVolumeId: null,
    ...overrides,
  };
}

export function makeVm(overrides: Partial<Vm> = {}): Vm {
  const name = overrides.name ?? overrides.id ?? 'app01';
  return {
    id: name,
    name,
    hostId: 'hv01',
    osFamily: 'windows',
    powerState: 'running',
    applications: [],
    backupIntegrationService: 'running',
    hasXenVssProvider: false,
    snapshotLocationVolumeId: null,
    hasFreezeScripts: false,
    dailyChangeBytes: 5 * GIB,
    tags: [],
    ...overrides,
  };
}

export function makeDisk(overrides: Partial<VirtualDisk> = {}): VirtualDisk {
  const vmId = overrides.vmId ?? 'app01';
  const name = overrides.name ?? `${vmId}-disk0`;
  return {
    id: name,
    vmId,
    name,
    kind: 'vhdx',
    sizeBytes: 100 * GIB,
    hostVolumeId: 'hv01:D:',
    arrayVolumeId: null,
    ...overrides,
  };
}

export function makeGuestVolume(overrides: Partial<GuestVolume> = {}): GuestVolume {
  const vmId = overrides.vmId ?? 'app01';
  const mountPoint = overrides.mountPoint ?? 'C:';
  return {
    id: `${vmId}:${mountPoint}`,
    vmId,
    mountPoint,
    fileSystem: 'ntfs',
    diskType: 'basic',
    vssEnabled: true,
    shadowStorageOn: mountPoint,
    diskId: `${vmId}-disk0`,
    ...overrides,
  };
}

export function makeArray(overrides: Partial<StorageArray> = {}): StorageArray {
  const name = overrides.name ?? overrides.id ?? 'netapp01';
  return { id: name, name, vendor: 'netapp', supportsSnapshots: true, connector: 'lab', ...overrides };
}

export function makeArrayVolume(overrides: Partial<ArrayVolume> = {}): ArrayVolume {
  const name = overrides.name ?? overrides.id ?? 'lun01';
  return {
    id: name,
    name,
    arrayId: 'netapp01',
    supportsSnapshots: true,
    consistencyGroupId: null,
    ...overrides,
  };
}

export function makeConsistencyGroup(overrides: Partial<ConsistencyGroup> = {}): ConsistencyGroup {
  const name = overrides.name ?? overrides.id ?? 'cg01';
  return { id: name, name, arrayId: 'netapp01', ...overrides };
}

export function makeInventory(parts: Partial<Inventory> = {}): Inventory {
  return { ...emptyInventory(), ...parts };
}

export interface VmOnVolume {
  vm: Vm;
  disk: VirtualDisk;
  guestVolume: GuestVolume;
}

/** A VM with one VHDX on `hostVolumeId` and a healthy C: (Linux: "/") guest volume. */
export function makeVmOnVolume(vm: Partial<Vm>, hostVolumeId = 'hv01:D:'): VmOnVolume {
  const built = makeVm(vm);
  const isLinux = built.osFamily === 'linux';
  const disk = makeDisk({
    vmId: built.id,
    hostVolumeId,
    kind: built.hostId.startsWith('xs') ? 'vdi' : 'vhdx',
    // A XenServer VDI as a raw LV: copyable out of an array snapshot (XS-ARRAY-COPY-VHD).
    ...(built.hostId.startsWith('xs') ? { storageFormat: 'raw' as const } : {}),
  });
  const guestVolume = makeGuestVolume({
    vmId: built.id,
    mountPoint: isLinux ? '/' : 'C:',
    fileSystem: isLinux ? 'ext4' : 'ntfs',
    vssEnabled: !isLinux,
    shadowStorageOn: isLinux ? null : 'C:',
    diskId: disk.id,
  });
  return { vm: built, disk, guestVolume };
}

/** Adds VMs (each with its disk and guest volume) to an inventory, in place; returns the inventory. */
export function addVms(inventory: Inventory, ...vms: VmOnVolume[]): Inventory {
  for (const { vm, disk, guestVolume } of vms) {
    inventory.vms.push(vm);
    inventory.virtualDisks.push(disk);
    inventory.guestVolumes.push(guestVolume);
  }
  return inventory;
}

/** Hyper-V host hv01 with volume D: and one healthy running Windows VM 'app01' on it. */
export function makeHypervEstate(vm: Partial<Vm> = {}): Inventory {
  return addVms(
    makeInventory({ hosts: [makeHost()], hostVolumes: [makeHostVolume()] }),
    makeVmOnVolume({ name: 'app01', ...vm }),
  );
}

/** XenServer host xs01 (offers quiesce) with SR 'sr01' and one running Windows VM 'xapp01' with the VSS provider. */
export function makeXenEstate(vm: Partial<Vm> = {}, host: Partial<Host> = {}): Inventory {
  const xenHost = makeXenHost(host);
  const sr = makeHostVolume({
    id: 'sr01',
    name: 'sr01',
    hostId: xenHost.id,
    kind: 'sr',
    vssEnabled: false,
    shadowStorageVolumeId: null,
    shadowStorageLimitBytes: null,
    storageType: 'lvmoiscsi',
    isShared: true,
    canSnapshot: true,
  });
  return addVms(
    makeInventory({ hosts: [xenHost], hostVolumes: [sr] }),
    makeVmOnVolume(
      {
        name: 'xapp01',
        hostId: xenHost.id,
        backupIntegrationService: null,
        hasXenVssProvider: true,
        ...vm,
      },
      sr.id,
    ),
  );
}

/** Puts LUN `lunName` of array `arrayName` behind host volume `hostVolumeId`, adding array and LUN if new. */
export function backWithLun(
  inventory: Inventory,
  hostVolumeId: string,
  lun: Partial<ArrayVolume> = {},
  array: Partial<StorageArray> = {},
): Inventory {
  const builtArray = makeArray(array);
  const builtLun = makeArrayVolume({ arrayId: builtArray.id, ...lun });
  if (!inventory.arrays.some((a) => a.id === builtArray.id)) inventory.arrays.push(builtArray);
  if (!inventory.arrayVolumes.some((v) => v.id === builtLun.id)) inventory.arrayVolumes.push(builtLun);
  const volume = inventory.hostVolumes.find((v) => v.id === hostVolumeId);
  if (!volume) throw new Error(`backWithLun: no host volume '${hostVolumeId}' in the inventory`);
  volume.arrayVolumeId = builtLun.id;
  return inventory;
}

export interface GeneratedEstateSize {
  hosts: number;
  vmsPerHost: number;
  disksPerVm: number;
  /** VMs per host volume; each host gets ceil(vmsPerHost / vmsPerVolume) volumes. */
  vmsPerVolume: number;
}

/**
 * A synthetic mixed estate (Hyper-V and XenServer hosts, arrays behind every other volume, a few
 * pass-through disks and misconfigured guests) for scale tests. Deterministic: no randomness.
 */
export function makeGeneratedEstate(size: GeneratedEstateSize): Inventory {
  const inventory = makeInventory({
    arrays: [makeArray({ name: 'netapp01' }), makeArray({ name: 'eql01', vendor: 'equallogic' })],
  });
  const volumesPerHost = Math.ceil(size.vmsPerHost / size.vmsPerVolume);
  for (let h = 0; h < size.hosts; h++) {
    const isXen = h % 4 === 3;
    const host = isXen
      ? makeXenHost({ name: `xs${h}`, offersQuiescedSnapshots: h % 8 === 3 })
      : makeHost({ name: `hv${h}`, hasVssAwareProduct: h % 5 !== 0 });
    inventory.hosts.push(host);
    // Consistency groups are small in real estates: one per host here, holding that host's LUNs.
    const groupId = h % 3 === 1 ? `${host.id}:cg` : null;
    if (groupId) inventory.consistencyGroups.push(makeConsistencyGroup({ id: groupId, name: groupId }));
    for (let v = 0; v < volumesPerHost; v++) {
      const volumeId = `${host.id}:vol${v}`;
      const lunId = (h + v) % 2 === 0 ? `${host.id}:lun${v}` : null;
      if (lunId) {
        inventory.arrayVolumes.push(
          makeArrayVolume({
            id: lunId,
            name: lunId,
            arrayId: h % 3 === 0 ? 'eql01' : 'netapp01',
            consistencyGroupId: groupId,
          }),
        );
      }
      inventory.hostVolumes.push(
        makeHostVolume({
          id: volumeId,
          name: isXen ? `sr${v}` : `${String.fromCharCode(68 + (v % 20))}:`,
          hostId: host.id,
          kind: isXen ? 'sr' : 'volume',
          vssEnabled: !isXen,
          arrayVolumeId: lunId,
        }),
      );
    }
    for (let i = 0; i < size.vmsPerHost; i++) {
      const vmId = `${host.id}-vm${i}`;
      const volumeId = `${host.id}:vol${Math.floor(i / size.vmsPerVolume)}`;
      const isLinux = i % 3 === 2;
      inventory.vms.push(
        makeVm({
          name: vmId,
          hostId: host.id,
          osFamily: isLinux ? 'linux' : 'windows',
          powerState: i % 17 === 0 ? 'off' : 'running',
          applications: i % 5 === 0 ? ['sqlserver'] : [],
          backupIntegrationService: isXen ? null : i % 11 === 0 ? 'stopped' : 'running',
          hasXenVssProvider: isXen && !isLinux && i % 2 === 0,
          hasFreezeScripts: i % 10 === 0,
        }),
      );
      for (let d = 0; d < size.disksPerVm; d++) {
        const isPassthrough = !isXen && d > 0 && i % 13 === 0;
        inventory.virtualDisks.push(
          makeDisk({
            name: `${vmId}-disk${d}`,
            vmId,
            kind: isPassthrough ? 'passthrough' : isXen ? 'vdi' : 'vhdx',
            hostVolumeId: isPassthrough ? null : volumeId,
            ...(isXen ? { storageFormat: 'raw' as const } : {}),
          }),
        );
      }
      inventory.guestVolumes.push(
        makeGuestVolume({
          vmId,
          mountPoint: isLinux ? '/' : 'C:',
          fileSystem: isLinux ? 'xfs' : 'ntfs',
          vssEnabled: !isLinux,
          shadowStorageOn: isLinux ? null : i % 7 === 0 ? 'D:' : 'C:',
          diskId: `${vmId}-disk0`,
        }),
      );
    }
  }
  return inventory;
}

/** Findings of one VM as evaluateVm reports them, with optional planner options (quiesce, policy). */
export function findingsOf(inventory: Inventory, vmId: string, options: PlanMethodsOptions = {}): Finding[] {
  return planVm(indexInventory(inventory), vmId, options).findings;
}

/** A row of a rule test: an estate, and what one rule must (or must not) say about one of its VMs. */
export interface RuleRow {
  name: string;
  build: () => Inventory;
  /** The VM under test; the estate's first VM when absent. */
  vmId?: string;
  options?: PlanMethodsOptions;
  ruleId: RuleId;
  /** Expected severity, or null when the rule must not fire. */
  severity: Severity | null;
  /** Names the message must contain. */
  names?: string[];
  /** Text the remedy must contain (commands). */
  remedy?: string[];
  /** Text the message must not contain (a claim the facts do not support). */
  absent?: string[];
}

/**
 * Plans the row's VM and checks the first finding of the row's rule: its severity, VM, message
 * names and remedy text; or that the rule stayed silent. Returns what it found for further checks.
 */
export function checkRuleRow(row: RuleRow): { found: Finding[]; matching: Finding[] } {
  const inventory = row.build();
  const vmId = row.vmId ?? inventory.vms[0].id;
  const found = findingsOf(inventory, vmId, row.options);
  const matching = found.filter((f) => f.ruleId === row.ruleId);
  if (row.severity === null) {
    expect(matching).toEqual([]);
    return { found, matching };
  }
  expect(matching.length).toBeGreaterThan(0);
  const [finding] = matching;
  expect(finding.severity).toBe(row.severity);
  expect(finding.vmId).toBe(vmId);
  for (const name of row.names ?? []) expect(finding.message).toContain(name);
  for (const text of row.remedy ?? []) expect(finding.remedy).toContain(text);
  for (const text of row.absent ?? []) expect(finding.message).not.toContain(text);
  return { found, matching };
}
