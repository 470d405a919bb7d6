/**
 * InventoryStore.reassessVms reads a few VMs' neighbourhood and writes their assessments in ONE
 * transaction: a change of the estate from another worker process (SQLite) or another node
 * (PostgreSQL) lands before its read or after its write, never between them. Read and written
 * apart (as a step did), an import landing in between had its newer assessment overwritten by one
 * of facts no longer stored: a VM shown online-ready while stored off.
 *
 * Two timelines, each with every kind of change. The change starts inside `assess`, while the
 * transaction is open: it must be refused (SQLite: busy) or wait (PostgreSQL: a lock queue) and land
 * after. Or the change is in the middle of its transaction when the re-assessment starts
 * (PostgreSQL: another connection's row lock holds it there): the re-assessment must wait and read
 * what it wrote. Waits are seen in pg_locks, never on a timer. Either way the stored assessment
 * must then be the assessment of the stored facts.
 */
import { expect, it } from 'vitest';
import { evaluateVm, type VmAssessment } from '../../../server/engine/evaluate';
import { emptyInventory, type Inventory, indexInventory, type Vm } from '../../../server/engine/inventory';
import { demoLabInventory } from '../../seed/demo-lab';
import { isDatabaseBusy } from '../busy-error';
import type { InventoryImportRequest, InventoryStore } from '../ports/inventory';

/** One database reached twice. */
export interface TwoWriters {
  /** The store whose reassessVms is under test. */
  store: InventoryStore;
  /** The same database through another connection: another worker process, or another node. */
  other: InventoryStore;
  /**
   * Locks a row of `vmId` from a third connection until the returned release (FOR NO KEY UPDATE):
   * its assessment (the re-assessment's write then waits, once `assess` returned) or its VM (a
   * change of its power state waits inside its transaction). Null where a call cannot be held
   * mid-way: SQLite runs each call whole, and the other writer settles inside `assess`.
   */
  holdRow: ((table: 'vm_assessments' | 'vms', vmId: string) => Promise<() => Promise<void>>) | null;
  /** Resolves once `work`, made through `who`, stands in a lock queue or has settled. */
  untilWaitingOrSettled(who: 'store' | 'other', work: Promise<unknown>): Promise<'waiting' | 'settled'>;
}

export type TwoWritersFactory = () => Promise<TwoWriters>;

const RECORD = { createdAt: new Date('2026-03-28T01:00:00Z'), requestedBy: 'sync' };
const NO_OBJECTS: Inventory = emptyInventory();

function assessed(inventory: Inventory, vmIds: readonly string[]): VmAssessment[] {
  const index = indexInventory(inventory);
  return vmIds.filter((vmId) => index.vmsById.has(vmId)).map((vmId) => evaluateVm(index, vmId));
}

const assessEvery = (whole: Inventory) =>
  assessed(
    whole,
    whole.vms.map((vm) => vm.id),
  );

function stopped(inventory: Inventory, vmId: string): Inventory {
  return {
    ...inventory,
    vms: inventory.vms.map((vm): Vm => (vm.id === vmId ? { ...vm, powerState: 'off' } : vm)),
  };
}

/** A running VM of the demo lab whose assessment changes when it is off. */
function vmWhoseAssessmentFollowsPower(lab: Inventory): Vm {
  const vm = lab.vms.find(
    (candidate) =>
      candidate.powerState === 'running' &&
      JSON.stringify(assessed(lab, [candidate.id])) !==
        JSON.stringify(assessed(stopped(lab, candidate.id), [candidate.id])),
  );
  if (!vm) throw new Error('no running VM of the demo lab is assessed otherwise when off');
  return vm;
}

interface EstateChange {
  name: string;
  /** The other writer's change: stops `vmId`. */
  write(other: InventoryStore, lab: Inventory, vmId: string): Promise<void>;
}

async function importInto(
  other: InventoryStore,
  id: string,
  request: Omit<InventoryImportRequest, 'record'>,
): Promise<void> {
  await other.importInventory({ ...request, record: { ...RECORD, id } });
}

const CHANGES: EstateChange[] = [
  {
    name: 'a live sync batch stops the VM (a merge import re-assessing that VM only)',
    write: (other, lab, vmId) =>
      importInto(other, 'sync-batch', {
        mode: 'merge',
        validate: () => ({ ...NO_OBJECTS, vms: stopped(lab, vmId).vms.filter((vm) => vm.id === vmId) }),
        assess: (whole) => assessed(whole, [vmId]),
        assesses: 'some-vms',
      }),
  },
  {
    name: 'an import replaces the estate with the VM stopped (re-assessing every VM)',
    write: (other, lab, vmId) =>
      importInto(other, 'replace', {
        mode: 'replace',
        validate: () => stopped(lab, vmId),
        assess: assessEvery,
      }),
  },
  {
    name: 'another step records the VM stopped (setPowerStates, re-assessing it in the same transaction)',
    write: async (other, _lab, vmId) => {
      await other.setPowerStates([{ vmId, powerState: 'off' }], (neighbourhood) =>
        assessed(neighbourhood, [vmId]),
      );
    },
  },
];

/** How the other write fared while the re-assessment's transaction was open. */
async function fared(writers: TwoWriters, write: Promise<void>): Promise<'refused' | 'waiting' | 'landed'> {
  if ((await writers.untilWaitingOrSettled('other', write)) === 'waiting') return 'waiting';
  try {
    await write;
    return 'landed';
  } catch (error) {
    if (isDatabaseBusy(error)) return 'refused';
    throw error;
  }
}

/** The demo lab, stored and assessed, and the VM the cases stop. */
async function labIn(writers: TwoWriters): Promise<{ lab: Inventory; vm: Vm }> {
  const lab = demoLabInventory();
  await writers.store.importInventory({
    mode: 'replace',
    validate: () => lab,
    assess: assessEvery,
    record: { ...RECORD, id: 'lab' },
  });
  return { lab, vm: vmWhoseAssessmentFollowsPower(lab) };
}

/** The VM is stored off, and its stored assessment, readiness, plan and findings are those of the stored facts. */
async function expectAssessmentOfStoredFacts(store: InventoryStore, vmId: string): Promise<void> {
  const facts = await store.loadNeighbourhood([vmId]);
  const [expected] = assessed(facts, [vmId]);
  const stored = await store.getVm(vmId);
  expect({
    powerState: stored?.vm.powerState,
    readiness: stored?.readiness,
    plan: stored?.plan,
    findings: stored?.findings.map((finding) => finding.ruleId).sort(),
  }).toEqual({
    powerState: 'off',
    readiness: expected.readiness,
    plan: expected.plan,
    findings: expected.findings.map((finding) => finding.ruleId).sort(),
  });
}

const assessOnly = (vmId: string) => (neighbourhood: Inventory) => assessed(neighbourhood, [vmId]);

export function inventoryReassessContract(name: string, open: TwoWritersFactory, holdsMidWay: boolean): void {
  it.each(CHANGES.map((change) => [change.name, change] as const))(
    `${name}: %s inside the re-assessment: it lands after, and the stored assessment is of the stored facts`,
    async (_name, change) => {
      const writers = await open();
      const { lab, vm } = await labIn(writers);
      const release = (await writers.holdRow?.('vm_assessments', vm.id)) ?? (async () => {});
      let startedOther: (started: { write: Promise<void> }) => void = () => {};
      const otherStarted = new Promise<{ write: Promise<void> }>((resolve) => {
        startedOther = resolve;
      });
      let write: Promise<void> | undefined;
      const reassessing = writers.store.reassessVms([vm.id], (neighbourhood) => {
        // Once, should a database run the transaction again.
        write ??= change.write(writers.other, lab, vm.id);
        startedOther({ write });
        return assessOnly(vm.id)(neighbourhood);
      });
      const started = await Promise.race([
        otherStarted,
        reassessing.then(() => {
          throw new Error('reassessVms never called assess');
        }),
      ]);
      const whileOpen = await fared(writers, started.write);
      await release();
      await reassessing;
      // Refused, it is made again now, as the worker repeats a call a busy database refused.
      if (whileOpen === 'refused') await change.write(writers.other, lab, vm.id);
      else await started.write;

      await expectAssessmentOfStoredFacts(writers.store, vm.id);
      expect(whileOpen, 'the other write got inside the re-assessment').not.toBe('landed');
    },
  );

  it.skipIf(!holdsMidWay).each(CHANGES.map((change) => [change.name, change] as const))(
    `${name}: %s, in the middle of its transaction when the re-assessment starts: the re-assessment waits and reads what it wrote`,
    async (_name, change) => {
      const writers = await open();
      const { lab, vm } = await labIn(writers);
      const release = await writers.holdRow?.('vms', vm.id);
      if (!release) throw new Error('this database cannot hold a write mid-way');
      const write = change.write(writers.other, lab, vm.id);
      expect(await writers.untilWaitingOrSettled('other', write)).toBe('waiting');
      const reassessing = writers.store.reassessVms([vm.id], assessOnly(vm.id));
      const reassessWhileChanging = await writers.untilWaitingOrSettled('store', reassessing);
      await release();
      await write;
      await reassessing;

      await expectAssessmentOfStoredFacts(writers.store, vm.id);
      expect(reassessWhileChanging, 'the re-assessment went on beside the change').toBe('waiting');
    },
  );

  it(`${name}: re-assesses the known VMs of those named, and only those the callback returns`, async () => {
    const lab = demoLabInventory();
    const writers = await open();
    await writers.store.importInventory({
      mode: 'replace',
      validate: () => lab,
      assess: () => [],
      assesses: 'some-vms',
      record: { ...RECORD, id: 'lab' },
    });
    const [vm] = lab.vms;
    let seen: string[] = [];
    const summary = await writers.store.reassessVms(['no-such-vm', vm.id], (neighbourhood) => {
      seen = neighbourhood.vms.map((candidate) => candidate.id);
      return assessed(neighbourhood, ['no-such-vm', vm.id]);
    });
    expect(seen).toContain(vm.id);
    expect(seen).not.toContain('no-such-vm');
    expect(summary.assessedVms).toBe(1);
    expect((await writers.store.getVm(vm.id))?.readiness).toBe(assessed(lab, [vm.id])[0].readiness);
    for (const neighbour of seen.filter((id) => id !== vm.id))
      expect((await writers.store.getVm(neighbour))?.readiness).toBeNull();
  });
}
