/**
 * The RestorePointStore contract: catalogue writes (idempotent catalog, verifications with who
 * asked, delete with its event), retention candidates, and the read side the services use.
 */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evaluateInventory } from '../../../server/engine/evaluate';
import { planPointDelete } from '../../../server/engine/point-plan';
import type { VerificationVerdict } from '../../../server/engine/statuses';
import { demoLabInventory } from '../../seed/demo-lab';
import type { OperationStore, RestorePointStore, Stores } from '../ports';
import type { NewRestorePoint } from '../ports/restore-point-store';
import { backupPlanOf } from './operation-store.contract';

export interface RestorePointStoreFixture {
  restorePoints: RestorePointStore;
  operations: OperationStore;
  inventory: Stores['inventory'];
  close(): Promise<void>;
}

const T0 = new Date('2026-03-01T00:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

function pointOf(id: string, vmId: string, operationId: string, createdAt: Date): NewRestorePoint {
  return {
    id,
    vmId,
    vmName: `${vmId}-name`,
    operationId,
    jobId: null,
    method: 'hyperv-vss',
    consistency: 'application',
    consistencyReason: null,
    captureState: 'online',
    applicationState: 'clean',
    createdAt,
    hostVolumeId: 'hv-d',
    arrayVolumeId: null,
    snapshotId: null,
    heldDisksJson: [`${vmId}-os`],
    missingDisksJson: [],
    isPartial: false,
    sizeBytes: 4096,
    repositoryPath: `repository/${id}`,
  };
}

const fileOf = (vmId: string) => ({
  diskId: `${vmId}-os`,
  path: `repository/x/${vmId}-os.img`,
  sha256: 'ab'.repeat(32),
  bytes: 4096,
});

export function runRestorePointStoreContract(
  name: string,
  create: () => Promise<RestorePointStoreFixture>,
): void {
  describe(`RestorePointStore contract: ${name}`, () => {
    let fixture: RestorePointStoreFixture;
    let points: RestorePointStore;
    let counter = 0;
    beforeEach(async () => {
      fixture = await create();
      points = fixture.restorePoints;
    });
    afterEach(async () => {
      await fixture.close();
    });

    async function backupOperation(vmIds: string[]): Promise<string> {
      const op = await fixture.operations.enqueue(
        backupPlanOf(vmIds),
        {},
        { id: `op-${++counter}`, now: T0, requestedBy: 'system' },
      );
      return op.id;
    }

    async function catalogued(id: string, vmId: string, minutes: number): Promise<string> {
      const operationId = await backupOperation([vmId]);
      await points.catalog({
        point: pointOf(id, vmId, operationId, at(minutes)),
        files: [fileOf(vmId)],
        operationId,
        now: at(minutes),
      });
      return operationId;
    }

    it('catalogues a point once (a resumed step finds it there) and announces it', async () => {
      const operationId = await backupOperation(['a']);
      const input = {
        point: pointOf('rp1', 'a', operationId, T0),
        files: [fileOf('a')],
        operationId,
        now: T0,
      };
      expect(await points.catalog(input)).toBe(true);
      expect(await points.catalog(input)).toBe(false);
      expect(await points.get('rp1')).toMatchObject({
        vmId: 'a',
        consistency: 'application',
        lastVerdict: null,
      });
      expect((await points.files('rp1')).map((file) => file.diskId)).toEqual(['a-os']);
      expect(await points.vmIdsCataloguedBy(operationId)).toEqual(['a']);
      const events = await fixture.operations.readEventsAfter({ operationId });
      expect(events.filter((event) => event.type === 'restore-point.created')).toHaveLength(1);
    });

    it.each([
      { name: 'kept on the array', kept: { snapshotRef: 'snap-uuid-1', snapshotName: 'mgw-0301' } },
      { name: 'released', kept: null },
    ])('catalogues a point whose array snapshot was $name at its location', async ({ kept }) => {
      const operationId = await backupOperation(['a']);
      await points.catalog({
        point: pointOf('rp1', 'a', operationId, T0),
        files: [fileOf('a')],
        operationId,
        now: T0,
        keptOnArray: kept,
      });
      expect(await points.get('rp1')).toMatchObject(
        kept
          ? { locationKind: 'array-snapshot', locationRef: 'snap-uuid-1', locationName: 'mgw-0301' }
          : { locationKind: 'repository', locationRef: null, locationName: null },
      );
    });

    it('lists the points of one capture by its snapshot, oldest first: those sharing a kept array snapshot', async () => {
      const operationId = await backupOperation(['a', 'b']);
      const kept = { snapshotRef: 'snap-1', snapshotName: 'mgw_snap_1' };
      const ofCapture = (
        id: string,
        vmId: string,
        minutes: number,
        snapshotId: string,
        op = operationId,
      ) => ({
        point: { ...pointOf(id, vmId, op, at(minutes)), method: 'array-snapshot' as const, snapshotId },
        files: [fileOf(vmId)],
        operationId: op,
        now: at(minutes),
        keptOnArray: kept,
      });
      await points.catalog(ofCapture('rp-b', 'b', 2, 'snap-1'));
      await points.catalog(ofCapture('rp-a', 'a', 1, 'snap-1'));
      // Another capture's point of the same VM, kept on its own snapshot.
      await points.catalog(ofCapture('rp-c', 'a', 3, 'snap-2', await backupOperation(['a'])));
      expect(
        (await points.pointsOfSnapshot('snap-1')).map((point) => [point.id, point.locationKind]),
      ).toEqual([
        ['rp-a', 'array-snapshot'],
        ['rp-b', 'array-snapshot'],
      ]);
      await points.deletePoint({
        pointId: 'rp-a',
        operationId: null,
        reason: 'pruned by retention',
        now: at(4),
      });
      expect((await points.pointsOfSnapshot('snap-1')).map((point) => point.id)).toEqual(['rp-b']);
      expect(await points.pointsOfSnapshot('snap-none')).toEqual([]);
    });

    it("keeps each disk's change tracking ids, unknown with its reason, and null when none were recorded", async () => {
      const changeTracking = [
        { diskId: 'a-os', ids: ['rctX:0a11:7', 'rctX:0a11:9'], reason: null },
        { diskId: 'a-data', ids: [], reason: 'no reference point covers this disk' },
      ];
      const first = await backupOperation(['a']);
      await points.catalog({
        point: { ...pointOf('rp1', 'a', first, T0), changeTrackingJson: changeTracking },
        files: [fileOf('a')],
        operationId: first,
        now: T0,
      });
      await catalogued('rp2', 'b', 1);
      expect((await points.get('rp1'))?.changeTrackingJson).toEqual(changeTracking);
      expect((await points.get('rp2'))?.changeTrackingJson).toBeNull();
    });

    it.each<{ verifiedAs: VerificationVerdict | null }>([{ verifiedAs: 'intact' }, { verifiedAs: null }])(
      'a pool point a view did not list is gone; listed again by a later view it is back, with its last verify ($verifiedAs)',
      async ({ verifiedAs }) => {
        // A sync whose view was read before a snapshot was taken (another node's watcher or a
        // checkpoint step catalogued it since) marks it gone; the next view lists it.
        const lab = demoLabInventory();
        await fixture.inventory.importInventory({
          mode: 'replace',
          validate: () => lab,
          assess: evaluateInventory,
          record: { id: 'import-1', createdAt: T0, requestedBy: 'system' },
        });
        const vm = lab.vms[0];
        const listed = {
          snapshotRef: 'OpaqueRef:snap-1',
          snapshotName: 'before patch',
          point: { ...pointOf('pool-snap-1', vm.id, '', at(0)), operationId: null, vmName: vm.name },
        };
        const view = (minutes: number, snapshots: (typeof listed)[]) =>
          points.recordPoolSnapshots({
            hostIds: lab.hosts.map((host) => host.id),
            snapshots,
            now: at(minutes),
            goneReason: `not listed at minute ${minutes}`,
          });
        const named = [{ id: 'pool-snap-1', vmName: vm.name, name: 'before patch' }];

        expect(await view(0, [listed])).toEqual({ added: named, gone: [], reappeared: [] });
        if (verifiedAs)
          await points.recordVerification({
            pointId: 'pool-snap-1',
            verdict: verifiedAs,
            details: {},
            now: at(1),
            requestedBy: 'system',
          });
        expect(await view(2, [])).toEqual({ added: [], gone: named, reappeared: [] });
        expect(await points.get('pool-snap-1')).toMatchObject({
          goneSince: at(2),
          goneReason: 'not listed at minute 2',
          lastVerdict: 'missing',
        });
        expect(await view(3, [])).toEqual({ added: [], gone: [], reappeared: [] });

        expect(await view(4, [listed])).toEqual({ added: [], gone: [], reappeared: named });
        expect(await points.get('pool-snap-1')).toMatchObject({
          goneSince: null,
          goneReason: null,
          lastVerdict: verifiedAs,
          lastVerifiedAt: verifiedAs ? at(1) : null,
        });
        expect(await view(5, [listed])).toEqual({ added: [], gone: [], reappeared: [] });
      },
    );

    it('records verifications newest first with who asked, and the last verdict on the point', async () => {
      const operationId = await catalogued('rp1', 'a', 0);
      await points.recordVerification({
        pointId: 'rp1',
        verdict: 'intact',
        details: {},
        now: at(1),
        requestedBy: 'user:1',
      });
      await points.recordVerification({
        pointId: 'rp1',
        verdict: 'corrupt',
        details: { mismatches: ['x'] },
        now: at(2),
        requestedBy: 'system',
        operationId,
      });
      expect((await points.verifications('rp1')).map((row) => [row.verdict, row.requestedBy])).toEqual([
        ['corrupt', 'system'],
        ['intact', 'user:1'],
      ]);
      expect(await points.get('rp1')).toMatchObject({ lastVerdict: 'corrupt', lastVerifiedAt: at(2) });
      const types = (await fixture.operations.readEventsAfter({ operationId })).map((event) => event.type);
      expect(types.filter((type) => type === 'restore-point.verified')).toHaveLength(1);
    });

    it('deletes a point with its files and announces why; deleting again finds nothing', async () => {
      const operationId = await catalogued('rp1', 'a', 0);
      expect(await points.deletionImpact('rp1')).toEqual({
        pointId: 'rp1',
        vmId: 'a',
        vmName: 'a-name',
        isOnlyPointOfVm: true,
      });
      expect(
        (
          await points.deletePoint({
            pointId: 'rp1',
            operationId: null,
            reason: 'deleted by the operator',
            now: at(1),
          })
        )?.id,
      ).toBe('rp1');
      expect(
        await points.deletePoint({ pointId: 'rp1', operationId: null, reason: 'again', now: at(2) }),
      ).toBeNull();
      expect(await points.get('rp1')).toBeNull();
      expect(await points.files('rp1')).toEqual([]);
      expect(await points.deletionImpact('rp1')).toBeNull();
      const deleted = (await fixture.operations.readEventsAfter({ operationId })).find(
        (event) => event.type === 'restore-point.deleted',
      );
      expect(deleted?.payload).toEqual({
        restorePointId: 'rp1',
        vmId: 'a',
        reason: 'deleted by the operator',
      });
    });

    it('browses newest or oldest first with filters and a cursor', async () => {
      await catalogued('rp1', 'a', 0);
      await catalogued('rp2', 'b', 1);
      await catalogued('rp3', 'a', 2);
      const first = await points.browse({ sort: 'newest', limit: 2 });
      expect(first.items.map((item) => item.id)).toEqual(['rp3', 'rp2']);
      const second = await points.browse({ sort: 'newest', limit: 2, cursor: first.nextCursor ?? undefined });
      expect(second).toMatchObject({ items: [{ id: 'rp1' }], nextCursor: null });
      expect(
        (await points.browse({ sort: 'oldest', limit: 10, vmId: 'a' })).items.map((item) => item.id),
      ).toEqual(['rp1', 'rp3']);
      expect(
        (await points.browse({ sort: 'newest', limit: 10, createdFrom: at(1), createdTo: at(1) })).items.map(
          (item) => item.id,
        ),
      ).toEqual(['rp2']);
      expect(await points.deletionImpact('rp1')).toMatchObject({ isOnlyPointOfVm: false });
      const rp1 = await points.get('rp1');
      if (!rp1) throw new Error('rp1 missing');
      // A VM-level method: the same VM's points (volume-level methods share their volume's).
      expect((await points.pointsOnSameScope(rp1)).map((point) => point.id).sort()).toEqual(['rp1', 'rp3']);
      expect(await points.retentionCandidates('no-job', 'a')).toEqual([]);
    });

    // Each filter set is one kept statement on SQLite (restore-point-queries.ts): asking the same
    // shape again with other values must answer for those values.
    it.each([
      { filters: { vmId: 'a' }, ids: ['rp3', 'rp1'] },
      { filters: { vmId: 'b' }, ids: ['rp2'] },
      { filters: { vmId: 'none' }, ids: [] },
      { filters: { method: 'hyperv-vss' as const }, ids: ['rp3', 'rp2', 'rp1'] },
      { filters: { method: 'xen-snapshot' as const }, ids: [] },
      { filters: { consistency: 'application' as const }, ids: ['rp3', 'rp2', 'rp1'] },
      { filters: { consistency: 'crash' as const }, ids: [] },
      { filters: { jobId: 'no-job' }, ids: [] },
      { filters: { createdFrom: at(1) }, ids: ['rp3', 'rp2'] },
      { filters: { createdTo: at(1) }, ids: ['rp2', 'rp1'] },
      { filters: { vmId: 'a', createdFrom: at(1) }, ids: ['rp3'] },
      { filters: { vmId: 'b', createdFrom: at(1) }, ids: ['rp2'] },
    ])('browses with $filters, one after the other', async ({ filters, ids }) => {
      await catalogued('rp1', 'a', 0);
      await catalogued('rp2', 'b', 1);
      await catalogued('rp3', 'a', 2);
      // The same shape with the other VM first, so a statement kept from it is asked again.
      const other = { ...filters, ...('vmId' in filters ? { vmId: filters.vmId === 'a' ? 'b' : 'a' } : {}) };
      await points.browse({ sort: 'newest', limit: 10, ...other });
      const page = await points.browse({ sort: 'newest', limit: 10, ...filters });
      expect(page.items.map((item) => item.id)).toEqual(ids);
      const oldest = await points.browse({ sort: 'oldest', limit: 10, ...filters });
      expect(oldest.items.map((item) => item.id)).toEqual([...ids].reverse());
    });

    it('pages oldest first after a cursor, and finds no point on a host that holds none', async () => {
      await catalogued('rp1', 'a', 0);
      await catalogued('rp2', 'b', 1);
      await catalogued('rp3', 'a', 2);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await points.browse({ sort: 'oldest', limit: 1, cursor });
        seen.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(['rp1', 'rp2', 'rp3']);
      // This fixture's points name no host (their VMs are not in the inventory): none is on any host.
      expect((await points.browse({ sort: 'newest', limit: 10, hostId: 'no-host' })).items).toEqual([]);
    });

    it('names the active restores that use a point', async () => {
      await catalogued('rp1', 'a', 0);
      const restore = {
        kind: 'restore' as const,
        restorePointId: 'rp1',
        mode: 'as-new' as const,
        vmId: 'a',
        steps: [],
        findings: [],
        collateral: [],
        discardedPointIds: [],
        isRunnable: true,
        blockedReasons: [],
        lockKeys: [],
        hostIds: [],
        arrayIds: [],
        confirmationText: null,
        stoppedVms: [],
      };
      const op = await fixture.operations.enqueue(
        restore,
        { restorePointId: 'rp1' },
        { id: 'restore-1', now: T0, requestedBy: 'system' },
      );
      expect(await points.activeRestoresOf('rp1')).toEqual([op.id]);
      expect(await points.activeDeletionsOf('rp1')).toEqual([]);
      await fixture.operations.cancel(op.id, at(1), 'system');
      expect(await points.activeRestoresOf('rp1')).toEqual([]);
    });

    it('names the active deletions of a point', async () => {
      await catalogued('rp1', 'a', 0);
      await catalogued('rp2', 'a', 1);
      const deletion = planPointDelete({ id: 'rp1', vmId: 'a', vmName: 'a', createdAt: T0 }, 'system');
      const op = await fixture.operations.enqueue(
        deletion,
        { restorePointId: 'rp1' },
        { id: 'delete-1', now: at(2), requestedBy: 'system' },
      );
      expect(await points.activeDeletionsOf('rp1')).toEqual([op.id]);
      expect(await points.activeDeletionsOf('rp2')).toEqual([]);
      expect(await points.activeRestoresOf('rp1')).toEqual([]);
      await fixture.operations.cancel(op.id, at(3), 'system');
      expect(await points.activeDeletionsOf('rp1')).toEqual([]);
    });
  });
}
