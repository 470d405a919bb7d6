/**
 * Runner tests of an array capture of Xen VMs over real transports: the fake XAPI pool over HTTPS
 * says what runs where, a fake Linux guest (db01) and a fake dom0 (xcp1) over SSH take the guest
 * hook's scripts and fsfreeze and the host flush's `sync`, the fake ONTAP cluster over HTTPS takes
 * the two-phase CG snapshot. The pool's iSCSI SR sits on the cluster's sql_data LUN (its SCSI id is
 * the LUN's NAA id), so the syncs join them; on it are db01 (Linux, hook configured), sql01
 * (Windows: no hook) and app01 (halted).
 *
 * The copy step reads each VM's disks out of the CG snapshot through dom0 (xapi-array-copy.ts): the
 * cluster clones the snapshot and maps the clone to the pool's igroup, the fake dom0 imports the
 * clone's VG under a name of its own and streams the VDIs' LVs (the SR is laid out on the LUN by
 * xapi-ontap-lun.ts, sharing the pool's bytes).
 */
import type { StoreDialect } from '../../../db/stores/contract/dialects';
import type { OperationRecord } from '../../../db/stores/ports/operation-store';
import { createServiceContext } from '../../context';
import type { BackupPlanRequest } from '../../engine/backup-plan';
import { emptyInventory, type Inventory } from '../../engine/inventory';
import { createHarness, type Harness } from '../../jobs/test-harness';
import { importInventory } from '../../services/import-service';
import { memoryHostKeys } from '../hyperv/hyperv-test-support';
import { connectorLookupFromInventory, createDriverRegistry, type DriverRegistry } from '../registry';
import { DISK_SIZE, type FixturePool, fixturePool } from '../xapi/fake/fake-fixtures';
import { FakeLinuxMachine, linuxGuestMounts } from '../xapi/fake/fake-linux-ssh';
import { diskBytes } from '../xapi/fake/fake-pool';
import { type FakeXapi, startFakeXapi } from '../xapi/fake/fake-xapi-server';
import { XapiClient } from '../xapi/xapi-client';
import { XapiConnector } from '../xapi/xapi-connector';
import { mapPool, readPoolRecords, xenId } from '../xapi/xapi-discovery';
import { GUEST_SSH_KEY } from '../xapi/xapi-guest-hook';
import { memoryTrustStore } from '../xapi/xapi-transport';
import { OntapConnector } from './ontap-connector';
import { discoverOntap, toInventory } from './ontap-discovery';
import { naaFromSerial } from './ontap-naa';
import { callOptions, type FakeCluster, startFakeCluster } from './ontap-test-support';
import { layOutSrOnLun, type SrOnLun } from './xapi-ontap-lun';

export const PRE_FREEZE = '/opt/db/pre-freeze.sh';
export const POST_THAW = '/opt/db/post-thaw.sh';
const GUEST = { username: 'root', password: 'guest-s3cret' };
const DOM0 = { username: 'root', password: 'dom0-s3cret' };

export interface FencedXen {
  h: Harness;
  fixture: FixturePool;
  xapi: FakeXapi;
  guest: FakeLinuxMachine;
  dom0: FakeLinuxMachine;
  cluster: FakeCluster;
  inventory: Inventory;
  drivers: DriverRegistry;
  /** What the guest, dom0 and the array did, in order (array reads and the copy's clone left out). */
  timeline: string[];
  /** The array calls of the copy's clone (create, map, unmap, delete), in order. */
  copyCalls: string[];
  /** The SR on the LUN: dom0's storage, the live VG's label, writes to a VDI. */
  sr: SrOnLun;
  /** The guest's frozen file systems when the CG snapshot started. */
  frozenAtStart: string[][];
  /** The VDIs' bytes at CG start, by inventory disk id (what the array snapshot holds). */
  fenced: Map<string, Buffer>;
  vmIdOf(name: string): string;
  /** The array capture of every VM on the LUN; `extra` adds to the request (keepArraySnapshot). */
  enqueue(policy: 'require' | 'fallback', extra?: Partial<BackupPlanRequest>): Promise<OperationRecord>;
  close(): Promise<void>;
}

export interface FencedXenOptions {
  /** Give the pool a guest account (default) or not. */
  guestAccount?: boolean;
  /** VDIs (by name) laid out as VHD LVs on the LUN; raw LVs otherwise. */
  vhdDisks?: string[];
}

export async function openFencedXen(
  dialect: StoreDialect,
  options: FencedXenOptions = {},
): Promise<FencedXen> {
  const fixture = fixturePool();
  const cluster = await startFakeCluster();
  const guest = new FakeLinuxMachine('db01', GUEST, linuxGuestMounts());
  const dom0 = new FakeLinuxMachine('xcp1', DOM0, [{ device: '/dev/sda1', point: '/', type: 'ext3' }]);
  await guest.start();
  await dom0.start();
  const { pool } = fixture;
  // The SR's block device is the cluster's sql_data LUN (XenServer's SCSIid: `3` + the NAA id).
  const pbd = (pool.get('SR', fixture.iscsi)?.PBDs as string[] | undefined)?.[0] as string;
  const deviceConfig = pool.get('PBD', pbd)?.device_config as Record<string, string>;
  pool.mod('PBD', pbd, {
    device_config: { ...deviceConfig, SCSIid: `3${naaFromSerial(cluster.seeded.data.serial)}` },
  });
  const db01 = pool.addVm({
    name: 'db01',
    host: fixture.master,
    disks: [{ name: 'db01 root', sr: fixture.iscsi, bytes: diskBytes('db01-root', DISK_SIZE) }],
    guest: { os: 'Debian GNU/Linux 12', distro: 'debian' },
  });
  pool.mod('VM', db01, { other_config: { [GUEST_SSH_KEY]: `127.0.0.1:${guest.port}` } });
  const sr = layOutSrOnLun(pool, fixture.iscsi, cluster.model, cluster.seeded.data, options.vhdDisks);
  dom0.storage = sr.storage;
  const xapi = await startFakeXapi({ pool });
  const client = new XapiClient({
    label: 'xapi pool pool-lab',
    address: xapi.address(),
    credentials: { credentials: async () => ({ username: 'root', password: 's3cret' }) },
    trust: memoryTrustStore(),
  });
  const synced = mapPool(await readPoolRecords(client, callOptions())).inventory;
  const found = toInventory('cluster1', 'cluster1', await discoverOntap(cluster.client, callOptions()));
  const h = await createHarness({ dialect, inventory: () => emptyInventory() });
  const ctx = createServiceContext({ now: () => h.clock.now(), newId: h.newId });
  const withScripts = {
    ...synced,
    vms: synced.vms.map((vm) => (vm.name === 'db01' ? { ...vm, hasFreezeScripts: true } : vm)),
  };
  await importInventory(h.stores, ctx, withScripts, 'replace');
  const arrays = {
    arrays: [found.array],
    arrayVolumes: found.arrayVolumes,
    consistencyGroups: found.consistencyGroups,
  };
  await importInventory(h.stores, ctx, arrays, 'merge');
  const inventory = await h.stores.inventory.loadInventory();
  const hostKeys = memoryHostKeys();
  const xen = new XapiConnector(() => [
    {
      name: 'pool-lab',
      client,
      hostIds: new Set(synced.hosts.map((host) => host.id)),
      ssh: {
        guestCredential: async () => (options.guestAccount === false ? null : GUEST),
        hostCredential: async () => DOM0,
        hostKeys,
        hostPort: dom0.port,
      },
    },
  ]);
  const ontap = new OntapConnector(() => [
    { name: 'cluster1', arrayId: 'cluster1', client: cluster.client, stagingIgroup: 'stage01' },
  ]);
  const drivers = createDriverRegistry({
    lookup: connectorLookupFromInventory(inventory),
    connectors: [xen, ontap],
    repository: h.driver.repository,
  });
  const fenced = new Map<string, Buffer>();
  const run: FencedXen = {
    h,
    fixture,
    xapi,
    guest,
    dom0,
    cluster,
    inventory,
    drivers,
    timeline: [],
    copyCalls: [],
    sr,
    frozenAtStart: [],
    fenced,
    vmIdOf: (name) => inventory.vms.find((vm) => vm.name === name)?.id as string,
    async enqueue(consistencyPolicy, extra = {}) {
      const lun = inventory.hostVolumes.find((volume) => volume.arrayVolumeId !== null)?.arrayVolumeId;
      if (!lun) throw new Error('no SR is linked to a LUN');
      const onLun = inventory.vms.filter((vm) => vm.name !== 'web01');
      const request: BackupPlanRequest = {
        scope: { kind: 'array-volume', arrayVolumeId: lun },
        methodByVm: Object.fromEntries(onLun.map((vm) => [vm.id, 'array-snapshot'])),
        consistencyPolicy,
        passthroughPolicy: 'skip',
        scripts: {
          [run.vmIdOf('db01')]: {
            preFreeze: { command: PRE_FREEZE, timeoutSeconds: 30 },
            postThaw: { command: POST_THAW, timeoutSeconds: 30 },
          },
        },
        ...extra,
      };
      return h.enqueueBackup(request, { inventory });
    },
    async close() {
      await h.close();
      await client.logout().catch(() => {});
      await Promise.all([xapi.stop(), guest.stop(), dom0.stop(), cluster.stop()]);
    },
  };
  watch(run);
  return run;
}

/** Records the timeline and, at CG start, what the guest has frozen and the VDIs' bytes. */
function watch(run: FencedXen): void {
  run.guest.onEvent = (event) => run.timeline.push(`guest: ${event}`);
  run.dom0.onEvent = (event) => run.timeline.push(`host: ${event}`);
  const calls = run.cluster.server.calls;
  const push = calls.push.bind(calls);
  calls.push = (...items) => {
    for (const item of items) {
      if (item.startsWith('GET')) continue;
      // The copy's clone: volume create / delete and LUN maps (a volume's snapshots stay).
      if (/ \/api\/protocols\/san\/lun-maps| \/api\/storage\/volumes(\?|$|\/[^/?]+(\?|$))/.test(item)) {
        run.copyCalls.push(item.replace(/[0-9a-f-]{36}/g, '…'));
        continue;
      }
      const action = /action=(\w+)/.exec(item)?.[1];
      run.timeline.push(`array: ${item.split(' ')[0]}${action ? ` ${action}` : ''}`);
      if (action !== 'start') continue;
      run.frozenAtStart.push([...run.guest.frozen].sort());
      const { pool } = run.fixture;
      for (const [ref, bytes] of pool.vdiBytes) {
        const uuid = pool.get('VDI', ref)?.uuid as string;
        run.fenced.set(xenId(uuid), Buffer.from(bytes));
      }
    }
    return push(...items);
  };
}
