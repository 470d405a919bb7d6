/**
 * A VM gone from its host has no backup readiness, in every view that shows or counts readiness
 * (InventoryStore contract): a backup refuses it, so no view may count it as ready (or as any
 * readiness) while the VM's page and the protection page say it is gone. Its stored assessment is
 * kept — what its configuration allowed when its host last listed it, shown again when it is back —
 * and a re-assessment of the estate after the mark (as a sync runs one) does not bring it back.
 *
 * Each view is asked the same two questions: how many VMs it counts (or shows) as ready, and what
 * readiness it shows for the gone VM.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evaluateVm } from '../../../server/engine/evaluate';
import { type Inventory, indexInventory } from '../../../server/engine/inventory';
import { readinessShares } from '../../../server/engine/readiness-shares';
import type { Readiness } from '../../../server/engine/types';
import { hostListQueryInput, vmListQueryInput } from '../../../server/schemas/inventory-queries';
import { demoLabInventory } from '../../seed/demo-lab';
import type { InventoryStore } from '../ports/inventory';

export interface GoneReadinessFixture {
  store: InventoryStore;
  close(): Promise<void>;
}

const NOW = new Date('2026-03-28T01:00:00Z');
const LATER = new Date('2026-03-28T02:00:00Z');

function assessAll(whole: Inventory) {
  const index = indexInventory(whole);
  return whole.vms.map((vm) => evaluateVm(index, vm.id));
}

/** The estate's facts a view is read against: the gone VM, its host, one of its volumes and LUNs. */
interface Subject {
  vmId: string;
  hostId: string;
  hostVolumeId: string | null;
  arrayId: string | null;
}

interface View {
  name: string;
  /** How many VMs the view counts or shows as online-ready. */
  ready(store: InventoryStore, subject: Subject): Promise<number>;
  /** The readiness the view shows for the gone VM (undefined: the view does not show it). */
  shownFor?(store: InventoryStore, subject: Subject): Promise<Readiness | null | undefined>;
}

const READY = 'online-ready' satisfies Readiness;

const VIEWS: View[] = [
  {
    name: 'the dashboard',
    ready: async (store) => (await store.getDashboard(10)).readiness[READY],
  },
  {
    name: 'the VM list filtered by readiness',
    ready: async (store) =>
      (await store.listVms(vmListQueryInput.parse({ readiness: READY, limit: 100 }), NOW)).items.length,
    shownFor: async (store, { vmId, hostId }) =>
      (await store.listVms(vmListQueryInput.parse({ hostId, limit: 100 }), NOW)).items.find(
        (item) => item.id === vmId,
      )?.readiness,
  },
  {
    name: 'the VM count filtered by readiness',
    ready: (store) => store.countVms(vmListQueryInput.parse({ readiness: READY }), NOW),
  },
  {
    name: 'the host list',
    ready: async (store, { hostId }) =>
      (await store.listHosts(hostListQueryInput.parse({ limit: 100 }))).items.find(
        (host) => host.id === hostId,
      )?.readinessCounts[READY] ?? 0,
  },
  {
    name: 'the host page',
    ready: async (store, { hostId }) => (await store.getHost(hostId))?.readinessCounts[READY] ?? 0,
    shownFor: async (store, { hostId, vmId }) =>
      (await store.getHost(hostId))?.volumes.flatMap((volume) => volume.vms).find((vm) => vm.id === vmId)
        ?.readiness,
  },
  {
    name: 'the host volume page',
    ready: async (store, { hostVolumeId }) =>
      hostVolumeId
        ? ((await store.getHostVolume(hostVolumeId))?.vms.filter((vm) => vm.readiness === READY).length ?? 0)
        : 0,
    shownFor: async (store, { hostVolumeId, vmId }) =>
      hostVolumeId
        ? (await store.getHostVolume(hostVolumeId))?.vms.find((vm) => vm.id === vmId)?.readiness
        : undefined,
  },
  {
    name: 'the array page',
    ready: async (store, { arrayId }) =>
      arrayId
        ? new Set(
            (await store.getArray(arrayId))?.volumes.flatMap((lun) =>
              lun.vms.filter((vm) => vm.readiness === READY).map((vm) => vm.id),
            ),
          ).size
        : 0,
    shownFor: async (store, { arrayId, vmId }) =>
      arrayId
        ? (await store.getArray(arrayId))?.volumes.flatMap((lun) => lun.vms).find((vm) => vm.id === vmId)
            ?.readiness
        : undefined,
  },
  {
    name: 'the VM page',
    ready: async () => 0,
    shownFor: async (store, { vmId }) => (await store.getVm(vmId))?.readiness,
  },
];

export function goneReadinessContract(name: string, create: () => Promise<GoneReadinessFixture>): void {
  describe(`a gone VM's readiness: ${name}`, () => {
    let fixture: GoneReadinessFixture;
    let store: InventoryStore;
    let subject: Subject;

    beforeEach(async () => {
      fixture = await create();
      store = fixture.store;
      const lab = demoLabInventory();
      await store.importInventory({
        mode: 'replace',
        validate: () => lab,
        assess: assessAll,
        record: { id: 'import-1', createdAt: NOW, requestedBy: 'system' },
      });
      // An online-ready VM with a disk on a host volume backed by a LUN, so every view holds it.
      const whole = await store.loadInventory();
      const ready = new Set(
        assessAll(whole)
          .filter((assessment) => assessment.readiness === READY)
          .map((assessment) => assessment.vmId),
      );
      const lunOf = new Map(whole.hostVolumes.map((volume) => [volume.id, volume.arrayVolumeId]));
      const disk = whole.virtualDisks.find(
        (candidate) =>
          ready.has(candidate.vmId) && candidate.hostVolumeId && lunOf.get(candidate.hostVolumeId),
      );
      if (!disk?.hostVolumeId) throw new Error('the demo lab has no online-ready VM on a LUN');
      const vm = whole.vms.find((candidate) => candidate.id === disk.vmId);
      const lun = whole.arrayVolumes.find((candidate) => candidate.id === lunOf.get(disk.hostVolumeId ?? ''));
      if (!vm || !lun) throw new Error('the demo lab lost its VM or LUN');
      subject = { vmId: vm.id, hostId: vm.hostId, hostVolumeId: disk.hostVolumeId, arrayId: lun.arrayId };
    });
    afterEach(async () => {
      await fixture.close();
    });

    /** A full read of the gone VM's host that lists every VM of it but that one. */
    async function markGone(gone: { vmId: string; hostId: string } = subject): Promise<void> {
      const whole = await store.loadInventory();
      const seen = whole.vms.filter((vm) => vm.id !== gone.vmId).map((vm) => vm.id);
      const marked = await store.markGoneVms(gone.hostId, seen, LATER, LATER);
      expect(marked.gone.map((vm) => vm.id)).toEqual([gone.vmId]);
      // A sync re-assesses the VMs it found gone: the engine's verdict on the VM's configuration.
      await store.reassess(assessAll);
    }

    it.each(VIEWS)('$name counts the gone VM as ready no more', async (view) => {
      const before = await view.ready(store, subject);
      if (view.shownFor) expect(await view.shownFor(store, subject)).toBe(READY);
      await markGone();
      if (view.name !== 'the VM page') expect(await view.ready(store, subject)).toBe(before - 1);
      if (view.shownFor) expect(await view.shownFor(store, subject)).toBeNull();
    });

    it('the dashboard and the hosts count the gone VM as gone, and every VM once', async () => {
      await markGone();
      const dashboard = await store.getDashboard(10);
      const assessed = Object.values(dashboard.readiness).reduce((sum, n) => sum + n, 0);
      expect(dashboard.goneVms).toBe(1);
      expect(assessed + dashboard.goneVms).toBe(dashboard.totals.vms);
      const host = await store.getHost(subject.hostId);
      expect(host?.goneVmCount).toBe(1);
      const listed = (await store.listHosts(hostListQueryInput.parse({ limit: 100 }))).items.find(
        (item) => item.id === subject.hostId,
      );
      expect(listed?.goneVmCount).toBe(1);
      expect(listed?.readinessCounts).toEqual(host?.readinessCounts);
      // Still shown where the product shows gone VMs, as gone.
      const gone = await store.listVms(vmListQueryInput.parse({ presence: 'gone' }), NOW);
      expect(gone.items.map((item) => [item.id, item.goneSince])).toEqual([[subject.vmId, LATER]]);
    });

    it("a gone VM's findings stay on its own page and leave the estate's and its host's", async () => {
      const CAP = 1000;
      const estate = await store.listFindings({}, CAP);
      const finding = estate.findings.find(
        (candidate) => candidate.vmId !== null && candidate.hostId !== null,
      );
      if (!finding?.vmId || !finding.hostId) throw new Error('the demo lab has no finding of a VM');
      const gone = { vmId: finding.vmId, hostId: finding.hostId };
      const ofGoneVm = (list: { vmId: string | null }[]) =>
        list.filter((row) => row.vmId === gone.vmId).length;
      const own = (await store.listFindings({ vmId: gone.vmId }, CAP)).counts.total;
      const host = await store.listFindings({ hostId: gone.hostId }, CAP);
      const tops = (await store.getDashboard(100)).topFindings;
      expect(own).toBeGreaterThan(0);
      expect(ofGoneVm(estate.findings)).toBe(own);

      await markGone(gone);
      expect((await store.listFindings({ vmId: gone.vmId }, CAP)).counts.total).toBe(own);
      const estateAfter = await store.listFindings({}, CAP);
      expect(ofGoneVm(estateAfter.findings)).toBe(0);
      expect(estateAfter.counts.total).toBe(estate.counts.total - own);
      const hostAfter = await store.listFindings({ hostId: gone.hostId }, CAP);
      expect(ofGoneVm(hostAfter.findings)).toBe(0);
      expect(hostAfter.counts.total).toBe(host.counts.total - own);
      const topsAfter = (await store.getDashboard(100)).topFindings;
      const total = (list: { count: number }[]) => list.reduce((sum, row) => sum + row.count, 0);
      expect(total(topsAfter)).toBe(total(tops) - own);
    });

    it('the VM list filtered by a most common finding lists the VMs the dashboard says it affects', async () => {
      const finding = (await store.listFindings({}, 1000)).findings.find(
        (candidate) => candidate.vmId !== null && candidate.hostId !== null,
      );
      if (!finding?.vmId || !finding.hostId) throw new Error('the demo lab has no finding of a VM');
      /** Each row of the dashboard's most common findings beside the VM list its link opens. */
      const rowsAndLists = async () =>
        Promise.all(
          (await store.getDashboard(100)).topFindings.map(async (top) => {
            const query = { ruleId: top.ruleId, severity: top.severity };
            const listed = await store.listVms(vmListQueryInput.parse({ ...query, limit: 100 }), NOW);
            return {
              ...query,
              affected: top.vmCount,
              counted: await store.countVms(vmListQueryInput.parse(query), NOW),
              listed: listed.items.length,
            };
          }),
        );
      const agreeing = (rows: Awaited<ReturnType<typeof rowsAndLists>>) =>
        rows.map((row) => ({ ...row, counted: row.affected, listed: row.affected }));
      const before = await rowsAndLists();
      expect(before).toEqual(agreeing(before));

      await markGone({ vmId: finding.vmId, hostId: finding.hostId });
      const after = await rowsAndLists();
      expect(after).toEqual(agreeing(after));
      const ofRule = (rows: typeof after) =>
        rows.find((row) => row.ruleId === finding.ruleId && row.severity === finding.severity);
      expect(ofRule(after)?.affected ?? 0).toBe((ofRule(before)?.affected ?? 0) - 1);
    });

    it('no view recommends a method for the gone VM, and each does again once it is back', async () => {
      const recommended = async () => ({
        list: (
          await store.listVms(vmListQueryInput.parse({ hostId: subject.hostId, limit: 100 }), NOW)
        ).items.find((item) => item.id === subject.vmId)?.recommendedMethod,
        volume: subject.hostVolumeId
          ? (await store.getHostVolume(subject.hostVolumeId))?.vms.find((vm) => vm.id === subject.vmId)
              ?.recommendedMethod
          : null,
      });
      const before = await recommended();
      expect(before.list).toBeTruthy();
      expect(before.volume).toBe(before.list);

      await markGone();
      expect(await recommended()).toEqual({ list: null, volume: null });

      const whole = await store.loadInventory();
      await store.markGoneVms(
        subject.hostId,
        whole.vms.map((vm) => vm.id),
        LATER,
        LATER,
      );
      expect(await recommended()).toEqual(before);
    });

    it('the VM list shows no findings counts for the gone VM, as its severity filter leaves it out; its page keeps them', async () => {
      const finding = (await store.listFindings({}, 1000)).findings.find(
        (candidate) => candidate.vmId !== null && candidate.hostId !== null && candidate.severity !== 'info',
      );
      if (!finding?.vmId || !finding.hostId)
        throw new Error('the demo lab has no blocker or warning of a VM');
      const gone = { vmId: finding.vmId, hostId: finding.hostId };
      const listed = async (severity?: 'blocker' | 'warning') =>
        (
          await store.listVms(vmListQueryInput.parse({ hostId: gone.hostId, severity, limit: 100 }), NOW)
        ).items.find((item) => item.id === gone.vmId);
      /** The VM's row in the list, and whether the list filtered by the finding's severity holds it. */
      const read = async () => {
        const row = await listed();
        return {
          counts: { blocker: row?.blockerCount, warning: row?.warningCount },
          filtered: (await listed(finding.severity as 'blocker' | 'warning')) !== undefined,
        };
      };
      const ownPage = async () => {
        const detail = await store.getVm(gone.vmId);
        return { findings: detail?.findings.length, assessment: detail?.assessment?.blockerCount };
      };
      const before = await read();
      const page = await ownPage();
      expect(before.filtered).toBe(true);
      expect(before.counts[finding.severity as 'blocker' | 'warning']).toBeGreaterThan(0);

      await markGone(gone);
      expect(await read()).toEqual({ counts: { blocker: null, warning: null }, filtered: false });
      expect(await ownPage()).toEqual(page);

      const whole = await store.loadInventory();
      await store.markGoneVms(
        gone.hostId,
        whole.vms.map((vm) => vm.id),
        LATER,
        LATER,
      );
      expect(await read()).toEqual(before);
    });

    it("the dashboard's readiness counts add up to its VMs on their host, beside the gone ones", async () => {
      await markGone();
      const dashboard = await store.getDashboard(10);
      const assessed = Object.values(dashboard.readiness).reduce((sum, n) => sum + n, 0);
      // The percentages divide by the VMs that have a readiness: they add up to 100 %.
      const shares = readinessShares(dashboard.readiness);
      expect(shares).toEqual(
        Object.fromEntries(
          Object.entries(dashboard.readiness).map(([readiness, n]) => [readiness, n / assessed]),
        ),
      );
      expect(Object.values(shares ?? {}).reduce((sum, share) => sum + share, 0)).toBeCloseTo(1);
      expect(dashboard.totals.vms).toBe(assessed + dashboard.goneVms);
    });

    it('a VM back on its host has its readiness again', async () => {
      await markGone();
      const whole = await store.loadInventory();
      await store.markGoneVms(
        subject.hostId,
        whole.vms.map((vm) => vm.id),
        LATER,
        LATER,
      );
      expect((await store.getVm(subject.vmId))?.readiness).toBe(READY);
      expect((await store.getDashboard(10)).goneVms).toBe(0);
      expect(
        await store.countVms(vmListQueryInput.parse({ readiness: READY, hostId: subject.hostId }), NOW),
      ).toBe((await store.getHost(subject.hostId))?.readinessCounts[READY]);
    });
  });
}
