/**
 * The OperationStore contract, admission part: which queued operation starts, which waits and why
 * (locks held by running operations, per-host and per-array limits, FIFO order), across workers.
 */
import { describe, expect, it } from 'vitest';
import { emptyInventory } from '../../../server/engine/inventory';
import { lockKeyForKeptSnapshot } from '../../../server/engine/plan-types';
import type { ClaimedStep, OperationEvent } from '../ports/operation-store';
import type { NewRestorePoint } from '../ports/restore-point-store';
import {
  at,
  backupPlanOf,
  LEASE,
  type OperationStoreFixture,
  operationStoreHarness,
  T0,
} from './operation-store.contract';

/** `vmId`'s point of the capture `operationId`, whose snapshot snap-1 of the LUN sql_lun it keeps. */
function keptPointOf(vmId: string, operationId: string): NewRestorePoint {
  return {
    id: `rp-${vmId}`,
    vmId,
    vmName: `${vmId}-name`,
    operationId,
    jobId: null,
    method: 'array-snapshot',
    consistency: 'crash',
    consistencyReason: null,
    captureState: 'online',
    applicationState: null,
    createdAt: T0,
    hostVolumeId: null,
    arrayVolumeId: 'ontap:c1:lun-sql',
    snapshotId: 'snap-1',
    heldDisksJson: [`${vmId}-os`],
    missingDisksJson: [],
    isPartial: false,
    sizeBytes: 4096,
    repositoryPath: `repository/rp-${vmId}`,
  };
}

export function runOperationStoreAdmissionContract(
  name: string,
  create: () => Promise<OperationStoreFixture>,
): void {
  describe(`OperationStore contract: ${name}`, () => {
    const h = operationStoreHarness(create);

    describe('admission', () => {
      it('locks taken while running hold off a queued operation as plan locks do, and go with the operation', async () => {
        const holder = await h.enqueue(['a']);
        const other = await h.enqueue(['b']);
        const claimed = [await h.store.claimNext({ workerId: 'w1', now: T0, leaseMs: LEASE })];
        expect(await h.statusOf(holder.id)).toBe('running');
        expect(await h.statusOf(other.id)).toBe('running');
        // b's lock is another operation's: left out; the point's is taken.
        expect(await h.store.acquireLocks(holder.id, ['point:p1', 'vm:b', 'point:p1'], at(1))).toEqual([
          'point:p1',
        ]);
        // A finished or unknown operation takes none (they would never be released).
        expect(await h.store.acquireLocks('op-unknown', ['point:p9'], at(1))).toEqual([]);

        const reader = await h.enqueue(['c'], at(2), { lockKeys: ['vm:c', 'point:p1'] });
        claimed.push(await h.store.claimNext({ workerId: 'w1', now: at(3), leaseMs: LEASE }));
        expect(await h.statusOf(reader.id)).toBe('waiting');
        expect((await h.store.get(reader.id))?.waitingReason).toContain('point:p1');

        for (const step of claimed) {
          await h.store.completeStep(
            step as ClaimedStep,
            { status: 'succeeded' },
            { workerId: 'w1', now: at(4) },
          );
        }
        await h.runToEnd('w1', at(4));
        expect(await h.statusOf(holder.id)).toBe('succeeded');
        expect(await h.statusOf(reader.id)).toBe('succeeded');
        expect(await h.store.findLeakedLocks()).toEqual([]);
      });

      it('a conflicting operation waits with the lock holder named, and starts when the lock is free', async () => {
        const first = await h.enqueue(['a'], T0);
        const second = await h.enqueue(['a'], at(1));
        const check = (await h.store.claimNext({
          workerId: 'w1',
          now: at(2),
          leaseMs: LEASE,
        })) as ClaimedStep;
        expect(check.operation.id).toBe(first.id);
        const waiting = await h.store.get(second.id);
        expect(waiting).toMatchObject({
          status: 'waiting',
          // The holder by its title; VM a is not in this fixture's inventory, so its lock key stays.
          waitingReason: `waits for lock vm:a held by operation "${first.title}"`,
        });
        await h.store.completeStep(check, { status: 'succeeded' }, { workerId: 'w1', now: at(3) });
        await h.runToEnd('w1', at(3));
        expect(await h.statusOf(first.id)).toBe('succeeded');
        expect(await h.statusOf(second.id)).toBe('succeeded');
        expect(await h.store.findLeakedLocks()).toEqual([]);
      });

      it('respects the per-host limit', async () => {
        const ops = [
          await h.enqueue(['a'], T0),
          await h.enqueue(['b'], at(1)),
          await h.enqueue(['c'], at(2)),
        ];
        await h.store.claimNext({
          workerId: 'w1',
          now: at(3),
          leaseMs: LEASE,
          limits: { perHost: 2, perArray: 2 },
        });
        expect(await Promise.all(ops.map((op) => h.statusOf(op.id)))).toEqual([
          'running',
          'running',
          'waiting',
        ]);
        expect((await h.store.get(ops[2]?.id as string))?.waitingReason).toMatch(/host/);
      });
      it('names the host and the array a limit waits on, as the inventory names them', async () => {
        await h.fixture.inventory.importInventory({
          mode: 'replace',
          validate: () => ({
            ...emptyInventory(),
            hosts: [
              {
                id: 'h1',
                name: 'hv-prod-01',
                kind: 'hyperv',
                version: '2022',
                pool: null,
                hasVssAwareProduct: true,
                offersQuiescedSnapshots: false,
                connector: 'lab',
              },
            ],
            arrays: [
              {
                id: 'ontap:c1',
                name: 'cluster1',
                vendor: 'netapp',
                supportsSnapshots: true,
                connector: 'ontap',
              },
            ],
          }),
          assess: () => [],
          record: { id: 'import-1', createdAt: T0, requestedBy: 'user:7' },
        });
        const onArray = (vmIds: string[], hostIds: string[]) => ({
          ...backupPlanOf(vmIds, { hostIds }),
          arrayIds: ['ontap:c1'],
        });
        const ops = [];
        for (const [n, plan] of [
          onArray(['a'], ['h1']),
          onArray(['b'], ['h1']),
          onArray(['c'], ['h9']),
        ].entries()) {
          ops.push(
            await h.store.enqueue(
              plan,
              { vmIds: plan.vms.map((vm) => vm.vmId) },
              { id: h.nextOperationId(), now: at(n), requestedBy: 'user:7' },
            ),
          );
        }
        ops.push(await h.enqueue(['d'], at(5), { hostIds: ['h1'] }));
        await h.store.claimNext({
          workerId: 'w1',
          now: at(6),
          leaseMs: LEASE,
          limits: { perHost: 2, perArray: 2 },
        });
        const reasons = await Promise.all(
          ops.map(async (op) => (await h.store.get(op.id))?.waitingReason ?? null),
        );
        expect(reasons).toEqual([
          null,
          null,
          'array cluster1 has 2 running operations (limit 2)',
          'host hv-prod-01 has 2 running operations (limit 2)',
        ]);
      });

      it('names an array snapshot kept for points by their VMs, LUN and time; one whose points are gone stays unnamed', async () => {
        await h.fixture.inventory.importInventory({
          mode: 'replace',
          validate: () => ({
            ...emptyInventory(),
            arrays: [
              {
                id: 'ontap:c1',
                name: 'cluster1',
                vendor: 'netapp',
                supportsSnapshots: true,
                connector: 'ontap',
              },
            ],
            arrayVolumes: [
              {
                id: 'ontap:c1:lun-sql',
                arrayId: 'ontap:c1',
                name: 'sql_lun',
                supportsSnapshots: true,
                consistencyGroupId: null,
              },
            ],
          }),
          assess: () => [],
          record: { id: 'import-1', createdAt: T0, requestedBy: 'user:7' },
        });
        // The capture that kept snapshot snap-1 for the two VMs on the LUN, finished.
        const capture = await h.enqueue(['web', 'sql']);
        await h.runToEnd('w1', T0);
        for (const vmId of ['web', 'sql'])
          await h.fixture.restorePoints.catalog({
            point: keptPointOf(vmId, capture.id),
            files: [],
            operationId: capture.id,
            now: T0,
            keptOnArray: { snapshotRef: 'snap-1', snapshotName: 'snap-1' },
          });
        // Two deletes of kept points: of snap-1's, and of a snapshot whose points were deleted since.
        const lockKeys = [lockKeyForKeptSnapshot('snap-1'), lockKeyForKeptSnapshot('snap-gone')];
        const holder = await h.enqueue(['x'], at(1), { lockKeys, hostIds: ['h1'] });
        const waiter = await h.enqueue(['y'], at(2), { lockKeys, hostIds: ['h2'] });
        await h.store.claimNext({ workerId: 'w1', now: at(3), leaseMs: LEASE });
        expect(await h.statusOf(waiter.id)).toBe('waiting');
        const waiting = (await h.store.readEventsAfter({ operationId: waiter.id })).find(
          (event) => event.type === 'operation.waiting',
        ) as OperationEvent<'operation.waiting'> | undefined;
        expect(waiting?.payload.reasons).toEqual([
          `waits for the array snapshot of sql-name and web-name on array volume sql_lun taken 2026-03-01 10:00 UTC held by operation "${holder.title}"`,
          `waits for the snapshot kept on the array held by operation "${holder.title}"`,
        ]);
      });

      it('lists the active operations whose plan touches an array, oldest first, and no others', async () => {
        const onArray = (vmId: string, arrayIds: string[]) => ({ ...backupPlanOf([vmId]), arrayIds });
        const older = await h.store.enqueue(
          onArray('a', ['ontap:c1']),
          { vmIds: ['a'] },
          {
            id: 'op-old',
            now: T0,
            requestedBy: 'user:7',
            title: 'Back up a',
          },
        );
        await h.store.enqueue(
          onArray('b', ['ontap:c2']),
          { vmIds: ['b'] },
          { id: 'op-other', now: at(1), requestedBy: 'user:7' },
        );
        const both = await h.store.enqueue(
          onArray('c', ['eql:g1', 'ontap:c1']),
          { vmIds: ['c'] },
          {
            id: 'op-both',
            now: at(2),
            requestedBy: 'user:7',
            title: 'Back up c',
          },
        );
        await h.enqueue(['d'], at(3));
        expect(await h.store.activeOnArray('ontap:c1')).toEqual([
          { id: older.id, title: 'Back up a' },
          { id: both.id, title: 'Back up c' },
        ]);
        await h.store.cancel(older.id, at(4), 'user:7');
        expect((await h.store.activeOnArray('ontap:c1')).map((op) => op.id)).toEqual([both.id]);
        expect(await h.store.activeOnArray('ontap:none')).toEqual([]);
      });

      it('lists the active operations whose plan touches one of some hosts, oldest first, and no others', async () => {
        const first = await h.enqueue(['a'], T0, { hostIds: ['hv:h1'] });
        await h.enqueue(['b'], at(1), { hostIds: ['hv:h2'] });
        const third = await h.enqueue(['c'], at(2), { hostIds: ['hv:h3', 'hv:h1'] });
        const ids = async (hostIds: string[]) => (await h.store.activeOnHosts(hostIds)).map((op) => op.id);
        expect(await ids(['hv:h1'])).toEqual([first.id, third.id]);
        expect(await ids(['hv:h3', 'hv:h9'])).toEqual([third.id]);
        expect(await ids([])).toEqual([]);
        await h.store.cancel(first.id, at(3), 'user:7');
        expect(await ids(['hv:h1'])).toEqual([third.id]);
      });

      it('concurrent workers never lease one operation twice nor run conflicting operations together', async () => {
        // Scopes overlap on purpose: each operation locks two of six VMs.
        const vms = ['a', 'b', 'c', 'd', 'e', 'f'];
        const ops = [];
        for (let n = 0; n < 12; n++) {
          const pair = [vms[n % 6] as string, vms[(n * 5 + 1) % 6] as string];
          ops.push(await h.enqueue(pair, at(n), { lockKeys: [...new Set(pair)].map((vm) => `vm:${vm}`) }));
        }
        const ids = ops.map((op) => op.id);
        const leased = new Map<string, string>(); // operation → worker holding its running step
        const work = async (worker: string) => {
          for (let round = 0; round < 2000; round++) {
            const claimed = await h.store.claimNext({ workerId: worker, now: at(100), leaseMs: 60_000 });
            if (!claimed) {
              const statuses = await h.store.statusesOf(ids);
              if ([...statuses.values()].every((status) => status === 'succeeded')) return;
              await new Promise((resolve) => setImmediate(resolve)); // let the other workers move
              continue;
            }
            const holder = leased.get(claimed.operation.id);
            expect(holder, `${claimed.operation.id} leased by ${holder} and ${worker}`).toBeUndefined();
            leased.set(claimed.operation.id, worker);
            await new Promise((resolve) => setImmediate(resolve));
            leased.delete(claimed.operation.id);
            await h.store.completeStep(
              claimed,
              { status: 'succeeded' },
              { workerId: worker, now: at(100), leaseMs: 60_000 },
            );
          }
          throw new Error(`${worker} never saw every operation end`);
        };
        await Promise.all(['w1', 'w2', 'w3', 'w4'].map(work));
        // Replay in event order (ids follow commit order): a lock is never granted while held.
        const held = new Map<string, string>();
        const finished = new Map<string, number>();
        for (const event of await h.store.readEventsAfter({ limit: 5000 })) {
          if (event.type === 'operation.started') {
            for (const key of (event as OperationEvent<'operation.started'>).payload.lockKeys) {
              expect(held.get(key), `${key} granted to ${event.operationId} while held`).toBeUndefined();
              held.set(key, event.operationId);
            }
          } else if (event.type === 'operation.finished') {
            finished.set(event.operationId, (finished.get(event.operationId) ?? 0) + 1);
            for (const [key, owner] of held) if (owner === event.operationId) held.delete(key);
          }
        }
        expect([...finished.values()]).toEqual(ids.map(() => 1));
        expect(await h.store.findLeakedLocks()).toEqual([]);
      });
    });
  });
}
