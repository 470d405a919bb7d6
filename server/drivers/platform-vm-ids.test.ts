/**
 * The engine reads a VM's id on its hypervisor out of the inventory id a connector gave it
 * (engine/vm-identity.ts): these tests hold the connectors' id schemes and that reading together,
 * so a restore's confirmation quotes the id Get-VM or xe shows, not Migawka's key.
 */
import { describe, expect, it } from 'vitest';
import { platformVmIdOf, platformVmIdWords } from '../engine/vm-identity';
import { vmGuidOf, vmInventoryId } from './hyperv/hyperv-discovery';
import { xenId } from './xapi/xapi-discovery';

describe('platform VM ids as the connectors key them', () => {
  it('a Hyper-V VM reads as its VMId GUID (lower case, as the inventory keeps it)', () => {
    const id = vmInventoryId('4F2A91C3-1111-4000-8000-000000000001');
    expect(platformVmIdOf(id, 'hyperv')).toBe('4f2a91c3-1111-4000-8000-000000000001');
    expect(platformVmIdOf(id, 'hyperv')).toBe(vmGuidOf(id));
    expect(platformVmIdWords(id, 'hyperv', 'web01').label).toBe('Hyper-V VM id');
  });

  it('a XenServer VM reads as its uuid', () => {
    const id = xenId('7b3d0c55-0000-4000-8000-000000000002');
    expect(platformVmIdOf(id, 'xenserver')).toBe('7b3d0c55-0000-4000-8000-000000000002');
    expect(platformVmIdWords(id, 'xenserver', 'web01').label).toBe('XenServer VM uuid');
  });
});
