import { afterEach, describe, expect, it } from 'vitest';
import { parseInventory } from '../../schemas/inventory';
import { DISK_SIZE, type FixturePool, fixturePool, ISCSI_SCSI_ID } from './fake/fake-fixtures';
import { FAKE_MEMORY_BYTES } from './fake/fake-pool';
import { type FakeXapi, startFakeXapi } from './fake/fake-xapi-server';
import { XapiClient } from './xapi-client';
import { mapPool, readPoolRecords, storageFormatOf, unreadGuestReason, xenId } from './xapi-discovery';
import { vdiRecordSchema } from './xapi-records';
import { memoryTrustStore } from './xapi-transport';

const fakes: FakeXapi[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.stop()));
});

async function discover(release: 'current' | 'old', adjust: (fixture: FixturePool) => void = () => {}) {
  const fixture = fixturePool(release);
  adjust(fixture);
  const fake = await startFakeXapi({ pool: fixture.pool });
  fakes.push(fake);
  const client = new XapiClient({
    label: 'xapi pool lab',
    address: fake.address(fixture.member), // an admin may give any host: the client finds the master
    credentials: { credentials: async () => ({ username: 'root', password: 's3cret' }) },
    trust: memoryTrustStore(),
  });
  const records = await readPoolRecords(client, { signal: new AbortController().signal, timeoutMs: 30_000 });
  const uuid = (className: 'host' | 'SR' | 'VM' | 'VDI', ref: string) =>
    xenId(fixture.pool.get(className, ref)?.uuid as string);
  return { fixture, ...mapPool(records), uuid };
}

describe('XAPI discovery', () => {
  it('maps hosts with brand, version, API version and whether quiesced snapshots exist at all', async () => {
    for (const [release, offers, version, brand, api] of [
      ['current', false, '8.2.1', 'XCP-ng', '2.20'],
      ['old', true, '7.1.2', 'XenServer', '2.7'],
    ] as const) {
      const { inventory, facts, fixture, uuid } = await discover(release);
      expect(inventory.hosts).toEqual([
        {
          id: uuid('host', fixture.master),
          name: 'xcp1',
          kind: 'xenserver',
          version,
          pool: release === 'current' ? 'pool-lab' : 'pool-legacy',
          hasVssAwareProduct: false,
          offersQuiescedSnapshots: offers,
          connector: 'xapi',
        },
        expect.objectContaining({
          id: uuid('host', fixture.member),
          name: 'xcp2',
          offersQuiescedSnapshots: offers,
        }),
      ]);
      expect(facts.hosts).toEqual([
        {
          id: uuid('host', fixture.master),
          name: 'xcp1',
          brand,
          productVersion: version,
          apiVersion: api,
          isMaster: true,
        },
        {
          id: uuid('host', fixture.member),
          name: 'xcp2',
          brand,
          productVersion: version,
          apiVersion: api,
          isMaster: false,
        },
      ]);
    }
  });

  it('maps SRs: size, free space, owner, SM snapshot feature, udev as physical and the LUN SCSI id', async () => {
    const { inventory, facts, fixture, uuid } = await discover('current');
    const sr = (ref: string) => inventory.hostVolumes.find((volume) => volume.id === uuid('SR', ref));
    expect(sr(fixture.iscsi)).toEqual({
      id: uuid('SR', fixture.iscsi),
      hostId: uuid('host', fixture.master),
      name: 'ontap-lun0',
      kind: 'sr',
      sizeBytes: 64 * 1024 * 1024,
      // sql01's two disks, app01's os disk and the two disks of sql01's existing snapshot
      freeBytes: 64 * 1024 * 1024 - 5 * DISK_SIZE,
      vssEnabled: false,
      shadowStorageVolumeId: null,
      shadowStorageLimitBytes: null,
      arrayVolumeId: null,
      // Kept on the SR so an array sync links it to its LUN (engine/device-ids.ts).
      deviceId: ISCSI_SCSI_ID,
      // What the pool says about the SR, stored for the rules and the volume pages.
      storageType: 'lvmoiscsi',
      isShared: true,
      canSnapshot: true,
    });
    expect(sr(fixture.local)).toMatchObject({
      deviceId: null,
      storageType: 'ext',
      isShared: false,
      canSnapshot: true,
      hostId: uuid('host', fixture.master),
      freeBytes: 16 * 1024 * 1024 - DISK_SIZE,
    });
    expect(sr(fixture.udev)).toBeUndefined(); // a physical device is not a volume disks live on
    expect(facts.srs).toEqual([
      {
        id: uuid('SR', fixture.iscsi),
        type: 'lvmoiscsi',
        isShared: true,
        canSnapshot: true,
        isPhysical: false,
        scsiId: ISCSI_SCSI_ID,
      },
      {
        id: uuid('SR', fixture.local),
        type: 'ext',
        isShared: false,
        canSnapshot: true,
        isPhysical: false,
        scsiId: null,
      },
      {
        id: uuid('SR', fixture.udev),
        type: 'udev',
        isShared: false,
        canSnapshot: false,
        isPhysical: true,
        scsiId: null,
      },
    ]);
  });

  it.each([
    {
      name: 'an SR whose SM driver lacks VDI_SNAPSHOT cannot snapshot',
      type: 'rawhba',
      sm: ['VDI_INTRODUCE', 'VDI_ATTACH', 'VDI_DETACH'] as string[] | null,
      canSnapshot: false,
    },
    {
      name: 'an SR whose SM driver the pool does not list is unknown',
      type: 'nfs',
      sm: null,
      canSnapshot: null,
    },
    {
      name: 'an SR whose SM driver lists VDI_SNAPSHOT can snapshot',
      type: 'nfs',
      sm: ['VDI_SNAPSHOT'],
      canSnapshot: true,
    },
  ])('$name', async ({ type, sm, canSnapshot }) => {
    let added = '';
    const { inventory, facts, uuid } = await discover('current', (fixture) => {
      if (sm) fixture.pool.addSm(type, sm);
      added = fixture.pool.addSr({
        name: `sr-${type}`,
        type,
        shared: true,
        size: 1024 * 1024,
        host: fixture.master,
      });
    });
    expect(inventory.hostVolumes.find((volume) => volume.id === uuid('SR', added))).toMatchObject({
      name: `sr-${type}`,
      storageType: type,
      isShared: true,
      canSnapshot,
    });
    expect(facts.srs.find((sr) => sr.id === uuid('SR', added))).toMatchObject({ canSnapshot });
  });

  it('maps VMs (no templates, snapshots or dom0), their disks, guest and power state', async () => {
    const { inventory, facts, fixture, uuid } = await discover('old');
    expect(inventory.vms.map((vm) => vm.name).sort()).toEqual(['app01', 'sql01', 'web01']);
    const vm = (ref: string) => inventory.vms.find((candidate) => candidate.id === uuid('VM', ref));
    expect(vm(fixture.sql01)).toEqual({
      id: uuid('VM', fixture.sql01),
      name: 'sql01',
      hostId: uuid('host', fixture.master),
      osFamily: 'windows',
      powerState: 'running',
      applications: ['sqlserver'],
      backupIntegrationService: null,
      hasXenVssProvider: true,
      snapshotLocationVolumeId: null,
      hasFreezeScripts: false,
      dailyChangeBytes: 0,
      tags: ['sqlserver'],
      guestFactsUnknown: null,
      // Its memory image goes to the pool's suspend_image_SR, which its host sees.
      suspendSrVolumeId: uuid('SR', fixture.iscsi),
      memoryBytes: FAKE_MEMORY_BYTES,
    });
    expect(vm(fixture.web01)).toMatchObject({
      osFamily: 'linux',
      hostId: uuid('host', fixture.member),
      hasXenVssProvider: false,
      // Its host (xcp2) sees neither the pool's suspend SR nor has one of its own: xapi would answer VM_NO_SUSPEND_SR.
      suspendSrVolumeId: null,
    });
    expect(vm(fixture.app01)).toMatchObject({
      powerState: 'off',
      hostId: uuid('host', fixture.master),
      // No guest metrics: what runs inside is unknown, and the VM says why.
      guestFactsUnknown:
        'it was halted when its pool was last read, so its guest reported nothing to the pool',
    });
    const [sqlC, sqlD] = fixture.pool.disksOf(fixture.sql01);
    const [appOs, appDongle] = fixture.pool.disksOf(fixture.app01);
    const disksOf = (ref: string) => inventory.virtualDisks.filter((disk) => disk.vmId === uuid('VM', ref));
    expect(disksOf(fixture.sql01)).toEqual([
      {
        id: uuid('VDI', sqlC),
        vmId: uuid('VM', fixture.sql01),
        name: 'sql01 C:',
        kind: 'vdi',
        sizeBytes: DISK_SIZE,
        hostVolumeId: uuid('SR', fixture.iscsi),
        arrayVolumeId: null,
        storageFormat: 'vhd', // sm_config.vdi_type `vhd`
      },
      {
        id: uuid('VDI', sqlD),
        vmId: uuid('VM', fixture.sql01),
        name: 'sql01 D:',
        kind: 'vdi',
        sizeBytes: DISK_SIZE,
        hostVolumeId: uuid('SR', fixture.iscsi),
        arrayVolumeId: null,
        storageFormat: 'raw', // sm_config.vdi_type `aio`: a raw LV
      },
    ]); // the empty CD drive is not a disk
    expect(disksOf(fixture.app01)).toEqual([
      // No vdi_type: not read, so null (the engine warns rather than assume it raw).
      expect.objectContaining({ id: uuid('VDI', appOs), kind: 'vdi', storageFormat: null }),
      expect.objectContaining({
        id: uuid('VDI', appDongle),
        kind: 'passthrough',
        storageFormat: null,
        hostVolumeId: null,
        sizeBytes: 64 * 1024,
      }),
    ]);
    expect(facts.disks).toEqual(
      expect.arrayContaining([{ id: uuid('VDI', sqlD), isCbtEnabled: true, resetsOnBoot: false }]),
    );
    expect(facts.guests).toEqual(
      expect.arrayContaining([
        {
          vmId: uuid('VM', fixture.sql01),
          os: 'Microsoft Windows Server 2022 Standard',
          hasPvDrivers: true,
          canQuiesce: true,
        },
        { vmId: uuid('VM', fixture.app01), os: null, hasPvDrivers: null, canQuiesce: null }, // no guest tools: unknown
      ]),
    );
  });

  it.each([
    [{ vdi_type: 'vhd' }, 'vhd'],
    [{ vdi_type: 'aio' }, 'raw'],
    [{ vdi_type: 'raw' }, 'raw'],
    [{ vdi_type: 'qcow2' }, null], // a format this console does not know: not read
    [{}, null], // no key: not read, never assumed raw
  ] as const)('maps sm_config %j to storage format %s', (smConfig, format) => {
    const vdi = vdiRecordSchema.parse({
      uuid: 'u',
      name_label: 'd',
      type: 'user',
      SR: 'OpaqueRef:sr',
      virtual_size: 1,
      sm_config: smConfig,
    });
    expect(storageFormatOf(vdi)).toBe(format);
  });

  it('an existing snapshot becomes a restore point of its VM', async () => {
    const { facts, fixture, uuid } = await discover('current');
    const snapshotRef = fixture.pool.findVm('sql01 before patch');
    expect(facts.snapshots).toEqual([
      {
        id: uuid('VM', snapshotRef),
        vmId: uuid('VM', fixture.sql01),
        name: 'sql01 before patch',
        takenAt: new Date('2026-11-24T02:00:00Z'),
        powerStateAtSnapshot: 'Running',
        isQuiesced: false,
        includesMemory: false,
        diskIds: fixture.pool.disksOf(snapshotRef).map((ref) => uuid('VDI', ref)),
        // The VM's own disks it holds a copy of, and what its copies take on the SR.
        sourceDiskIds: fixture.pool.disksOf(fixture.sql01).map((ref) => uuid('VDI', ref)),
        sizeBytes: fixture.pool
          .disksOf(snapshotRef)
          .reduce((sum, ref) => sum + Number(fixture.pool.get('VDI', ref)?.physical_utilisation ?? 0), 0),
      },
    ]);
  });

  it('what discovery maps is a valid inventory import', async () => {
    const { inventory } = await discover('current');
    const parsed = parseInventory(inventory);
    expect(parsed.ok ? [] : parsed.fieldErrors).toEqual([]);
  });
});

describe('a guest the pool could not read', () => {
  const metrics = (pvDrivers: boolean) => ({
    os_version: { name: 'Debian GNU/Linux 12' },
    PV_drivers_detected: pvDrivers,
    other: {},
  });
  it.each([
    { name: 'PV drivers detected: read', power: 'Running', metrics: metrics(true), reason: null },
    {
      name: 'metrics without PV drivers',
      power: 'Running',
      metrics: metrics(false),
      reason: 'its PV drivers are not detected (the XenServer VM Tools are not running in it)',
    },
    {
      name: 'running without metrics',
      power: 'Running',
      metrics: undefined,
      reason:
        'its guest reports no metrics to the pool (no XenServer VM Tools or xe-guest-utilities running in it)',
    },
    {
      name: 'suspended without metrics',
      power: 'Suspended',
      metrics: undefined,
      reason: 'it was suspended when its pool was last read, so its guest reported nothing to the pool',
    },
  ] as const)('$name', ({ power, metrics: guest, reason }) => {
    const vm = { power_state: power } as Parameters<typeof unreadGuestReason>[0];
    expect(unreadGuestReason(vm, guest as Parameters<typeof unreadGuestReason>[1])).toBe(reason);
  });

  it('a running VM without guest tools in the fake pool is reported unknown by the sync', async () => {
    const { inventory } = await discover('current', (fixture) => {
      fixture.pool.mod('VM', fixture.app01, { power_state: 'Running', resident_on: fixture.master });
    });
    const app01 = inventory.vms.find((candidate) => candidate.name === 'app01');
    expect(app01).toMatchObject({
      powerState: 'running',
      guestFactsUnknown:
        'its guest reports no metrics to the pool (no XenServer VM Tools or xe-guest-utilities running in it)',
    });
    expect(inventory.vms.find((candidate) => candidate.name === 'web01')?.guestFactsUnknown).toBeNull();
  });
});
