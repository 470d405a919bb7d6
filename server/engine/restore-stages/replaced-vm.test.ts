/**
 * The confirmation of an overwrite names one VM: its name alone, with its host when a namesake is
 * elsewhere, and with its id on the hypervisor when a namesake is on the same host (Hyper-V allows
 * two VMs of one name on a host). Whatever the operator types for one VM never confirms another.
 */
import { describe, expect, it } from 'vitest';
import type { Inventory } from '../inventory';
import { makeOperationsIndex } from '../operations-estate.fixture';
import { plan, point } from '../restore-plan.fixture';
import { platformVmIdOf, shortenVmId } from '../vm-identity';

// Ids as the connectors key them (drivers/platform-vm-ids.test.ts holds the two together).
const vmInventoryId = (guid: string) => `hv:${guid.toLowerCase()}`;
const xenId = (uuid: string) => `xen:${uuid}`;

const OFF01 = vmInventoryId('4F2A91C3-1111-4000-8000-000000000001');
const OTHER = vmInventoryId('9c1e7a20-2222-4000-8000-000000000002');
const TWIN = vmInventoryId('4f2a91c3-3333-4000-8000-000000000003');
const POOL_SNAPSHOT = { kind: 'pool-snapshot', snapshotId: 'xen:5a1e', name: 'before patch' } as const;
const GET_VM = "Get-VM -Name 'off01' | Select-Object Name, Id";

/** Gives VMs the ids a connector gives them and new names, every VM off (an overwrite needs it). */
function estate(ids: Record<string, string>, names: Record<string, string>) {
  return makeOperationsIndex((inventory: Inventory) => {
    for (const vm of inventory.vms) {
      vm.powerState = 'off';
      vm.name = names[vm.id] ?? vm.name;
      vm.id = ids[vm.id] ?? vm.id;
    }
    for (const disk of inventory.virtualDisks) disk.vmId = ids[disk.vmId] ?? disk.vmId;
    for (const volume of inventory.guestVolumes) volume.vmId = ids[volume.vmId] ?? volume.vmId;
  });
}

describe('the confirmation of an overwrite', () => {
  it.each<{
    estate: string;
    names: Record<string, string>;
    ids?: Record<string, string>;
    expected: string;
    note: string | null;
    others: string[];
  }>([
    { estate: 'no namesake', names: {}, expected: 'off01', note: null, others: [] },
    {
      estate: 'a namesake on another host',
      names: { wsb01: 'off01' },
      expected: 'off01 on hv01',
      note: null,
      others: ['off01', 'off01 on hv02'],
    },
    {
      estate: 'a namesake on the same host',
      names: { web01: 'off01' },
      ids: { web01: OTHER },
      expected: 'off01 (4f2a91c3) on hv01',
      note: `Another VM on hv01 is also named off01 (9c1e7a20): the one overwritten has Hyper-V VM id 4f2a91c3-1111-4000-8000-000000000001, as ${GET_VM} shows it.`,
      others: ['off01', 'off01 on hv01', 'off01 (9c1e7a20) on hv01'],
    },
    {
      estate: 'a namesake on the same host whose id starts alike',
      names: { web01: 'off01' },
      ids: { web01: TWIN },
      expected: 'off01 (4f2a91c3-1) on hv01',
      note: `Another VM on hv01 is also named off01 (4f2a91c3-3): the one overwritten has Hyper-V VM id 4f2a91c3-1111-4000-8000-000000000001, as ${GET_VM} shows it.`,
      others: ['off01', 'off01 (4f2a91c3) on hv01', 'off01 (4f2a91c3-3) on hv01'],
    },
    {
      estate: 'several namesakes, two on the same host and one elsewhere',
      names: { web01: 'off01', file01: 'off01', wsb01: 'off01' },
      ids: { web01: OTHER, file01: TWIN },
      expected: 'off01 (4f2a91c3-1) on hv01',
      note: `2 other VMs on hv01 are also named off01 (9c1e7a20, 4f2a91c3-3): the one overwritten has Hyper-V VM id 4f2a91c3-1111-4000-8000-000000000001, as ${GET_VM} shows it.`,
      others: [
        'off01',
        'off01 on hv01',
        'off01 on hv02',
        'off01 (9c1e7a20) on hv01',
        'off01 (4f2a91c3-3) on hv01',
      ],
    },
    {
      // An imported inventory's ids are its own: shown whole when short.
      estate: 'a namesake on the same host, ids as imported',
      names: { web01: 'off01' },
      ids: { off01: 'off01' },
      expected: 'off01 (off01) on hv01',
      note: 'Another VM on hv01 is also named off01 (web01): the one overwritten has inventory id off01, as the imported inventory shows it.',
      others: ['off01', 'off01 on hv01', 'off01 (web01) on hv01'],
    },
  ])('$estate: type "$expected"', ({ names, ids = {}, expected, note, others }) => {
    const index = estate({ off01: OFF01, ...ids }, names);
    const vmId = ids.off01 ?? OFF01;
    const target = point({ id: 'rp-off01', vmId, vmName: 'off01', heldDiskIds: ['off01-os'] });
    const asked = plan(target, { mode: 'in-place' }, { index });
    expect(asked.confirmationText).toBe(expected);
    expect(asked.confirmationNote).toBe(note);
    expect(asked.isRunnable).toBe(false);
    expect(asked.blockedReasons).toContain(`Type the VM name "${expected}" to confirm this in-place restore`);
    const confirmed = plan(target, { mode: 'in-place', confirmation: expected }, { index });
    expect(confirmed.isRunnable, confirmed.blockedReasons.join('\n')).toBe(true);
    for (const typed of others) {
      const refused = plan(target, { mode: 'in-place', confirmation: typed }, { index });
      expect(refused.isRunnable).toBe(false);
      expect(refused.blockedReasons).toContain(
        `The confirmation "${typed}" does not match the VM name "${expected}"`,
      );
    }
  });

  it('a XenServer VM reverted to a snapshot, with a namesake on its host, is named by its uuid, read with xe', () => {
    const index = estate(
      { xlin01: xenId('7b3d0c55-aaaa'), xwin01: xenId('e0f1a2b3-bbbb') },
      { xwin01: 'xlin01' },
    );
    const target = point({
      id: 'rp-x',
      vmId: xenId('7b3d0c55-aaaa'),
      vmName: 'xlin01',
      method: 'xen-snapshot',
      heldDiskIds: ['xlin01-os'],
      location: POOL_SNAPSHOT,
    });
    const asked = plan(target, { mode: 'snapshot-revert' }, { index });
    expect(asked.blockedReasons).toContain(
      'Type the VM name "xlin01 (7b3d0c55) on xs01" to confirm this revert to the snapshot',
    );
    expect(asked.confirmationText).toBe('xlin01 (7b3d0c55) on xs01');
    expect(asked.confirmationNote).toBe(
      "Another VM on xs01 is also named xlin01 (e0f1a2b3): the one overwritten has XenServer VM uuid 7b3d0c55-aaaa, as xe vm-list name-label='xlin01' params=uuid,resident-on shows it.",
    );
  });
});

describe('platformVmIdOf and shortenVmId', () => {
  it.each([
    { id: 'hv:4f2a91c3-1111', kind: 'hyperv' as const, expected: '4f2a91c3-1111' },
    { id: 'xen:7b3d0c55-aaaa', kind: 'xenserver' as const, expected: '7b3d0c55-aaaa' },
    // A prefix of another platform is part of the id as imported.
    { id: 'xen:7b3d0c55', kind: 'hyperv' as const, expected: 'xen:7b3d0c55' },
    { id: 'vm-test-01', kind: 'hyperv' as const, expected: 'vm-test-01' },
    { id: 'hv:4f2a91c3', kind: undefined, expected: 'hv:4f2a91c3' },
  ])('$id on $kind reads $expected', ({ id, kind, expected }) => {
    expect(platformVmIdOf(id, kind)).toBe(expected);
  });

  it.each([
    { id: '4f2a91c3-1111', others: ['9c1e7a20-2222'], expected: '4f2a91c3' },
    { id: '4f2a91c3-1111', others: ['4f2a91c3-3333'], expected: '4f2a91c3-1' },
    { id: '4f2a91c3-1111', others: ['9c1e7a20-2222', '4f2a91c3-1113'], expected: '4f2a91c3-1111' },
    { id: 'web', others: ['web-long-name'], expected: 'web' },
    { id: 'abcdefgh', others: ['abcdefghij'], expected: 'abcdefgh' },
    { id: 'abcdefghij', others: ['abcdefgh'], expected: 'abcdefghi' },
    {
      id: '0b6c5a2e-0000-4000-8000-00000000a003',
      others: ['0b6c5a2e-0000-4000-8000-00000000a002'],
      expected: '0b6c5a2e-0000-4000-8000-00000000a003',
    },
  ])('$id against $others shortens to $expected', ({ id, others, expected }) => {
    expect(shortenVmId(id, others)).toBe(expected);
  });
});
