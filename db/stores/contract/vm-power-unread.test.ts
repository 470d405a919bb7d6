/**
 * A power state that was not read (`Vm.powerStateUnknown`: what the hypervisor reported instead)
 * round-trips through every store, on SQLite and PostgreSQL: the merge import a sync writes keeps
 * it, every view that shows a VM's power state carries it beside the planned state, a later read
 * that states the power state clears it, and a state an operation observed clears it too.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateInventory } from '../../../server/engine/evaluate';
import type { Inventory, Vm } from '../../../server/engine/inventory';
import { vmListQueryInput } from '../../../server/schemas/inventory-queries';
import { demoLabInventory } from '../../seed/demo-lab';
import type { InventoryStore } from '../ports/inventory';
import { type DialectHandle, type StoreDialect, storeDialects } from './dialects';

const REPORTED = 'Hyper-V reports state Hibernated (32783), which Migawka does not know';

const opened: DialectHandle[] = [];
afterAll(async () => {
  for (const handle of opened.splice(0)) await handle.close();
});

let imports = 0;
async function importAs(store: InventoryStore, inventory: Inventory, mode: 'replace' | 'merge') {
  imports++;
  await store.importInventory({
    mode,
    validate: () => inventory,
    assess: evaluateInventory,
    record: { id: `import-${imports}`, createdAt: new Date(Date.UTC(2026, 0, 1)), requestedBy: 'system' },
  });
}

/** A Hyper-V VM of the demo lab whose disk sits on a host volume with a LUN behind it: shown on every view. */
function subjectOf(lab: Inventory) {
  for (const vm of lab.vms) {
    const host = lab.hosts.find((candidate) => candidate.id === vm.hostId);
    const volume = lab.virtualDisks
      .filter((disk) => disk.vmId === vm.id && disk.hostVolumeId)
      .map((disk) => lab.hostVolumes.find((candidate) => candidate.id === disk.hostVolumeId))
      .find((candidate) => candidate?.arrayVolumeId);
    const lun = lab.arrayVolumes.find((candidate) => candidate.id === volume?.arrayVolumeId);
    if (host?.kind === 'hyperv' && vm.powerState === 'running' && volume && lun) return { vm, volume, lun };
  }
  throw new Error('the demo lab has no running Hyper-V VM on a LUN-backed volume');
}

const withUnread = (lab: Inventory, vmId: string, powerStateUnknown: string | null | undefined) => ({
  ...lab,
  vms: lab.vms.map((vm): Vm => (vm.id === vmId ? { ...vm, powerStateUnknown } : vm)),
});

/** What each view that shows the VM's power state says of it: planned state and why it was not read. */
async function shownEverywhere(store: InventoryStore, subject: ReturnType<typeof subjectOf>) {
  const { vm, volume, lun } = subject;
  const pick = (found: { powerState: string; powerStateUnknown: string | null } | undefined) =>
    found ? { powerState: found.powerState, powerStateUnknown: found.powerStateUnknown } : 'not shown';
  const list = await store.listVms(vmListQueryInput.parse({ search: vm.name }), new Date());
  const host = await store.getHost(vm.hostId);
  const hostVolume = await store.getHostVolume(volume.id);
  const array = await store.getArray(lun.arrayId);
  return {
    inventory: (await store.loadInventory()).vms.find((candidate) => candidate.id === vm.id)
      ?.powerStateUnknown,
    vmPage: (await store.getVm(vm.id))?.vm.powerStateUnknown,
    vmList: pick(list.items.find((item) => item.id === vm.id)),
    hostPage: pick(
      host?.volumes.find((candidate) => candidate.id === volume.id)?.vms.find((ref) => ref.id === vm.id),
    ),
    volumePage: pick(hostVolume?.vms.find((ref) => ref.id === vm.id)),
    arrayPage: pick(
      array?.volumes.find((candidate) => candidate.id === lun.id)?.vms.find((ref) => ref.id === vm.id),
    ),
  };
}

const everywhere = (powerState: string, powerStateUnknown: string | null) => ({
  inventory: powerStateUnknown,
  vmPage: powerStateUnknown,
  vmList: { powerState, powerStateUnknown },
  hostPage: { powerState, powerStateUnknown },
  volumePage: { powerState, powerStateUnknown },
  arrayPage: { powerState, powerStateUnknown },
});

describe.each(await storeDialects('vmpowerunread'))('$name', (dialect: StoreDialect) => {
  describe.skipIf(dialect.skip !== null)('a power state that was not read', () => {
    async function storeWithLab() {
      const handle = await dialect.open();
      opened.push(handle);
      const lab = demoLabInventory();
      await importAs(handle.stores.inventory, lab, 'replace');
      return { store: handle.stores.inventory, lab, subject: subjectOf(lab) };
    }

    it('is kept by the merge a sync writes, shown on every view beside the planned state, and cleared by a read that states it', async () => {
      const { store, lab, subject } = await storeWithLab();
      expect(await shownEverywhere(store, subject)).toEqual(everywhere('running', null));

      await importAs(store, withUnread(lab, subject.vm.id, REPORTED), 'merge');
      expect(await shownEverywhere(store, subject)).toEqual(everywhere('running', REPORTED));
      // The other VMs' states were read: nothing says otherwise of them.
      const others = (await store.loadInventory()).vms.filter((vm) => vm.id !== subject.vm.id);
      expect(others.filter((vm) => vm.powerStateUnknown !== null)).toEqual([]);
      // Its assessment was written with it: the VM's page lists the finding that says so.
      const findings = (await store.getVm(subject.vm.id))?.findings ?? [];
      expect(findings.filter((finding) => finding.ruleId === 'VM-POWER-STATE-UNKNOWN')).toMatchObject([
        { severity: 'info', message: expect.stringContaining(REPORTED) },
      ]);

      // A read that states the power state (the field absent, as in a file) clears it.
      await importAs(store, withUnread(lab, subject.vm.id, undefined), 'merge');
      expect(await shownEverywhere(store, subject)).toEqual(everywhere('running', null));
      expect((await store.getVm(subject.vm.id))?.findings.map((finding) => finding.ruleId)).not.toContain(
        'VM-POWER-STATE-UNKNOWN',
      );
    });

    it('is cleared when an operation records the state it observed or caused', async () => {
      const { store, lab, subject } = await storeWithLab();
      await importAs(store, withUnread(lab, subject.vm.id, REPORTED), 'merge');
      await store.setPowerStates([{ vmId: subject.vm.id, powerState: 'off' }], (neighbourhood) =>
        evaluateInventory(neighbourhood).filter((assessment) => assessment.vmId === subject.vm.id),
      );
      expect(await shownEverywhere(store, subject)).toEqual(everywhere('off', null));
    });
  });
});
