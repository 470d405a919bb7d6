import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INVENTORY_SCHEMA_FILE, renderInventorySchema } from '../../scripts/export-inventory-schema';
import type { Inventory } from '../engine/inventory';
import { formatIssuePath, parseInventory } from './inventory';
import { parseJson } from './json-text';

/** A minimal valid estate: one Hyper-V host with a VM on D:, one Xen host with a VM on an array-backed SR. */
function baseInventory(): Inventory {
  return {
    hosts: [
      {
        id: 'h1',
        name: 'hv1',
        kind: 'hyperv',
        version: '2022',
        pool: null,
        hasVssAwareProduct: true,
        offersQuiescedSnapshots: false,
        connector: 'lab',
      },
      {
        id: 'h2',
        name: 'xs1',
        kind: 'xenserver',
        version: '7.1',
        pool: 'p',
        hasVssAwareProduct: true,
        offersQuiescedSnapshots: true,
        connector: 'lab',
      },
    ],
    hostVolumes: [
      {
        id: 'v1',
        hostId: 'h1',
        name: 'D:',
        kind: 'volume',
        sizeBytes: 100,
        freeBytes: 50,
        vssEnabled: true,
        shadowStorageVolumeId: 'v1',
        shadowStorageLimitBytes: 10,
        arrayVolumeId: null,
      },
      {
        id: 'sr1',
        hostId: 'h2',
        name: 'SR',
        kind: 'sr',
        sizeBytes: 100,
        freeBytes: 50,
        vssEnabled: true,
        shadowStorageVolumeId: null,
        shadowStorageLimitBytes: null,
        arrayVolumeId: 'lun1',
      },
    ],
    vms: [
      {
        id: 'vm1',
        name: 'a',
        hostId: 'h1',
        osFamily: 'windows',
        powerState: 'running',
        applications: [],
        backupIntegrationService: 'running',
        hasXenVssProvider: false,
        snapshotLocationVolumeId: null,
        hasFreezeScripts: false,
        dailyChangeBytes: 1,
        tags: [],
      },
      {
        id: 'vm2',
        name: 'b',
        hostId: 'h2',
        osFamily: 'linux',
        powerState: 'running',
        applications: [],
        backupIntegrationService: null,
        hasXenVssProvider: false,
        snapshotLocationVolumeId: null,
        hasFreezeScripts: false,
        dailyChangeBytes: 1,
        tags: [],
      },
    ],
    virtualDisks: [
      {
        id: 'd1',
        vmId: 'vm1',
        name: 'a.vhdx',
        kind: 'vhdx',
        sizeBytes: 10,
        hostVolumeId: 'v1',
        arrayVolumeId: null,
      },
      {
        id: 'd2',
        vmId: 'vm2',
        name: 'b',
        kind: 'vdi',
        sizeBytes: 10,
        hostVolumeId: 'sr1',
        arrayVolumeId: null,
      },
    ],
    guestVolumes: [
      {
        id: 'g1',
        vmId: 'vm1',
        mountPoint: 'C:',
        fileSystem: 'ntfs',
        diskType: 'basic',
        vssEnabled: true,
        shadowStorageOn: 'C:',
        diskId: 'd1',
      },
    ],
    arrays: [{ id: 'a1', name: 'fas', vendor: 'netapp', supportsSnapshots: true, connector: 'lab' }],
    arrayVolumes: [
      { id: 'lun1', arrayId: 'a1', name: 'lun', supportsSnapshots: true, consistencyGroupId: 'cg1' },
    ],
    consistencyGroups: [{ id: 'cg1', arrayId: 'a1', name: 'cg' }],
  };
}

type Mutation = (inventory: Inventory) => void;

describe('parseInventory', () => {
  it('accepts a valid inventory and drops formatVersion', () => {
    const result = parseInventory({ formatVersion: 1, ...baseInventory() });
    expect(result).toEqual({ ok: true, inventory: baseInventory() });
  });

  it("keeps sizes that were not read as null: a volume's capacity and free space, a disk's size", () => {
    const inventory = baseInventory();
    inventory.hostVolumes[0].sizeBytes = null;
    inventory.hostVolumes[0].freeBytes = null;
    inventory.hostVolumes[1].freeBytes = null;
    inventory.virtualDisks[0].sizeBytes = null;
    expect(parseInventory(inventory)).toEqual({ ok: true, inventory });
  });

  it("keeps a LUN's snapshot support that was not read as null, and refuses it left out", () => {
    const inventory = baseInventory();
    inventory.arrayVolumes[0].supportsSnapshots = null;
    expect(parseInventory(inventory)).toEqual({ ok: true, inventory });
    const { supportsSnapshots: _, ...withoutIt } = inventory.arrayVolumes[0];
    const refused = parseInventory({ ...inventory, arrayVolumes: [withoutIt] });
    expect(refused.ok).toBe(false);
    if (!refused.ok)
      expect(refused.fieldErrors.map((error) => error.path)).toEqual(['arrayVolumes[0].supportsSnapshots']);
  });

  it('keeps a named connector and refuses one that is not a connector name', () => {
    const host = { id: 'h', name: 'h', kind: 'hyperv', version: '2022', hasVssAwareProduct: true };
    const named = parseInventory({
      hosts: [{ ...host, connector: 'hyperv' }],
      arrays: [{ id: 'a', name: 'a', vendor: 'netapp', supportsSnapshots: true, connector: 'ontap' }],
    });
    expect(named.ok && [named.inventory.hosts[0].connector, named.inventory.arrays[0].connector]).toEqual([
      'hyperv',
      'ontap',
    ]);
    const bad = parseInventory({ hosts: [{ ...host, connector: 'Hyper V' }] });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.fieldErrors.map((error) => error.path)).toContain('hosts[0].connector');
  });

  it('fills documented defaults for optional fields', () => {
    const result = parseInventory({
      hosts: [{ id: 'h', name: 'h', kind: 'xenserver', version: '8.2', hasVssAwareProduct: true }],
      vms: [{ id: 'v', name: 'v', hostId: 'h', osFamily: 'linux', powerState: 'off' }],
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.inventory.hosts[0]).toMatchObject({
      pool: null,
      offersQuiescedSnapshots: false,
      connector: 'lab',
    });
    expect(result.inventory.vms[0]).toMatchObject({
      applications: [],
      tags: [],
      snapshotLocationVolumeId: null,
      dailyChangeBytes: 0,
    });
    expect(result.inventory.virtualDisks).toEqual([]);
  });

  const cases: [string, Mutation, { path: string; message: RegExp }][] = [
    [
      'a VM on an unknown host',
      (i) => {
        i.vms[1].hostId = 'nope';
      },
      { path: 'vms[1].hostId', message: /host "nope".*does not exist/ },
    ],
    [
      'a duplicate VM id',
      (i) => {
        i.vms[1].id = 'vm1';
      },
      { path: 'vms[1].id', message: /duplicate id "vm1".*vms\[0\]/ },
    ],
    [
      'a disk of an unknown VM',
      (i) => {
        i.virtualDisks[0].vmId = 'x';
      },
      { path: 'virtualDisks[0].vmId', message: /VM "x"/ },
    ],
    [
      'a disk on an unknown host volume',
      (i) => {
        i.virtualDisks[0].hostVolumeId = 'x';
      },
      { path: 'virtualDisks[0].hostVolumeId', message: /host volume "x"/ },
    ],
    [
      'a vhdx disk without host volume',
      (i) => {
        i.virtualDisks[0].hostVolumeId = null;
      },
      { path: 'virtualDisks[0].hostVolumeId', message: /required for a vhdx disk/ },
    ],
    [
      'a pass-through disk with a host volume',
      (i) => {
        i.virtualDisks[0].kind = 'passthrough';
      },
      { path: 'virtualDisks[0].hostVolumeId', message: /must be null for a pass-through/ },
    ],
    [
      'a vdi disk with its own LUN',
      (i) => {
        i.virtualDisks[1].arrayVolumeId = 'lun1';
      },
      { path: 'virtualDisks[1].arrayVolumeId', message: /must be null unless/ },
    ],
    [
      'a vdi disk on a Hyper-V VM',
      (i) => {
        i.virtualDisks[0].kind = 'vdi';
      },
      { path: 'virtualDisks[0].kind', message: /Hyper-V VM has vhdx/ },
    ],
    [
      'a pass-through LUN that does not exist',
      (i) => {
        Object.assign(i.virtualDisks[0], { kind: 'passthrough', hostVolumeId: null, arrayVolumeId: 'x' });
      },
      { path: 'virtualDisks[0].arrayVolumeId', message: /array volume "x"/ },
    ],
    [
      'a shadow storage volume on another host',
      (i) => {
        i.hostVolumes[0].shadowStorageVolumeId = 'sr1';
      },
      { path: 'hostVolumes[0].shadowStorageVolumeId', message: /same host/ },
    ],
    [
      'an unknown array volume behind a host volume',
      (i) => {
        i.hostVolumes[1].arrayVolumeId = 'x';
      },
      { path: 'hostVolumes[1].arrayVolumeId', message: /array volume "x"/ },
    ],
    [
      'a volume that leaves its free space out (null says it was not read)',
      (i) => {
        delete (i.hostVolumes[0] as Partial<Inventory['hostVolumes'][number]>).freeBytes;
      },
      { path: 'hostVolumes[0].freeBytes', message: /./ },
    ],
    [
      'a disk that leaves its size out',
      (i) => {
        delete (i.virtualDisks[0] as Partial<Inventory['virtualDisks'][number]>).sizeBytes;
      },
      { path: 'virtualDisks[0].sizeBytes', message: /./ },
    ],
    [
      'more free space than size',
      (i) => {
        i.hostVolumes[0].freeBytes = 101;
      },
      { path: 'hostVolumes[0].freeBytes', message: /must not exceed sizeBytes/ },
    ],
    [
      'a snapshot location on another host',
      (i) => {
        i.vms[0].snapshotLocationVolumeId = 'sr1';
      },
      { path: 'vms[0].snapshotLocationVolumeId', message: /VM's host/ },
    ],
    [
      'a Hyper-V VM without Backup service state',
      (i) => {
        i.vms[0].backupIntegrationService = null;
      },
      { path: 'vms[0].backupIntegrationService', message: /required for a VM on a Hyper-V host/ },
    ],
    [
      'a guest volume on a disk of another VM',
      (i) => {
        i.guestVolumes[0].diskId = 'd2';
      },
      { path: 'guestVolumes[0].diskId', message: /same VM/ },
    ],
    [
      'shadow storage on a volume the guest lacks',
      (i) => {
        i.guestVolumes[0].shadowStorageOn = 'Q:';
      },
      { path: 'guestVolumes[0].shadowStorageOn', message: /Q:.*not a volume of this VM/ },
    ],
    [
      'a LUN in an unknown consistency group',
      (i) => {
        i.arrayVolumes[0].consistencyGroupId = 'x';
      },
      { path: 'arrayVolumes[0].consistencyGroupId', message: /consistency group "x"/ },
    ],
    [
      'a consistency group of an unknown array',
      (i) => {
        i.consistencyGroups[0].arrayId = 'x';
      },
      { path: 'consistencyGroups[0].arrayId', message: /storage array "x"/ },
    ],
    [
      'a LUN of an unknown array',
      (i) => {
        i.arrayVolumes[0].arrayId = 'x';
      },
      { path: 'arrayVolumes[0].arrayId', message: /storage array "x"/ },
    ],
    [
      'an unknown power state',
      (i) => {
        (i.vms[0] as { powerState: string }).powerState = 'on';
      },
      { path: 'vms[0].powerState', message: /running/ },
    ],
    [
      'a negative size',
      (i) => {
        i.virtualDisks[0].sizeBytes = -1;
      },
      { path: 'virtualDisks[0].sizeBytes', message: /negative/ },
    ],
    [
      'a misspelt field',
      (i) => {
        (i.hosts[0] as unknown as Record<string, unknown>).hasVssAware = true;
      },
      { path: 'hosts[0].hasVssAware', message: /unknown field/ },
    ],
  ];

  it.each(cases)('rejects %s', (_name, mutate, expected) => {
    const inventory = baseInventory();
    mutate(inventory);
    const result = parseInventory(inventory);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.fieldErrors).toContainEqual({
      path: expected.path,
      message: expect.stringMatching(expected.message),
    });
  });

  it('reports shape and reference errors together, every one with its path', () => {
    const inventory = baseInventory() as unknown as {
      vms: Record<string, unknown>[];
      virtualDisks: Record<string, unknown>[];
    };
    inventory.vms[0].powerState = 'sleeping';
    inventory.vms[1].hostId = 'ghost';
    inventory.virtualDisks[1].sizeBytes = 'big';
    const result = parseInventory(inventory);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.fieldErrors.map((e) => e.path)).toEqual([
      'vms[0].powerState',
      'vms[1].hostId',
      'virtualDisks[1].sizeBytes',
    ]);
  });

  it('rejects another format version and a non-object document', () => {
    expect(parseInventory({ formatVersion: 2 })).toEqual({
      ok: false,
      fieldErrors: [{ path: 'formatVersion', message: expect.stringMatching(/formatVersion 1/) }],
    });
    expect(parseInventory([])).toMatchObject({ ok: false, fieldErrors: [{ path: '(root)' }] });
  });

  it('resolves references against the stored inventory when merging', () => {
    const stored = baseInventory();
    const incoming = {
      vms: [
        {
          id: 'vm3',
          name: 'c',
          hostId: 'h1',
          osFamily: 'windows',
          powerState: 'off',
          backupIntegrationService: 'running',
        },
      ],
      virtualDisks: [
        { id: 'd3', vmId: 'vm3', name: 'c.vhdx', kind: 'vhdx', sizeBytes: 1, hostVolumeId: 'v1' },
      ],
      guestVolumes: [
        {
          id: 'g3',
          vmId: 'vm1',
          mountPoint: 'D:',
          fileSystem: 'ntfs',
          vssEnabled: true,
          shadowStorageOn: 'C:',
        },
      ],
    };
    expect(parseInventory(incoming).ok).toBe(false);
    expect(parseInventory(incoming, { existing: stored }).ok).toBe(true);
  });
});

describe('formatIssuePath', () => {
  it.each([
    [['vms', 3, 'hostId'], 'vms[3].hostId'],
    [['hosts'], 'hosts'],
    [[], '(root)'],
  ] as const)('%j → %s', (path, expected) => {
    expect(formatIssuePath(path)).toBe(expected);
  });
});

describe('docs/inventory-format.md', () => {
  it('has an example that Migawka accepts', () => {
    const doc = readFileSync(new URL('../../docs/inventory-format.md', import.meta.url), 'utf8');
    const example = /## Example[\s\S]*?```json\n([\s\S]*?)```/.exec(doc)?.[1];
    const parsed = parseJson(example ?? '');
    expect(parsed.ok && parseInventory(parsed.value)).toMatchObject({ ok: true });
  });
});

describe('docs/inventory.schema.json', () => {
  it('is the JSON Schema generated from the zod schema (run scripts/export-inventory-schema.ts)', () => {
    expect(readFileSync(INVENTORY_SCHEMA_FILE, 'utf8')).toBe(renderInventorySchema());
  });
});
