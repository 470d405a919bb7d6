/**
 * A failover cluster as one connection, on SQLite and PostgreSQL, against two fake nodes over real
 * SSH: the sync reads every node, stores the cluster and its nodes on the connection (each node's
 * host key pinned), keeps a VM that live-migrated as the same VM on its new node (not gone, not
 * twice), logs a node that is down as an unknown, hands each node's VMs to that node's client, and
 * refuses a disconnect while an operation touches any node; a node whose host key changed is
 * refused, named, and read again once an admin accepts its new key (a key replaced since the
 * admin compared it is not accepted, and nothing is pinned); "test connection" reports
 * every node (reached, elevated, Hyper-V module) or why not.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StoreDialect, storeDialects } from '../../db/stores/contract/dialects';
import { createServiceContext } from '../context';
import { CLUSTER_NAME, NODE_ACCOUNT, startFakeCluster } from '../drivers/hyperv/fake/fake-cluster';
import { WEB01 } from '../drivers/hyperv/fake/fake-estate';
import { VM_STATE } from '../drivers/hyperv/fake/fake-hyperv-model';
import { createStoredHypervConnector } from '../drivers/hyperv/hyperv-connector';
import { vmInventoryId } from '../drivers/hyperv/hyperv-discovery';
import { callOptions } from '../drivers/hyperv/hyperv-test-support';
import { isDomainError } from './errors';
import {
  acceptHypervNodeHostKey,
  addHypervConnection,
  removeHypervConnection,
  storedHypervHosts,
} from './hyperv-connection-service';
import { testHypervConnection, testHypervDraft } from './hyperv-connection-test';
import { syncHypervConnection } from './hyperv-sync-service';
import { startBackup } from './operations-service';
import { listConnectionSyncs } from './sync-log-service';
import { memoryKeySource } from './vault-key';
import { createSecret } from './vault-service';

const cleanups: (() => Promise<void>)[] = [];
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const dialects = await storeDialects('hypervcluster');
let dialect: StoreDialect;
const WEB = vmInventoryId(WEB01);

async function setup() {
  const fake = await startFakeCluster();
  cleanups.push(() => fake.dispose());
  const handle = await dialect.open();
  cleanups.push(() => handle.close());
  const stores = handle.stores;
  let counter = 0;
  let seconds = 0;
  const ctx = createServiceContext({
    // Every reading of the clock is a second later: the sync log orders by start.
    now: () => new Date(Date.UTC(2026, 10, 30, 2, 0, seconds++)),
    newId: () => `id-${++counter}`,
    actor: { kind: 'user', id: '1', name: 'Ada', email: 'ada@example.test', role: 'admin' },
  });
  const keys = memoryKeySource();
  const account = await createSecret(stores, ctx, keys, {
    name: 'cluster admin',
    kind: 'password',
    username: NODE_ACCOUNT.username,
    secret: NODE_ACCOUNT.password,
  });
  const connection = await addHypervConnection(stores, ctx, keys, {
    name: 'hvcluster1',
    address: '127.0.0.1',
    port: fake.nodes.HV01.port,
    hostAccountId: account.id,
    guestAccountId: null,
  });
  const nodeAddress = (node: string) => fake.addressOf(node.toUpperCase());
  const sync = () =>
    syncHypervConnection(stores, ctx, keys, { id: connection.id }, { ...callOptions(), nodeAddress });
  return { fake, stores, ctx, keys, connection, sync, nodeAddress };
}

describe.each(dialects)('$name', (current) => {
  describe.skipIf(current.skip !== null)('stores', () => {
    beforeEach(() => {
      dialect = current;
    });

    describe('a Hyper-V failover cluster connection', () => {
      it('syncs every node, keeps a live-migrated VM as the same VM on its new node, and logs a node that is down', async () => {
        const { fake, stores, connection, sync } = await setup();
        const first = await sync();
        expect(first.cluster?.nodes.map((node) => [node.name, node.state, node.isRead])).toEqual([
          ['HV01', 'up', true],
          ['HV02', 'up', true],
        ]);
        const stored = await stores.hypervConnections.get(connection.id);
        expect(stored).toMatchObject({
          clusterName: CLUSTER_NAME,
          hostId: 'hv-host:hv01',
          nodeHostIds: ['hv-host:hv01', 'hv-host:hv02'],
          hostKey: fake.nodes.HV01.fingerprint,
        });
        expect(Object.values(stored?.nodeHostKeys ?? {})).toEqual([fake.nodes.HV02.fingerprint]);
        const inventory = await stores.inventory.loadInventory();
        expect(inventory.hosts.map((host) => host.id).sort()).toEqual(['hv-host:hv01', 'hv-host:hv02']);
        const csvs = inventory.hostVolumes.filter((volume) => volume.kind === 'csv');
        expect(csvs.map((volume) => [volume.id, volume.hostId, volume.name])).toEqual([
          [
            'hv-csv:hvcluster1:c5c5c5c5-0000-4000-8000-000000000001',
            'hv-host:hv01',
            'C:\\ClusterStorage\\Volume1',
          ],
        ]);

        fake.moveVm(WEB01, 'HV02');
        const moved = await sync();
        expect(moved.presence).toEqual({ gone: [], reappeared: [] });
        const after = await stores.inventory.loadInventory();
        expect(
          after.vms.filter((vm) => vm.id === WEB).map((vm) => [vm.hostId, vm.goneSince ?? null]),
        ).toEqual([['hv-host:hv02', null]]);
        expect(
          after.virtualDisks.filter((disk) => disk.vmId === WEB).map((disk) => disk.hostVolumeId),
        ).toEqual([csvs[0].id]);

        fake.cluster.nodes[1].state = 1; // HV02 down: web01 is not guessed gone
        const partial = await sync();
        expect(partial.presence.gone).toEqual([]);
        const log = await listConnectionSyncs(stores, { connectionId: connection.id, limit: 3 });
        expect(log.items.map((run) => [run.outcome, run.added, run.changed, run.gone, run.warnings])).toEqual(
          [
            ['succeeded-with-warnings', 0, 0, 0, expect.stringContaining('HV02: node HV02 is down')],
            ['succeeded-with-warnings', 0, 1, 0, expect.not.stringContaining('HV02: node')],
            ['succeeded-with-warnings', 3, 0, 0, expect.not.stringContaining('HV02: node')],
          ],
        );
        expect((await stores.hypervConnections.get(connection.id))?.nodeHostIds).toEqual(['hv-host:hv01']);
      });

      it('refuses a node whose host key changed, names it, and reads it again once an admin accepts the new key', async () => {
        const { fake, stores, ctx, connection, sync } = await setup();
        await sync();
        const endpoint = `127.0.0.1:${fake.nodes.HV02.port}`;
        const before = fake.nodes.HV02.fingerprint;
        await fake.nodes.HV02.restartWithNewKey();
        const changed = fake.nodes.HV02.fingerprint;
        expect(changed).not.toBe(before);

        const refused = await sync();
        expect(refused.cluster?.nodes.map((node) => [node.name, node.isRead])).toEqual([
          ['HV01', true],
          ['HV02', false],
        ]);
        expect(refused.cluster?.nodes[1].unknown).toContain('different SSH host key');
        expect(refused.presence.gone).toEqual([]);
        const waiting = await stores.hypervConnections.get(connection.id);
        expect([waiting?.nodeHostKeys, waiting?.refusedNodeHostKeys]).toEqual([
          { [endpoint]: before },
          { [endpoint]: { node: 'HV02', fingerprint: changed } },
        ]);
        const [last] = (await listConnectionSyncs(stores, { connectionId: connection.id, limit: 1 })).items;
        expect([last.outcome, last.warnings]).toEqual([
          'succeeded-with-warnings',
          expect.stringContaining('HV02: '),
        ]);

        // Someone presents a third key at HV02 between the admin's look and the click (written as a
        // sync would leave it: the fake node has two keys only). The key the admin compared is
        // refused, naming the node, and nothing is pinned.
        const third = `SHA256:${'C'.repeat(43)}`;
        await stores.hypervConnections.refuseNode(connection.id, endpoint, {
          node: 'HV02',
          fingerprint: third,
        });
        const stale = await rejection(
          acceptHypervNodeHostKey(stores, ctx, { id: connection.id, endpoint, fingerprint: changed }),
        );
        expect(isDomainError(stale) && [stale.code, stale.message, stale.fieldErrors]).toEqual([
          'CONFLICT',
          `The SSH host key waiting on node HV02 of hvcluster1 is now ${third}, not the one you compared: nothing was pinned. Compare it again, then accept it.`,
          [{ path: 'fingerprint', message: 'Another SSH host key is waiting now' }],
        ]);
        const kept = await stores.hypervConnections.get(connection.id);
        expect([kept?.nodeHostKeys, kept?.refusedNodeHostKeys]).toEqual([
          { [endpoint]: before },
          { [endpoint]: { node: 'HV02', fingerprint: third } },
        ]);

        // The next sync meets HV02's key again; compared again, it is accepted.
        await sync();
        const accepted = await acceptHypervNodeHostKey(stores, ctx, {
          id: connection.id,
          endpoint,
          fingerprint: changed,
        });
        expect([accepted.nodeHostKeys, accepted.refusedNodeHostKeys]).toEqual([{ [endpoint]: changed }, {}]);
        const again = await rejection(
          acceptHypervNodeHostKey(stores, ctx, { id: connection.id, endpoint, fingerprint: changed }),
        );
        expect(isDomainError(again) && again.code).toBe('INVALID_INPUT');

        const read = await sync();
        expect(read.cluster?.nodes.map((node) => [node.name, node.isRead, node.unknown])).toEqual([
          ['HV01', true, null],
          ['HV02', true, null],
        ]);
        expect((await stores.hypervConnections.get(connection.id))?.nodeHostIds).toEqual([
          'hv-host:hv01',
          'hv-host:hv02',
        ]);
      });

      it('test connection reports every node of the cluster, each reached over its own session or why not', async () => {
        const { fake, stores, ctx, keys, connection, nodeAddress } = await setup();
        const test = () =>
          testHypervConnection(stores, ctx, keys, { id: connection.id }, { ...callOptions(), nodeAddress });
        const nodesOf = async () => {
          const result = await test();
          if (!result.ok) throw new Error(result.message);
          return result.cluster?.nodes.map((node) => [
            node.name,
            node.isReachable,
            node.isElevated,
            node.hasHyperVModule,
            node.reason,
          ]);
        };
        const first = await test();
        expect(first.ok && [first.computerName, first.cluster?.name]).toEqual(['HV01', CLUSTER_NAME]);
        expect(await nodesOf()).toEqual([
          ['HV01', true, true, true, null],
          ['HV02', true, true, true, null],
        ]);
        // The test pins HV02's key on first use, as a sync would.
        expect(
          Object.values((await stores.hypervConnections.get(connection.id))?.nodeHostKeys ?? {}),
        ).toEqual([fake.nodes.HV02.fingerprint]);

        // A node without the Hyper-V module is reached, and says what it lacks.
        fake.models.HV02.state.hasHyperVModule = false;
        expect((await nodesOf())?.[1]).toEqual(['HV02', true, true, false, null]);
        fake.models.HV02.state.hasHyperVModule = true;

        fake.cluster.nodes[1].state = 1;
        expect((await nodesOf())?.[1]).toEqual(['HV02', false, null, null, 'node HV02 is down']);
        fake.cluster.nodes[1].state = 0;

        // Up in the cluster's eyes, but its SSH server gone: not reached, with the reason.
        await fake.nodes.HV02.stop();
        const [, unreachable] = (await nodesOf()) ?? [];
        expect(unreachable?.slice(0, 4)).toEqual(['HV02', false, null, null]);
        expect(unreachable?.[4]).toEqual(expect.stringContaining('HV02'));

        // Before saving: the same per-node report, nothing stored.
        await fake.nodes.HV02.start(fake.nodes.HV02.port);
        const draft = await testHypervDraft(
          stores,
          ctx,
          keys,
          { address: '127.0.0.1', port: fake.nodes.HV01.port, hostAccountId: connection.secretId },
          { ...callOptions(), nodeAddress },
        );
        expect(draft.ok && draft.cluster?.nodes.map((node) => [node.name, node.isReachable])).toEqual([
          ['HV01', true],
          ['HV02', true],
        ]);
      });

      it('hands each node’s VMs to that node’s own client, and refuses a disconnect while one is backed up', async () => {
        const { fake, stores, ctx, keys, connection, sync, nodeAddress } = await setup();
        fake.moveVm(WEB01, 'HV02');
        await sync();
        const hosts = storedHypervHosts(stores, ctx, keys, (node) => nodeAddress(node));
        const hv02 = await hosts('hv-host:hv02');
        expect([hv02?.name, hv02?.client.endpoint]).toEqual([
          'hvcluster1',
          `127.0.0.1:${fake.nodes.HV02.port}`,
        ]);
        const hv01 = await hosts('hv-host:hv01');
        expect(hv01?.client.endpoint).toBe(`127.0.0.1:${fake.nodes.HV01.port}`);
        await hv02?.client.close();
        await hv01?.client.close();

        // A step on web01 runs on HV02, the node that holds it: halted there, it reads off.
        const connector = createStoredHypervConnector(storedHypervHosts(stores, ctx, keys, nodeAddress));
        const driver = await Promise.resolve(
          connector.hypervisor?.({ id: 'hv-host:hv02', name: 'HV02', connector: 'hyperv' }),
        );
        fake.models.HV02.vmById(WEB01).state = VM_STATE.Off;
        expect(await driver?.getPowerState(WEB, callOptions())).toBe('off');
        expect(fake.models.HV01.state.vms.some((vm) => vm.id === WEB01)).toBe(false);
        fake.models.HV02.vmById(WEB01).state = VM_STATE.Running;

        const backup = await startBackup(stores, ctx, {
          scope: { kind: 'vms', vmIds: [WEB] },
          consistencyPolicy: 'fallback',
          passthroughPolicy: 'skip',
        });
        const title = (await stores.operations.get(backup.operationId))?.title;
        let error: unknown = null;
        try {
          await removeHypervConnection(stores, ctx, { id: connection.id, confirmation: connection.name });
        } catch (caught) {
          error = caught;
        }
        expect(isDomainError(error) && [error.code, error.message]).toEqual([
          'PRECONDITION_FAILED',
          `hvcluster1 is in use by an operation ("${title}"): wait for it to end, or cancel it, then disconnect it.`,
        ]);
      });
    });
  });
});
