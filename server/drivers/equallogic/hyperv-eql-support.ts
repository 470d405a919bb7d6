/**
 * A Hyper-V host and an EqualLogic group over their real transports, synced into a harness: the
 * fake Windows host over SSH, whose D: sits on the group's `vmfs01` volume (fake-eql-san.ts: the
 * host is logged in to its target, and a flush writes D:'s files to the volume's bytes), and the
 * fake group over SSH. The inventory is what the two syncs write: the host's VMs on D:, whose disk
 * UniqueId is vmfs01's NAA id, and the group's volumes with their NAA ids read from their target
 * names, so the link host volume → array volume is discovered, not typed in.
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
import { HypervConnector } from '../hyperv/hyperv-connector';
import { mapHost, readHostRecords } from '../hyperv/hyperv-discovery';
import { callOptions, startFakeHost } from '../hyperv/hyperv-test-support';
import { connectorLookupFromInventory, createDriverRegistry, type DriverRegistry } from '../registry';
import { createEqualLogicConnector, discoverEqualLogic } from './eql-array';
import type { EqlClient } from './eql-client';
import { naaFromEqlTarget } from './eql-naa';
import { FakeEqlGroup } from './fake/fake-eql-group';
import { sanOfGroup } from './fake/fake-eql-san';
import { clientOfFakeGroup } from './fake/test-client';

/** hv01's iSCSI initiator: the live volume's access record names it. */
export const HOST_IQN = 'iqn.1991-05.com.microsoft:hv01.example.test';
export const ARRAY_ID = 'group1';

export interface HypervOnEql {
  h: Harness;
  host: Awaited<ReturnType<typeof startFakeHost>>;
  group: FakeEqlGroup;
  san: ReturnType<typeof sanOfGroup>;
  eql: EqlClient;
  inventory: Inventory;
  drivers: DriverRegistry;
  vmIdOf(name: string): string;
  /** The backup request of vmfs01: an array capture (crash-consistent or better), the VMs' disks copied. */
  request(): BackupPlanRequest;
  /** Plans that backup from the stored inventory and enqueues it; `extra` joins the request. */
  enqueue(extra?: Partial<BackupPlanRequest>): Promise<OperationRecord>;
  close(): Promise<void>;
}

export async function openHypervOnEql(dialect: StoreDialect): Promise<HypervOnEql> {
  const host = await startFakeHost(32 * 1024);
  const group = new FakeEqlGroup();
  const vmfs01 = group.addVolume('vmfs01', 4 * 1024 * 1024);
  vmfs01.access.push({ id: 1, initiator: HOST_IQN });
  group.addVolume('scratch01', 1024 * 1024);
  await group.start();
  const san = sanOfGroup(group, HOST_IQN, [vmfs01.iscsiName]);
  host.model.state.san = san;
  // D:'s disk is vmfs01 as Windows lists it: UniqueId = the volume's NAA id, upper case.
  const d = host.model.state.volumes.find((volume) => volume.name === 'D:\\');
  if (d) d.diskUniqueId = String(naaFromEqlTarget(vmfs01.iscsiName)).toUpperCase();
  const client = host.connect();
  const eql = clientOfFakeGroup(group);
  const guest = { user: GUEST_USER, password: GUEST_PASSWORD };
  const synced = mapHost(await readHostRecords(client, guest, callOptions())).inventory;
  const found = await discoverEqualLogic(eql, ARRAY_ID, 'group1', callOptions());
  const h = await createHarness({ dialect, inventory: () => emptyInventory() });
  const ctx = createServiceContext({ now: () => h.clock.now(), newId: h.newId });
  await importInventory(h.stores, ctx, synced, 'replace');
  await importInventory(
    h.stores,
    ctx,
    { arrays: [found.array], arrayVolumes: found.arrayVolumes, consistencyGroups: found.consistencyGroups },
    'merge',
  );
  const inventory = await h.stores.inventory.loadInventory();
  const hyperv = new HypervConnector(() => [
    { name: 'hv01', client, guestCredential: async () => guest, hostId: synced.hosts[0].id },
  ]);
  const equallogic = createEqualLogicConnector(() => [{ name: 'group1', arrayId: ARRAY_ID, client: eql }]);
  const drivers = createDriverRegistry({
    lookup: connectorLookupFromInventory(inventory),
    connectors: [hyperv, equallogic],
    repository: h.driver.repository,
  });
  const run: HypervOnEql = {
    h,
    host,
    group,
    san,
    eql,
    inventory,
    drivers,
    vmIdOf: (name) => inventory.vms.find((vm) => vm.name === name)?.id as string,
    request: () => ({
      scope: { kind: 'array-volume', arrayVolumeId: `${ARRAY_ID}:vol:vmfs01` },
      methodByVm: Object.fromEntries(inventory.vms.map((vm) => [vm.id, 'array-snapshot'])),
      consistencyPolicy: 'fallback',
      passthroughPolicy: 'skip',
    }),
    enqueue: (extra = {}) => h.enqueueBackup({ ...run.request(), ...extra }, { inventory }),
    async close() {
      await h.close();
      await eql.close();
      await host.dispose();
      await group.stop();
    },
  };
  return run;
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
