/**
 * Discovery against the fake host: the real-shaped estate lands in the inventory as the rules
 * read it (a pass-through disk, D:'s shadow storage on E:, the VSS integration service by id), and
 * what could not be read stays unknown with its reason.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FILE01, GUEST_PASSWORD, GUEST_USER, SQL01, WEB01 } from './fake/fake-estate';
import { vmStateValue, WINDOWS_SERVER_2016 } from './fake/fake-vm-states';
import { diskInventoryId, mapHost, readHostRecords, vmInventoryId } from './hyperv-discovery';
import { callOptions, startFakeHost } from './hyperv-test-support';

let fake: Awaited<ReturnType<typeof startFakeHost>>;
beforeEach(async () => {
  fake = await startFakeHost(4096);
});
afterEach(async () => {
  await fake.dispose();
});

const guest = { user: GUEST_USER, password: GUEST_PASSWORD };

async function discover(credential: typeof guest | null = guest) {
  return mapHost(await readHostRecords(fake.connect(), credential, callOptions()));
}

describe('Hyper-V discovery', () => {
  it('maps the host, its volumes and their shadow storage', async () => {
    const { inventory, facts } = await discover();
    expect(inventory.hosts).toEqual([
      expect.objectContaining({ id: 'hv-host:hv01', name: 'HV01', kind: 'hyperv', connector: 'hyperv' }),
    ]);
    const byName = new Map(inventory.hostVolumes.map((volume) => [volume.name, volume]));
    expect([...byName.keys()]).toEqual(['C:', 'D:', 'E:']);
    expect(byName.get('D:')).toMatchObject({
      vssEnabled: true,
      shadowStorageVolumeId: byName.get('E:')?.id,
      shadowStorageLimitBytes: 10 * 1024 ** 3,
    });
    expect(byName.get('C:')?.shadowStorageVolumeId).toBeNull();
    // Each volume keeps the UniqueId of its disk: D:'s is a NetApp LUN's NAA id, C:'s a local disk's.
    expect(byName.get('D:')?.deviceId).toBe('600A09803830436B3724303030303031');
    expect(byName.get('C:')?.deviceId).toBe('{a1b2c3d4-0000-4000-8000-0000000000c0}');
    expect(facts.hostWriters).toEqual([
      expect.objectContaining({ name: 'Microsoft Hyper-V VSS Writer', state: 1 }),
    ]);
    expect(facts.isWindowsServerBackupInstalled).toBe(false);
  });

  it('maps VMs, VHDX and pass-through disks and the backup integration service', async () => {
    const { inventory, facts } = await discover();
    const vm = (guid: string) => inventory.vms.find((candidate) => candidate.id === vmInventoryId(guid));
    expect(vm(SQL01)).toMatchObject({
      name: 'sql01',
      powerState: 'running',
      powerStateUnknown: null,
      backupIntegrationService: 'running',
    });
    expect(vm(WEB01)).toMatchObject({
      powerState: 'off',
      powerStateUnknown: null,
      backupIntegrationService: 'stopped',
    });
    expect(vm(FILE01)?.snapshotLocationVolumeId).toBe(inventory.hostVolumes.find((v) => v.name === 'C:')?.id);
    const fileDisks = inventory.virtualDisks.filter((disk) => disk.vmId === vmInventoryId(FILE01));
    expect(fileDisks.map((disk) => [disk.kind, disk.hostVolumeId !== null])).toEqual([
      ['vhdx', true],
      ['passthrough', false],
    ]);
    expect(facts.vms.find((candidate) => candidate.name === 'file01')?.disks[1]).toMatchObject({
      diskNumber: 3,
    });
    expect(facts.vms.find((candidate) => candidate.name === 'web01')).toMatchObject({
      generation: 1,
      checkpointType: 'Standard',
    });
  });

  it('keeps sizes the host did not report unknown, never 0: a pass-through disk, an unreadable VHD, a volume', async () => {
    const d = fake.model.state.volumes.find((volume) => volume.name.startsWith('D'));
    if (!d) throw new Error('the fake host has no D:');
    d.capacity = null;
    d.freeSpace = null;
    // The first VHD of sql01 is gone from under the host: Get-VHD answers nothing for it.
    const sql = fake.model.state.vms.find((vm) => vm.id === SQL01);
    const lost = sql?.drives[0];
    if (!lost) throw new Error('the fake sql01 has no drive');
    fake.model.removeFile(lost.path);
    const { inventory, facts } = await discover();
    expect(inventory.hostVolumes.find((volume) => volume.name === 'D:')).toMatchObject({
      sizeBytes: null,
      freeBytes: null,
    });
    expect(inventory.hostVolumes.find((volume) => volume.name === 'E:')?.freeBytes).toBeGreaterThan(0);
    const sizes = (guid: string) =>
      inventory.virtualDisks
        .filter((disk) => disk.vmId === vmInventoryId(guid))
        .map((disk) => [disk.kind, disk.sizeBytes]);
    expect(sizes(FILE01)).toEqual([
      ['vhdx', expect.any(Number)],
      ['passthrough', null],
    ]);
    expect(sizes(SQL01)[0]).toEqual(['vhdx', null]);
    expect(
      sizes(SQL01)
        .slice(1)
        .every(([, size]) => typeof size === 'number' && size > 0),
    ).toBe(true);
    const lostFacts = facts.vms.find((vm) => vm.name === 'sql01')?.disks[0];
    expect(lostFacts).toMatchObject({ format: null, type: null });
  });

  it('reads guest volumes, shadow storage and applications through PowerShell Direct', async () => {
    const { inventory, facts } = await discover();
    const sql = vmInventoryId(SQL01);
    expect(inventory.vms.find((vm) => vm.id === sql)?.applications).toEqual(['sqlserver']);
    expect(inventory.guestVolumes.filter((volume) => volume.vmId === sql)).toEqual([
      expect.objectContaining({
        mountPoint: 'C:',
        fileSystem: 'ntfs',
        diskType: 'basic',
        shadowStorageOn: 'C:',
      }),
      expect.objectContaining({ mountPoint: 'F:', fileSystem: 'refs', shadowStorageOn: null }),
    ]);
    expect(facts.guests.find((candidate) => candidate.vmId === sql)).toMatchObject({
      isKnown: true,
      failedWriters: [],
    });
  });

  it('keeps guest facts unknown, with the reason, when they cannot be read', async () => {
    const guest = fake.model.state.vms[0].guest;
    if (guest) guest.isDirectAvailable = false;
    const { inventory, facts } = await discover();
    expect(inventory.guestVolumes).toEqual([]);
    expect(inventory.vms.find((vm) => vm.id === vmInventoryId(SQL01))?.applications).toEqual([]);
    const reasons = Object.fromEntries(
      facts.guests.map((guestFacts) => [guestFacts.vmId, guestFacts.isKnown ? 'known' : guestFacts.reason]),
    );
    expect(reasons[vmInventoryId(SQL01)]).toContain('PowerShell Direct could not reach the guest');
    expect(reasons[vmInventoryId(FILE01)]).toContain('PowerShell Direct');
    expect(reasons[vmInventoryId(WEB01)]).toBe('web01 is not running');
  });

  it.each([
    // Still running, its storage unreachable: read as running, its guest tried (the fake refuses it).
    { state: 32785, name: 'RunningCritical', reported: null, guest: /^PowerShell Direct to sql01/ },
    // Not known here, so not "off": planned as running for safety, so no restore overwrites it
    // unasked and no backup copies its files as if it were off (the run's live check refuses the
    // state) — and recorded as not read, with what Hyper-V reported, so nothing shows it running.
    {
      state: 1,
      name: 'Other',
      reported: 'Hyper-V reports state Other (1), which Migawka does not know',
      guest: /^sql01 is in Hyper-V state Other \(1\), which Migawka does not know$/,
    },
    {
      state: 32783,
      name: 'Hibernated',
      reported: 'Hyper-V reports state Hibernated (32783), which Migawka does not know',
      guest: /^sql01 is in Hyper-V state Hibernated \(32783\), which Migawka does not know$/,
    },
    {
      state: 32800,
      name: "a newer release's",
      reported: 'Hyper-V reports state 32800, which Migawka does not know',
      guest: /^sql01 is in Hyper-V state 32800, which Migawka does not know$/,
    },
  ])(
    'a VM in Hyper-V state $state ($name) is planned running, never off, and says whether its state was read',
    async ({ state, reported, guest }) => {
      fake.model.state.vms[0].state = state;
      const { inventory, facts } = await discover();
      expect(inventory.vms.find((vm) => vm.id === vmInventoryId(SQL01))).toMatchObject({
        powerState: 'running',
        powerStateUnknown: reported,
      });
      const read = facts.guests.find((guestFacts) => guestFacts.vmId === vmInventoryId(SQL01));
      expect(read?.isKnown ? 'read' : read?.reason).toMatch(guest);
    },
  );

  // VMState's numbers from 32783 up differ between releases; the host sends the name beside the
  // number, and the state is read by it: 32786 is SavedCritical on 2016, OffCritical on 2019.
  it.each([
    {
      release: 'Windows Server 2016',
      osVersion: WINDOWS_SERVER_2016,
      name: 'SavedCritical',
      state: 32786,
      power: 'saved',
    },
    {
      release: 'Windows Server 2016',
      osVersion: WINDOWS_SERVER_2016,
      name: 'OffCritical',
      state: 32784,
      power: 'off',
    },
    {
      release: 'Windows Server 2016',
      osVersion: WINDOWS_SERVER_2016,
      name: 'RunningCritical',
      state: 32783,
      power: 'running',
    },
    {
      release: 'Windows Server 2016',
      osVersion: WINDOWS_SERVER_2016,
      name: 'FastSavingCritical',
      state: 32794,
      power: 'saved',
    },
    {
      release: 'Windows Server 2022',
      osVersion: '10.0.20348',
      name: 'OffCritical',
      state: 32786,
      power: 'off',
    },
    {
      release: 'Windows Server 2022',
      osVersion: '10.0.20348',
      name: 'SavedCritical',
      state: 32788,
      power: 'saved',
    },
  ])('$release: a VM in $name ($state) is read as $power, by the name the host sends', async (row) => {
    fake.model.state.osVersion = row.osVersion;
    expect(vmStateValue(row.osVersion, row.name)).toBe(row.state);
    fake.model.state.vms[0].state = row.state;
    const { inventory } = await discover();
    expect(inventory.vms.find((vm) => vm.id === vmInventoryId(SQL01))).toMatchObject({
      powerState: row.power,
      powerStateUnknown: null,
    });
  });

  it("labels a state it does not know by the name the host gave, not by another release's numbering", async () => {
    // A 2016 host's 32783 is RunningCritical: read. A 2019 host's is Hibernated: not read.
    fake.model.state.vms[0].state = 32783;
    fake.model.state.osVersion = WINDOWS_SERVER_2016;
    const on2016 = await discover();
    expect(on2016.inventory.vms.find((vm) => vm.id === vmInventoryId(SQL01))?.powerStateUnknown).toBeNull();
    fake.model.state.osVersion = '10.0.17763';
    const on2019 = await discover();
    expect(on2019.inventory.vms.find((vm) => vm.id === vmInventoryId(SQL01))).toMatchObject({
      powerState: 'running',
      powerStateUnknown: 'Hyper-V reports state Hibernated (32783), which Migawka does not know',
    });
  });

  it('without a guest credential says so for every guest', async () => {
    const { facts } = await discover(null);
    expect(facts.guests.map((guestFacts) => (guestFacts.isKnown ? 'known' : guestFacts.reason))).toEqual([
      'no guest credential is set on the connection',
      'no guest credential is set on the connection',
      'no guest credential is set on the connection',
    ]);
  });

  it('an account that is not elevated gets the host facts and no VM list', async () => {
    fake.model.state.isElevated = false;
    const records = await readHostRecords(fake.connect(), guest, callOptions());
    expect(records.host.IsElevated).toBe(false);
    expect(records.vms).toEqual([]);
    expect(fake.host.calls).toEqual(['host-facts']);
  });

  it('sees a running checkpoint: the disk on its AVHDX, the base VHDX on the same volume', async () => {
    fake.model.checkpoint(fake.model.state.vms[0], 'nightly', 5);
    const { inventory, facts } = await discover();
    const disk = inventory.virtualDisks.find(
      (candidate) =>
        candidate.id ===
        diskInventoryId(SQL01, { ControllerType: 1, ControllerNumber: 0, ControllerLocation: 0 }),
    );
    expect(disk?.hostVolumeId).toBe(inventory.hostVolumes.find((volume) => volume.name === 'D:')?.id);
    const sql = facts.vms.find((vm) => vm.name === 'sql01');
    expect(sql?.disks[0]).toMatchObject({ type: 'Differencing', parentPath: 'D:\\Hyper-V\\sql01\\os.vhdx' });
    expect(sql?.checkpoints.map((checkpoint) => checkpoint.name)).toEqual(['nightly']);
    expect(sql?.checkpoints[0].createdAt).toBeInstanceOf(Date);
  });
});
