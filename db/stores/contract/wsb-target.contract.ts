/**
 * The stores hand the engine each host with its Windows Server Backup target state (Host.wsbTarget),
 * derived when the host is loaded from the connection that reads it — the host the connection's
 * last sync reached, or a node of its cluster — so an admin's change to the target counts at once,
 * without a sync: in the whole estate, in a plan's neighbourhood, in what an import assesses, and
 * in the re-assessment of a host's VMs. A lab host needs no target; a host no connection reads has
 * none.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evaluateVm, type VmAssessment } from '../../../server/engine/evaluate';
import { type Inventory, indexInventory, type WsbTargetState } from '../../../server/engine/inventory';
import {
  addVms,
  makeHost,
  makeHostVolume,
  makeInventory,
  makeVmOnVolume,
  makeXenEstate,
} from '../../../server/engine/test-fixtures';
import type { Stores } from '../ports';

export interface WsbTargetFixture {
  stores: Pick<Stores, 'inventory' | 'hypervConnections'>;
  close(): Promise<void>;
}

const T0 = new Date('2026-12-05T02:00:00Z');

/** Lab host lab01, Hyper-V hosts hv01 (the connection's), hv02 (its cluster node), hv03 (no connection) and a XenServer host. */
function estate(): Inventory {
  const hosts = [
    makeHost({ id: 'lab01', connector: 'lab' }),
    makeHost({ id: 'hv01', connector: 'hyperv' }),
    makeHost({ id: 'hv02', connector: 'hyperv' }),
    makeHost({ id: 'hv03', connector: 'hyperv' }),
  ];
  const inventory = makeInventory({
    hosts,
    hostVolumes: hosts.map((host) => makeHostVolume({ id: `${host.id}:D:`, hostId: host.id })),
  });
  for (const host of hosts) {
    addVms(inventory, makeVmOnVolume({ name: `${host.id}-vm`, hostId: host.id }, `${host.id}:D:`));
  }
  const xen = makeXenEstate();
  for (const section of Object.keys(inventory) as (keyof Inventory)[]) {
    (inventory[section] as unknown[]).push(...xen[section]);
  }
  return inventory;
}

const assessEvery = (whole: Inventory): VmAssessment[] =>
  whole.vms.map((vm) => evaluateVm(indexInventory(whole), vm.id));

const statesOf = (inventory: Inventory): Record<string, WsbTargetState | undefined> =>
  Object.fromEntries(inventory.hosts.map((host) => [host.id, host.wsbTarget]));

export function runWsbTargetContract(name: string, open: () => Promise<WsbTargetFixture>): void {
  describe(`WSB target state of loaded hosts (${name})`, () => {
    let fixture: WsbTargetFixture;
    beforeEach(async () => {
      fixture = await open();
      const { inventory, hypervConnections } = fixture.stores;
      await inventory.importInventory({
        mode: 'replace',
        validate: () => estate(),
        assess: assessEvery,
        record: { id: 'import-1', createdAt: T0, requestedBy: 'test' },
      });
      await hypervConnections.insert({
        id: 'c1',
        name: 'hv cluster',
        address: '192.0.2.20',
        port: 22,
        secretId: 'secret-1',
        guestSecretId: null,
        wsbBackupTarget: 'E:',
        createdAt: T0,
        createdBy: 'user:1',
      });
      await hypervConnections.recordSync('c1', T0, null, 'hv01');
      await hypervConnections.recordCluster('c1', 'cluster', ['hv01', 'hv02']);
    });
    afterEach(async () => {
      await fixture.close();
    });

    it('derives each host’s state from the connection reading it, and follows a change of target without a sync', async () => {
      const { inventory, hypervConnections } = fixture.stores;
      const named = { lab01: 'lab', hv01: 'named', hv02: 'named', hv03: 'none', xs01: 'lab' };
      expect(statesOf(await inventory.loadInventory())).toEqual(named);
      expect(statesOf(await inventory.loadNeighbourhood(['hv01-vm', 'hv02-vm', 'hv03-vm']))).toEqual({
        hv01: 'named',
        hv02: 'named',
        hv03: 'none',
      });

      await hypervConnections.setWsbBackupTarget('c1', null);
      const cleared = { ...named, hv01: 'none', hv02: 'none' };
      expect(statesOf(await inventory.loadInventory())).toEqual(cleared);
      expect(statesOf(await inventory.loadNeighbourhood(['hv02-vm']))).toEqual({ hv02: 'none' });

      await hypervConnections.setWsbBackupTarget('c1', '\\\\nas\\wsb');
      expect(statesOf(await inventory.loadInventory())).toEqual(named);
    });

    it('an import assesses the hosts it brings with their connection’s state, not the file’s', async () => {
      const { inventory } = fixture.stores;
      const seen: Record<string, WsbTargetState | undefined>[] = [];
      await inventory.importInventory({
        mode: 'merge',
        // A sync's merge: the host as read, which knows nothing of its connection's target.
        validate: () => makeInventory({ hosts: [makeHost({ id: 'hv01', connector: 'hyperv' })] }),
        assess: (whole) => {
          seen.push(statesOf(whole));
          return assessEvery(whole);
        },
        record: { id: 'import-2', createdAt: T0, requestedBy: 'test' },
      });
      expect(seen).toEqual([{ lab01: 'lab', hv01: 'named', hv02: 'named', hv03: 'none', xs01: 'lab' }]);
    });

    it('re-assesses every VM of the given hosts, and only theirs, from their neighbourhood as stored', async () => {
      const { inventory, hypervConnections } = fixture.stores;
      await hypervConnections.setWsbBackupTarget('c1', null);
      const given: string[][] = [];
      const summary = await inventory.reassessVmsOnHosts(['hv01', 'hv02'], (neighbourhood) => {
        given.push(neighbourhood.hosts.map((host) => `${host.id}:${host.wsbTarget}`));
        const onHosts = neighbourhood.vms.filter((vm) => vm.hostId === 'hv01' || vm.hostId === 'hv02');
        return onHosts.map((vm) => evaluateVm(indexInventory(neighbourhood), vm.id));
      });
      expect(given).toEqual([['hv01:none', 'hv02:none']]);
      expect(summary.assessedVms).toBe(2);
      const wsb = async (vmId: string) =>
        (await inventory.getMethodPlan(vmId))?.plan?.options.find((o) => o.method === 'wsb-volume')
          ?.isAvailable;
      expect([await wsb('hv01-vm'), await wsb('hv02-vm'), await wsb('lab01-vm')]).toEqual([
        false,
        false,
        true,
      ]);
      expect((await inventory.reassessVmsOnHosts([], () => [])).assessedVms).toBe(0);
    });
  });
}
