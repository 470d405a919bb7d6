/**
 * A stored ONTAP connection serving the process's driver registry: the account from the vault,
 * the certificate pinned on the connection's record, and the job journal in the database, so a
 * worker that dies while ONTAP runs the job resumes (after ONTAP forgot it) without a second snapshot.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DialectHandle, storeDialects } from '../../db/stores/contract/dialects';
import { backupPlanOf } from '../../db/stores/contract/operation-store.contract';
import type { Stores } from '../../db/stores/ports';
import { createServiceContext, type ServiceContext } from '../context';
import { labTestInventory } from '../drivers/lab/lab-fixture';
import { createStoredOntapConnector } from '../drivers/ontap/ontap-connector';
import { discoverOntap, toInventory } from '../drivers/ontap/ontap-discovery';
import { naaFromSerial } from '../drivers/ontap/ontap-naa';
import {
  callOptions,
  clientClock,
  type FakeCluster,
  startFakeCluster,
} from '../drivers/ontap/ontap-test-support';
import { createDriverRegistry } from '../drivers/registry';
import type { BackupRepository } from '../drivers/roles';
import { neverAnswering } from '../drivers/test-doubles';
import { storedOntapClusters, syncOntapConnection } from './array-connection-service';
import { importInventory } from './import-service';
import { startBackup } from './operations-service';
import { memoryKeySource } from './vault-key';
import { createSecret } from './vault-service';

const ARRAY_ID = 'array-1';
let cluster: FakeCluster;
let stores: Stores;
let ctx: ServiceContext;
let handle: DialectHandle;
const keys = memoryKeySource();
const dialects = await storeDialects('arrayconnection');

async function setup(dialect: (typeof dialects)[number]) {
  cluster = await startFakeCluster();
  handle = await dialect.open();
  stores = handle.stores;
  let counter = 0;
  ctx = createServiceContext({
    now: () => new Date('2026-11-24T02:00:00Z'),
    newId: () => `id-${++counter}`,
    actor: { kind: 'user', id: '1', name: 'Ada', email: 'ada@example.test', role: 'admin' },
  });
  const secret = await createSecret(stores, ctx, keys, {
    name: 'cluster1 api',
    kind: 'password',
    username: 'admin',
    secret: 'netapp1!',
  });
  await stores.arrayConnections.insert({
    id: 'conn-1',
    name: 'cluster1',
    vendor: 'ontap',
    address: cluster.server.address,
    secretId: secret.id,
    stagingTarget: 'stage01',
    createdAt: ctx.now(),
    createdBy: 'user:1',
  });
  await stores.arrayConnections.recordSync('conn-1', ctx.now(), null, ARRAY_ID);
}

function registry() {
  return createDriverRegistry({
    lookup: {
      host: async () => null,
      hostOfVm: async () => null,
      hostOfHostVolume: async () => null,
      array: async (id) => ({ id, name: id === ARRAY_ID ? 'cluster1' : 'cluster9', connector: 'ontap' }),
      arrayOfArrayVolume: async () => ({ id: ARRAY_ID, name: 'cluster1', connector: 'ontap' }),
    },
    connectors: [
      createStoredOntapConnector(storedOntapClusters(stores, ctx, keys, clientClock(cluster.clock))),
    ],
    repository: neverAnswering<BackupRepository>('lab').driver,
  });
}

async function dataLun(): Promise<string> {
  const inventory = toInventory(ARRAY_ID, 'cluster1', await discoverOntap(cluster.client, callOptions()));
  return inventory.arrayVolumes.find((volume) => volume.name === 'svm1:/vol/sql_data/lun0')?.id ?? '';
}

/** The lab test estate with these host volumes on these block devices (as a hypervisor sync records them). */
function withDevices(deviceIds: Record<string, string>) {
  const inventory = labTestInventory();
  return {
    ...inventory,
    hostVolumes: inventory.hostVolumes.map((volume) => ({
      ...volume,
      deviceId: deviceIds[volume.id] ?? null,
    })),
  };
}

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    beforeEach(() => setup(dialect));
    afterEach(async () => {
      await cluster.stop();
      await handle.close();
    });
    describe('stored ONTAP connections', () => {
      it('pins the certificate on the record, journals the job in the database, and a resumed worker does not snapshot twice', async () => {
        const lun = await dataLun();
        cluster.model.jobDurationMs = 2000;
        const request = {
          snapshotId: 'snap-9',
          scope: { kind: 'array-volumes' as const, arrayVolumeIds: [lun], consistencyGroupId: null },
          diskIds: [],
          isQuiesced: false,
        };
        const dying = new AbortController();
        const first = (await registry().arrayForArray(ARRAY_ID)).createSnapshot(request, {
          signal: dying.signal,
          timeoutMs: 60_000,
        });
        await cluster.clock.sleeping();
        const journaled = await stores.arrayConnections.findJob(
          'conn-1',
          'snapshot:snap-9:sql_data:snapshot',
        );
        expect(journaled?.jobUuid).toMatch(/-/);
        expect((await stores.arrayConnections.get('conn-1'))?.fingerprint).toMatch(
          /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/,
        );
        dying.abort(new Error('worker lost its lease'));
        await expect(first).rejects.toThrow('worker lost its lease');

        cluster.clock.advance(2000 + 300_000);
        const posts = () => cluster.server.calls.filter((call) => call.startsWith('POST')).length;
        const before = posts();
        await (await registry().arrayForArray(ARRAY_ID)).createSnapshot(request, callOptions());
        expect(posts()).toBe(before);
        expect(cluster.model.volumeByName('sql_data')?.snapshots.map((snapshot) => snapshot.name)).toEqual([
          'snap-9',
        ]);
        expect(
          await stores.arrayConnections.findJob('conn-1', 'snapshot:snap-9:sql_data:snapshot'),
        ).toBeNull();
      });

      it('discovers the cluster into the inventory and links the host volume on a LUN by its NAA id', async () => {
        // As a Hyper-V sync records it: D:'s disk UniqueId, Windows' upper-case spelling of the NAA id.
        const dataNaa = naaFromSerial(cluster.seeded.data.serial);
        await importInventory(stores, ctx, withDevices({ 'hv1-d': dataNaa.toUpperCase() }), 'replace');
        const result = await syncOntapConnection(stores, ctx, keys, 'conn-1', callOptions());
        expect(result).toMatchObject({
          arrayId: ARRAY_ID,
          lunCount: 2,
          consistencyGroupCount: 1,
          linkedHostVolumes: ['hv1-d'],
        });
        const inventory = await stores.inventory.loadInventory();
        expect(inventory.arrays.find((array) => array.id === ARRAY_ID)).toMatchObject({
          connector: 'ontap',
          vendor: 'netapp',
        });
        const lun = inventory.arrayVolumes.find((volume) => volume.name === 'svm1:/vol/sql_data/lun0');
        expect(lun?.consistencyGroupId).not.toBeNull();
        expect(inventory.hostVolumes.find((volume) => volume.id === 'hv1-d')?.arrayVolumeId).toBe(lun?.id);
        expect(inventory.hostVolumes.find((volume) => volume.id === 'hv1-e')?.arrayVolumeId).not.toBe(
          lun?.id,
        );
        expect((await stores.arrayConnections.get('conn-1'))?.lastError).toBeNull();
      });

      it('a discovery the cluster refuses is recorded on the connection', async () => {
        cluster.server.failNext('GET /api/storage/volumes', {
          code: '6',
          message: 'not authorized for that command',
          status: 403,
        });
        await expect(syncOntapConnection(stores, ctx, keys, 'conn-1', callOptions())).rejects.toMatchObject({
          faultCode: 'host-unreachable',
          isRetryable: false,
        });
        expect((await stores.arrayConnections.get('conn-1'))?.lastError).toMatch(/may not run this command/);
      });

      it('an array no connection serves is connector-missing, not retried', async () => {
        const driver = await registry().arrayForArray('array-9');
        await expect(driver.releaseSnapshot('x', callOptions())).rejects.toMatchObject({
          faultCode: 'connector-missing',
          isRetryable: false,
        });
      });

      it('holds the per-array limit for a discovered cluster, naming it as the admin did', async () => {
        // hv1-d (sql1's disks) sits on the cluster's data LUN, hv1-e on its log LUN.
        await importInventory(
          stores,
          ctx,
          withDevices({
            'hv1-d': naaFromSerial(cluster.seeded.data.serial),
            'hv1-e': naaFromSerial(cluster.seeded.log.serial),
          }),
          'replace',
        );
        await syncOntapConnection(stores, ctx, keys, 'conn-1', callOptions());
        // Two operations already snapshotting this cluster (other VMs, other hosts)…
        for (const [n, vmId] of ['vm-a', 'vm-b'].entries()) {
          await stores.operations.enqueue(
            { ...backupPlanOf([vmId], { hostIds: [`host-${n}`] }), arrayIds: [ARRAY_ID] },
            { vmIds: [vmId] },
            { id: `op-${n}`, now: new Date(ctx.now().getTime() - 1000 + n), requestedBy: 'user:1' },
          );
        }
        // …and a backup of sql1 by array snapshot, planned by the engine from the discovered chain.
        const planned = await startBackup(stores, ctx, {
          scope: { kind: 'vms', vmIds: ['sql1'] },
          consistencyPolicy: 'fallback',
          passthroughPolicy: 'skip',
          methodByVm: { sql1: 'array-snapshot' },
        });
        expect(planned.plan.arrayIds).toContain(ARRAY_ID);

        await stores.operations.claimNext({
          workerId: 'w1',
          now: ctx.now(),
          leaseMs: 60_000,
          limits: { perHost: 2, perArray: 2 },
        });
        const statuses = await stores.operations.statusesOf(['op-0', 'op-1', planned.operationId]);
        expect([...statuses.values()]).toEqual(['running', 'running', 'waiting']);
        expect((await stores.operations.get(planned.operationId))?.waitingReason).toBe(
          'array cluster1 has 2 running operations (limit 2)',
        );
      });
    });
  });
});
