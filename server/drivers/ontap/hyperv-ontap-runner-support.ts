/**
 * Runner tests of an array capture over real transports: the fake Windows host over SSH serves the
 * Hyper-V role (pre-freeze / post-thaw scripts through PowerShell Direct, the guest freeze as a
 * production checkpoint, `Write-VolumeCache`), the fake ONTAP cluster over HTTPS the array role
 * (two-phase CG snapshot, its fence timer on the cluster's injected clock). The inventory is what
 * the two syncs write: the host's VMs on D:, whose disk is the cluster's sql_data LUN (NAA id).
 *
 * The host's D: sits on the cluster's sql_data LUN for real (fake-san.ts): a flush writes the
 * volume's files to the LUN, and the copy step reads each VM's disks back out of a FlexClone of
 * the snapshot mapped to the host's igroup.
 */
import { createHash } from 'node:crypto';
import type { StoreDialect } from '../../../db/stores/contract/dialects';
import type { OperationRecord } from '../../../db/stores/ports/operation-store';
import { createServiceContext } from '../../context';
import type { BackupPlanRequest } from '../../engine/backup-plan';
import { emptyInventory, type Inventory } from '../../engine/inventory';
import { createHarness, type Harness } from '../../jobs/test-harness';
import { importInventory } from '../../services/import-service';
import { GUEST_PASSWORD, GUEST_USER } from '../hyperv/fake/fake-estate';
import { VM_STATE } from '../hyperv/fake/fake-hyperv-model';
import type { FakeSan } from '../hyperv/fake/fake-san';
import { HypervConnector } from '../hyperv/hyperv-connector';
import { mapHost, readHostRecords } from '../hyperv/hyperv-discovery';
import { callOptions, startFakeHost } from '../hyperv/hyperv-test-support';
import { connectorLookupFromInventory, createDriverRegistry, type DriverRegistry } from '../registry';
import { OntapConnector } from './ontap-connector';
import { discoverOntap, toInventory } from './ontap-discovery';
import { naaFromSerial } from './ontap-naa';
import { type FakeCluster, startFakeCluster } from './ontap-test-support';

export const PRE_FREEZE = 'C:\\Scripts\\pre-freeze.cmd';
export const POST_THAW = 'C:\\Scripts\\post-thaw.cmd';

export interface FencedHyperv {
  h: Harness;
  host: Awaited<ReturnType<typeof startFakeHost>>;
  cluster: FakeCluster;
  inventory: Inventory;
  drivers: DriverRegistry;
  /** What the guest, the host and the array did, in order (reads and power checks left out). */
  timeline: string[];
  /** CG snapshots fenced on the cluster when each post-thaw script ran in the guest. */
  fencesAtPostThaw: number[];
  /** The next N post-thaw scripts take 9 s of the cluster's time: the commit misses the 7 s fence. */
  slowPostThaws: { count: number };
  vmIdOf(name: string): string;
  request(policy: 'require' | 'fallback'): BackupPlanRequest;
  /** Plans the backup from the stored inventory (the two syncs' rows) and enqueues it; `extra` joins the request. */
  enqueue(policy: 'require' | 'fallback', extra?: Partial<BackupPlanRequest>): Promise<OperationRecord>;
  close(): Promise<void>;
}

/** The fake host and cluster, synced into a harness on `dialect`; `prepare` changes the host before the sync. */
export async function openFencedHyperv(
  dialect: StoreDialect,
  prepare: (state: Awaited<ReturnType<typeof startFakeHost>>['model']['state']) => void = () => {},
): Promise<FencedHyperv> {
  const host = await startFakeHost(32 * 1024);
  const cluster = await startFakeCluster();
  host.model.state.san = sanOf(cluster, 'hv01');
  prepare(host.model.state);
  const client = host.connect();
  const guest = { user: GUEST_USER, password: GUEST_PASSWORD };
  const synced = mapHost(await readHostRecords(client, guest, callOptions())).inventory;
  const found = toInventory('cluster1', 'cluster1', await discoverOntap(cluster.client, callOptions()));
  const h = await createHarness({ dialect, inventory: () => emptyInventory() });
  const ctx = createServiceContext({ now: () => h.clock.now(), newId: h.newId });
  // sql01's scripts are the job's own (request.scripts); the inventory knows of none, and under
  // `require` the planner accepts the job's.
  await importInventory(h.stores, ctx, synced, 'replace');
  // As the ONTAP sync stores it: merged, each host volume linked to its LUN by NAA id.
  const arrays = {
    arrays: [found.array],
    arrayVolumes: found.arrayVolumes,
    consistencyGroups: found.consistencyGroups,
  };
  await importInventory(h.stores, ctx, arrays, 'merge');
  const inventory = await h.stores.inventory.loadInventory();
  const hyperv = new HypervConnector(() => [
    { name: 'hv01', client, guestCredential: async () => guest, hostId: synced.hosts[0].id },
  ]);
  const ontap = new OntapConnector(() => [
    { name: 'cluster1', arrayId: 'cluster1', client: cluster.client, stagingIgroup: 'stage01' },
  ]);
  const drivers = createDriverRegistry({
    lookup: connectorLookupFromInventory(inventory),
    connectors: [hyperv, ontap],
    repository: h.driver.repository,
  });
  const watched: FencedHyperv = {
    h,
    host,
    cluster,
    inventory,
    drivers,
    timeline: [],
    fencesAtPostThaw: [],
    slowPostThaws: { count: 0 },
    vmIdOf: (name) => inventory.vms.find((vm) => vm.name === name)?.id as string,
    request: (consistencyPolicy) => ({
      scope: { kind: 'array-volume', arrayVolumeId: lunOf(inventory) },
      methodByVm: Object.fromEntries(inventory.vms.map((vm) => [vm.id, 'array-snapshot'])),
      consistencyPolicy,
      passthroughPolicy: 'skip',
      scripts: {
        [watched.vmIdOf('sql01')]: {
          preFreeze: { command: PRE_FREEZE, timeoutSeconds: 30 },
          postThaw: { command: POST_THAW, timeoutSeconds: 30 },
        },
      },
    }),
    async enqueue(policy, extra = {}) {
      const request = { ...watched.request(policy), ...extra };
      return h.enqueueBackup(request, { inventory });
    },
    async close() {
      await h.close();
      await host.dispose();
      await cluster.stop();
    },
  };
  watch(watched);
  return watched;
}

/** The cluster's LUNs mapped to `igroup`, as the host's disks (Get-Disk UniqueId = NAA id). */
export function sanOf(cluster: FakeCluster, igroup: string): FakeSan {
  return {
    disks() {
      const group = [...cluster.model.igroups.values()].find((candidate) => candidate.name === igroup);
      return cluster.model.lunMaps
        .filter((map) => map.igroupUuid === group?.uuid)
        .map((map) => cluster.model.luns.get(map.lunUuid))
        .filter((lun) => lun !== undefined)
        .map((lun) => ({
          uniqueId: naaFromSerial(lun.serial).toUpperCase(),
          read: () => cluster.model.readLun(lun.name),
          write: (bytes: Buffer) => cluster.model.writeLun(lun.name, 0, bytes),
        }));
    },
  };
}

/** The LUN behind the host's D: (the sync linked it by NAA id). */
function lunOf(inventory: Inventory): string {
  const lun = inventory.hostVolumes.find((volume) => volume.arrayVolumeId !== null)?.arrayVolumeId;
  if (!lun) throw new Error('no host volume is linked to a LUN');
  return lun;
}

/** Records the timeline and slows chosen post-thaws. */
function watch(run: FencedHyperv): void {
  const { host, cluster, timeline } = run;
  const calls = host.host.calls;
  const pushCall = calls.push.bind(calls);
  calls.push = (...names) => {
    for (const name of names)
      if (['new-checkpoint', 'remove-checkpoint', 'flush-volume'].includes(name))
        timeline.push(`host: ${name}`);
    return pushCall(...names);
  };
  const sql01 = host.model.state.vms.find((vm) => vm.name === 'sql01');
  const ran = sql01?.guest?.ran;
  if (ran) {
    const pushRan = ran.push.bind(ran);
    ran.push = (...commands) => {
      for (const command of commands) {
        timeline.push(`guest: ${command}`);
        if (command !== POST_THAW) continue;
        run.fencesAtPostThaw.push(cluster.model.fences.size);
        if (run.slowPostThaws.count > 0) {
          run.slowPostThaws.count--;
          cluster.clock.advance(9000);
        }
      }
      return pushRan(...commands);
    };
  }
  const arrayCalls = cluster.server.calls;
  const pushArray = arrayCalls.push.bind(arrayCalls);
  arrayCalls.push = (...items) => {
    for (const item of items) {
      if (item.startsWith('GET')) continue;
      const [method, target] = item.split(' ');
      const action = /action=(\w+)/.exec(item)?.[1];
      // What was asked of which resource: "POST start", "POST volumes" (a clone), "DELETE lun-maps".
      const resource = target
        ?.split('?')[0]
        .split('/')
        .filter((part) => part && !/^[0-9a-f-]{36}$/.test(part))
        .at(-1);
      timeline.push(`array: ${method} ${action ?? resource}`);
    }
    return pushArray(...items);
  };
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
export { VM_STATE };
