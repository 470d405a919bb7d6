/**
 * What every InventoryStore must do, whatever database is behind it. Run by each
 * implementation's test with a factory that returns a store holding the given inventory.
 *
 * The neighbourhood is checked two ways: against its definition computed from the whole estate
 * in memory (server/engine/neighbourhood.ts, the same closure written independently of any
 * query), and by planning over it: a VM's assessment and a backup plan made over the
 * neighbourhood equal the ones made over the whole estate.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { planBackup } from '../../../server/engine/backup-plan';
import { evaluateVm } from '../../../server/engine/evaluate';
import { type Inventory, indexInventory } from '../../../server/engine/inventory';
import { neighbourhoodOf as referenceNeighbourhood } from '../../../server/engine/neighbourhood';
import { BACKUP_METHODS } from '../../../server/engine/types';
import { vmListQueryInput } from '../../../server/schemas/inventory-queries';
import { DEMO_LAB_NAMES, demoLabInventory } from '../../seed/demo-lab';
import { generateLargeEstate } from '../../seed/large-estate';
import { seededRandom } from '../../seed/random';
import type { InventoryStore, ReassessVms } from '../ports/inventory';

const NOW = new Date('2026-03-28T01:00:00Z');

export type InventoryStoreFactory = (inventory: Inventory) => Promise<InventoryStore>;

const PLAN_CONTEXT = () => ({ now: new Date('2026-03-28T01:00:00Z'), newId: counter() });

function counter(): () => string {
  let next = 0;
  return () => `id-${++next}`;
}

/** Plans over the neighbourhood equal plans over the whole estate, for every method. */
function expectSamePlans(whole: Inventory, part: Inventory, vmId: string): void {
  const wholeIndex = indexInventory(whole);
  const partIndex = indexInventory(part);
  expect(evaluateVm(partIndex, vmId)).toEqual(evaluateVm(wholeIndex, vmId));
  for (const method of [undefined, ...BACKUP_METHODS]) {
    const request = {
      scope: { kind: 'vms' as const, vmIds: [vmId] },
      methodByVm: method ? { [vmId]: method } : undefined,
      consistencyPolicy: 'fallback' as const,
      passthroughPolicy: 'skip' as const,
    };
    expect(planBackup(partIndex, request, PLAN_CONTEXT())).toEqual(
      planBackup(wholeIndex, request, PLAN_CONTEXT()),
    );
  }
}

function vmNamed(inventory: Inventory, name: string) {
  const vm = inventory.vms.find((candidate) => candidate.name === name);
  if (!vm) throw new Error(`no VM named ${name}`);
  return vm;
}

function sample<T>(items: readonly T[], count: number, seed: number): T[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => items[Math.floor(random() * items.length)]);
}

/** The engine's assessments of these VMs (those the neighbourhood holds) over a neighbourhood. */
function assessedIn(neighbourhood: Inventory, vmIds: readonly string[]) {
  const index = indexInventory(neighbourhood);
  return vmIds.filter((vmId) => index.vmsById.has(vmId)).map((vmId) => evaluateVm(index, vmId));
}

export function inventoryStoreContract(name: string, createStore: InventoryStoreFactory): void {
  describe(`InventoryStore contract: ${name}`, () => {
    describe('on the demo lab', () => {
      const lab = demoLabInventory();
      let store: InventoryStore;
      let whole: Inventory;
      beforeAll(async () => {
        store = await createStore(lab);
        whole = await store.loadInventory();
      });

      it('loads the whole estate in the order it was written', () => {
        for (const section of Object.keys(lab) as (keyof Inventory)[]) {
          expect(whole[section].map((row) => row.id)).toEqual(lab[section].map((row) => row.id));
          expect(whole[section]).toMatchObject(lab[section]);
        }
      });

      it('keeps the storage format of each XenServer disk, and null where it was not read', () => {
        const formatOf = (id: string) => whole.virtualDisks.find((disk) => disk.id === id)?.storageFormat;
        expect(formatOf('disk-exch-01-logs')).toBe('vhd');
        expect(formatOf('disk-exch-01-os')).toBe('raw');
        expect(formatOf('disk-web-xen-01-os')).toBeNull();
      });

      it('counts every section and is not empty', async () => {
        const counts = await store.countInventory();
        for (const section of Object.keys(lab) as (keyof Inventory)[])
          expect(counts[section]).toBe(lab[section].length);
        expect(await store.isEmpty()).toBe(false);
      });

      it('gives each VM the neighbourhood of the reference, and the same plans', async () => {
        for (const vm of lab.vms) {
          const part = await store.loadNeighbourhood([vm.id]);
          expect(part).toEqual(referenceNeighbourhood(whole, [vm.id]));
          expectSamePlans(whole, part, vm.id);
        }
      });

      it('takes several VMs, host volumes and LUNs at once', async () => {
        const vmIds = [vmNamed(lab, DEMO_LAB_NAMES.sqlVm).id, lab.vms[lab.vms.length - 1].id];
        const also = {
          hostVolumeIds: [DEMO_LAB_NAMES.wsbVolumeId],
          arrayVolumeIds: lab.arrayVolumes.slice(0, 1).map((lun) => lun.id),
        };
        expect(await store.loadNeighbourhood(vmIds, also)).toEqual(
          referenceNeighbourhood(whole, vmIds, also),
        );
        for (const volume of lab.hostVolumes) {
          const seed = { hostVolumeIds: [volume.id] };
          expect(await store.loadNeighbourhood([], seed)).toEqual(referenceNeighbourhood(whole, [], seed));
        }
        for (const lun of lab.arrayVolumes) {
          const seed = { arrayVolumeIds: [lun.id] };
          expect(await store.loadNeighbourhood([], seed)).toEqual(referenceNeighbourhood(whole, [], seed));
        }
      });

      it('reaches every VM sharing storage with a VM, and not the unrelated ones', async () => {
        const sr = lab.hostVolumes.find((volume) => volume.name === DEMO_LAB_NAMES.sharedSr);
        const onSr = lab.virtualDisks.filter((disk) => disk.hostVolumeId === sr?.id).map((disk) => disk.vmId);
        expect(new Set(onSr).size).toBe(4);
        const part = await store.loadNeighbourhood([onSr[0]]);
        expect(part.vms.map((vm) => vm.id)).toEqual(expect.arrayContaining([...new Set(onSr)]));
        expect(part.hostVolumes.map((volume) => volume.id)).toContain(sr?.id);
        expect(part.vms.length).toBeLessThan(lab.vms.length);
      });

      it('skips ids it does not know', async () => {
        const part = await store.loadNeighbourhood(['no-such-vm'], {
          hostVolumeIds: ['no-such-volume'],
          arrayVolumeIds: ['no-such-lun'],
        });
        for (const rows of Object.values(part)) expect(rows).toEqual([]);
      });

      it('finds VMs by name, ignoring case', async () => {
        const [first, second] = lab.vms;
        const found = await store.findVmsByName([first.name.toUpperCase(), second.name, 'no such vm']);
        expect(found.map((vm) => vm.id).sort()).toEqual([first.id, second.id].sort());
        expect(await store.findVmsByName([])).toEqual([]);
      });
    });

    describe('after operations changed the estate', () => {
      it('shows the power states an operation left (a volume revert stops its VMs)', async () => {
        const lab = demoLabInventory();
        const store = await createStore(lab);
        const [first, second] = lab.vms.filter((vm) => vm.powerState === 'running');
        const summary = await store.setPowerStates(
          [
            { vmId: first.id, powerState: 'off' },
            { vmId: second.id, powerState: 'off' },
            { vmId: 'no-such-vm', powerState: 'off' },
          ],
          (neighbourhood) => assessedIn(neighbourhood, [first.id, second.id, 'no-such-vm']),
        );
        expect(summary.assessedVms).toBe(2);
        const stored = await store.loadInventory();
        expect(stored.vms.find((vm) => vm.id === first.id)?.powerState).toBe('off');
        expect(stored.vms.find((vm) => vm.id === second.id)?.powerState).toBe('off');
        expect(stored.vms.filter((vm) => vm.powerState === 'running')).toHaveLength(
          lab.vms.filter((vm) => vm.powerState === 'running').length - 2,
        );
        // Assessed in the same write: the stored plan captures the stopped VM offline.
        expect((await store.getVm(first.id))?.assessment?.captureState).toBe(
          evaluateVm(indexInventory(stored), first.id).plan.options.find((option) => option.isRecommended)
            ?.captureState,
        );
      });

      // The change and the assessment of it land together or not at all.
      const FAILED_ASSESSMENTS = [
        {
          change: 'a power state',
          write: (store: InventoryStore, vmId: string, reassess: ReassessVms) =>
            store.setPowerStates([{ vmId, powerState: 'off' }], reassess),
        },
        {
          change: 'a restored VM',
          write: (store: InventoryStore, vmId: string, reassess: ReassessVms) =>
            store.addVms(
              {
                vms: [{ ...demoLabInventory().vms[0], id: `${vmId}-restored`, name: 'restored' }],
                virtualDisks: [],
                guestVolumes: [],
              },
              NOW,
              reassess,
            ),
        },
      ];
      it.each(FAILED_ASSESSMENTS)('$change whose assessment fails is not written', async ({ write }) => {
        const lab = demoLabInventory();
        const store = await createStore(lab);
        const vm = lab.vms.find((candidate) => candidate.powerState === 'running');
        if (!vm) throw new Error('the demo lab has no running VM');
        const before = await store.loadInventory();
        const failing: ReassessVms = () => {
          throw new Error('the engine failed');
        };
        await expect(write(store, vm.id, failing)).rejects.toThrow('the engine failed');
        expect(await store.loadInventory()).toEqual(before);
      });

      // Only a sync that sees the VM again clears its mark: an import listing it (a file has no mark) does not.
      const IMPORTS_KEEP_MARK: ['merge' | 'replace', string][] = [
        ['merge', 'a merge import that lists the VM (as the file had it) keeps the mark'],
        ['replace', 'a replace import that lists the VM keeps the mark'],
      ];
      it.each(IMPORTS_KEEP_MARK)('%s: %s', async (mode) => {
        const lab = demoLabInventory();
        const store = await createStore(lab);
        const [vm] = lab.vms;
        const others = lab.vms.filter((other) => other.hostId === vm.hostId && other.id !== vm.id);
        const since = new Date('2026-03-27T10:00:00Z');
        await store.markGoneVms(
          vm.hostId,
          others.map((other) => other.id),
          since,
          since,
        );
        let assessedGone: (Date | null | undefined)[] = [];
        await store.importInventory({
          mode,
          validate: () => demoLabInventory(),
          assess: (whole) => {
            assessedGone = whole.vms.filter((candidate) => candidate.id === vm.id).map((c) => c.goneSince);
            return [];
          },
          record: { id: `import-${mode}`, createdAt: NOW, requestedBy: 'system' },
        });
        expect((await store.getVm(vm.id))?.vm.goneSince).toEqual(since);
        // The assessment written with the import saw the mark too.
        expect(assessedGone).toEqual([since]);
        // A sync that sees it again clears it.
        await store.markGoneVms(vm.hostId, [vm.id, ...others.map((other) => other.id)], NOW, NOW);
        expect((await store.getVm(vm.id))?.vm.goneSince).toBeNull();
      });

      it('marks the VMs a sync of their host no longer saw as gone, keeps them, and clears the mark when one reappears', async () => {
        const lab = demoLabInventory();
        const store = await createStore(lab);
        const hostId = lab.vms[0].hostId;
        const onHost = lab.vms.filter((vm) => vm.hostId === hostId);
        expect(onHost.length).toBeGreaterThan(2);
        const [first, second, ...rest] = onHost;
        const elsewhere = lab.vms.filter((vm) => vm.hostId !== hostId);
        const seen = [...rest.map((vm) => vm.id), 'vm-not-stored'];
        const since = new Date('2026-03-27T10:00:00Z');

        const marked = await store.markGoneVms(hostId, seen, since, since);
        expect(marked.gone.map((vm) => vm.id).sort()).toEqual([first.id, second.id].sort());
        expect(marked.gone.map((vm) => vm.name).sort()).toEqual([first.name, second.name].sort());
        expect(marked.reappeared).toEqual([]);
        const stored = await store.loadInventory();
        const goneSinceOf = (id: string) => stored.vms.find((vm) => vm.id === id)?.goneSince;
        expect(goneSinceOf(first.id)).toEqual(since);
        expect(goneSinceOf(second.id)).toEqual(since);
        for (const vm of [...rest, ...elsewhere]) expect(goneSinceOf(vm.id)).toBeNull();
        // Nothing is deleted: the VMs and their disks stay.
        const counts = await store.countInventory();
        expect([counts.vms, counts.virtualDisks]).toEqual([lab.vms.length, lab.virtualDisks.length]);
        expect((await store.getVm(first.id))?.vm.goneSince).toEqual(since);

        // A later sync that still misses `first` keeps its first date; `second` is back.
        const later = await store.markGoneVms(hostId, [second.id, ...rest.map((vm) => vm.id)], NOW, NOW);
        expect(later.gone).toEqual([]);
        expect(later.reappeared).toEqual([{ id: second.id, name: second.name }]);
        const after = await store.loadInventory();
        expect(after.vms.find((vm) => vm.id === first.id)?.goneSince).toEqual(since);
        expect(after.vms.find((vm) => vm.id === second.id)?.goneSince).toBeNull();

        // The list shows when and filters by presence.
        await store.reassess((whole) => whole.vms.map((vm) => evaluateVm(indexInventory(whole), vm.id)));
        const gone = await store.listVms(vmListQueryInput.parse({ presence: 'gone' }), NOW);
        expect(gone.items.map((item) => [item.id, item.goneSince])).toEqual([[first.id, since]]);
        expect(await store.countVms(vmListQueryInput.parse({ presence: 'gone' }), NOW)).toBe(1);
        expect(await store.countVms(vmListQueryInput.parse({ presence: 'present' }), NOW)).toBe(
          lab.vms.length - 1,
        );
      });

      it('lists a VM restored as new, with its disks, on the chosen host volume', async () => {
        const lab = demoLabInventory();
        const store = await createStore(lab);
        const source = lab.vms[0];
        const disk = lab.virtualDisks.find((candidate) => candidate.vmId === source.id);
        if (!disk) throw new Error('the demo lab VM has no disk');
        const vm = {
          ...source,
          id: 'vm-restored-1',
          name: `${source.name}-restored`,
          powerState: 'off' as const,
        };
        await store.addVms(
          {
            vms: [vm],
            virtualDisks: [{ ...disk, id: 'vm-restored-1-disk', vmId: vm.id }],
            guestVolumes: [],
          },
          NOW,
          (neighbourhood) => assessedIn(neighbourhood, [vm.id]),
        );
        expect(await store.hasVm(vm.id)).toBe(true);
        expect(await store.findVmsByName([vm.name.toUpperCase()])).toMatchObject([{ id: vm.id }]);
        const part = await store.loadNeighbourhood([vm.id]);
        expect(part.virtualDisks.filter((candidate) => candidate.vmId === vm.id).map((d) => d.id)).toEqual([
          'vm-restored-1-disk',
        ]);
        // Lists join the assessments: assessed as it was added, the new VM is listed like any other.
        const query = vmListQueryInput.parse({ search: vm.name });
        expect((await store.listVms(query, NOW)).items.map((item) => item.id)).toEqual([vm.id]);
      });

      // A host read that began before a restore recorded its new VM cannot list it: not gone.
      const RESTORED = new Date('2026-03-27T10:00:00Z');
      const READS: { read: string; readStartedAt: Date; isGone: boolean }[] = [
        {
          read: 'a read begun after the restore recorded it',
          readStartedAt: new Date(RESTORED.getTime() + 1),
          isGone: true,
        },
        { read: 'a read begun as the restore recorded it', readStartedAt: RESTORED, isGone: false },
        {
          read: 'a read begun before the restore recorded it',
          readStartedAt: new Date(RESTORED.getTime() - 1),
          isGone: false,
        },
      ];
      it.each(READS)(
        'a VM restored as new and not seen by $read is gone: $isGone',
        async ({ readStartedAt, isGone }) => {
          const lab = demoLabInventory();
          const store = await createStore(lab);
          const [source] = lab.vms;
          const vm = { ...source, id: 'vm-restored-1', name: `${source.name}-restored` };
          await store.addVms({ vms: [vm], virtualDisks: [], guestVolumes: [] }, RESTORED, (neighbourhood) =>
            assessedIn(neighbourhood, [vm.id]),
          );
          const seen = lab.vms.filter((other) => other.hostId === vm.hostId && other.id !== source.id);
          const marked = await store.markGoneVms(
            vm.hostId,
            seen.map((other) => other.id),
            NOW,
            readStartedAt,
          );
          // The source VM, imported and not seen either, is gone whenever the read began.
          expect(marked.gone.map((gone) => gone.id).sort()).toEqual(
            [source.id, ...(isGone ? [vm.id] : [])].sort(),
          );
          expect((await store.getVm(vm.id))?.vm.goneSince).toEqual(isGone ? NOW : null);
        },
      );
    });

    describe('on a generated estate', () => {
      const estate = generateLargeEstate({ hosts: 30, vms: 450, seed: 42 });
      let store: InventoryStore;
      let whole: Inventory;
      beforeAll(async () => {
        store = await createStore(estate);
        whole = await store.loadInventory();
      });

      it('gives sampled VMs and VM sets the neighbourhood of the reference, and the same plans', async () => {
        for (const vm of sample(estate.vms, 25, 7)) {
          const part = await store.loadNeighbourhood([vm.id]);
          expect(part).toEqual(referenceNeighbourhood(whole, [vm.id]));
          // Storage is private to a host: a neighbourhood never reaches the whole estate.
          expect(part.vms.length).toBeLessThan(estate.vms.length / 10);
          expectSamePlans(whole, part, vm.id);
        }
        for (let round = 0; round < 5; round++) {
          const vmIds = sample(estate.vms, 6, 100 + round).map((vm) => vm.id);
          expect(await store.loadNeighbourhood(vmIds)).toEqual(referenceNeighbourhood(whole, vmIds));
        }
      });

      it('gives volume and LUN seeds the neighbourhood of the reference', async () => {
        for (const volume of sample(estate.hostVolumes, 10, 11)) {
          const seed = { hostVolumeIds: [volume.id] };
          expect(await store.loadNeighbourhood([], seed)).toEqual(referenceNeighbourhood(whole, [], seed));
        }
        for (const lun of sample(estate.arrayVolumes, 10, 13)) {
          const seed = { arrayVolumeIds: [lun.id] };
          expect(await store.loadNeighbourhood([], seed)).toEqual(referenceNeighbourhood(whole, [], seed));
        }
      });
    });

    it('finds a VM by a name with letters beyond ASCII, ignoring their case', async () => {
      const lab = demoLabInventory();
      lab.vms[0] = { ...lab.vms[0], name: 'Łódź-Żuraw-01' };
      const store = await createStore(lab);
      expect((await store.findVmsByName(['łÓDŹ-żURAW-01'])).map((vm) => vm.id)).toEqual([lab.vms[0].id]);
      expect(await store.findVmsByName(['łódź'])).toEqual([]);
    });

    it('an empty store is empty', async () => {
      const store = await createStore({
        hosts: [],
        hostVolumes: [],
        vms: [],
        virtualDisks: [],
        guestVolumes: [],
        arrays: [],
        arrayVolumes: [],
        consistencyGroups: [],
      });
      expect(await store.isEmpty()).toBe(true);
      expect(Object.values(await store.countInventory())).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    });
  });
}
