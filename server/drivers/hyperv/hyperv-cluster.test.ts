/**
 * Failover clusters over real SSH: two fake nodes on loopback (fake/fake-cluster.ts) answer
 * cluster-facts, host-facts and list-vms in Windows PowerShell 5.1's shapes; the cluster's read
 * merges them into one inventory where a CSV is one shared volume and a VM that moved between
 * nodes is the same VM.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CLUSTER_NAME, NODE_ACCOUNT, startFakeCluster } from './fake/fake-cluster';
import { WEB01 } from './fake/fake-estate';
import { HypervClient } from './hyperv-client';
import { type ClusterFactsRecord, mapCluster, readClusterFacts, readClusterNodes } from './hyperv-cluster';
import { vmInventoryId } from './hyperv-discovery';
import { callOptions, memoryHostKeys, startFakeHost } from './hyperv-test-support';

const disposers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const dispose of disposers.splice(0).reverse()) await dispose();
});

async function cluster() {
  const fake = await startFakeCluster();
  const hostKeys = memoryHostKeys();
  const clients = new Map<string, HypervClient>();
  const clientFor = (node: string) => {
    let client = clients.get(node);
    if (!client) {
      const { host, port } = fake.addressOf(node);
      client = new HypervClient({
        label: `node ${node}`,
        host,
        port,
        credential: async () => NODE_ACCOUNT,
        hostKeys,
      });
      clients.set(node, client);
    }
    return client;
  };
  disposers.push(async () => {
    await Promise.all([...clients.values()].map((client) => client.close()));
    await fake.dispose();
  });
  const read = async () => {
    const facts = await readClusterFacts(clientFor('HV01'), callOptions());
    if (!facts.ClusterName) throw new Error('HV01 answered no cluster');
    const named = facts as ClusterFactsRecord & { ClusterName: string };
    return mapCluster(named, await readClusterNodes(named, clientFor, null, callOptions()));
  };
  return { fake, hostKeys, clientFor, read };
}

const WEB = vmInventoryId(WEB01);

describe('Hyper-V failover cluster', () => {
  it('cluster-facts answers the cluster in PS 5.1 shapes (enums as numbers, one CSV and one role unwrapped)', async () => {
    const { clientFor } = await cluster();
    expect(await readClusterFacts(clientFor('HV02'), callOptions())).toEqual({
      ClusterName: CLUSTER_NAME,
      Nodes: [
        { Name: 'HV01', Id: '1', State: 0 },
        { Name: 'HV02', Id: '2', State: 0 },
      ],
      SharedVolumes: [
        {
          Name: 'Cluster Disk 1',
          State: 2,
          OwnerNode: 'HV01',
          FriendlyVolumeName: 'C:\\ClusterStorage\\Volume1',
          VolumeName: '\\\\?\\Volume{c5c5c5c5-0000-4000-8000-000000000001}\\',
          FileSystem: 'NTFS',
          Size: 4096 * 1024 ** 3,
          FreeSpace: 3000 * 1024 ** 3,
        },
      ],
      VmRoles: [{ Name: 'web01', OwnerNode: 'HV01', State: 0, VmId: WEB01 }],
    });
  });

  it('a stand-alone host answers no cluster', async () => {
    const fake = await startFakeHost();
    disposers.push(() => fake.dispose());
    expect(await readClusterFacts(fake.connect(), callOptions())).toEqual({
      ClusterName: null,
      Nodes: [],
      SharedVolumes: [],
      VmRoles: [],
    });
  });

  it('reads every node, each pinned by its own key; a CSV is one shared volume under the VMs of any node', async () => {
    const { fake, hostKeys, read } = await cluster();
    const { inventory, facts } = await read();
    expect(inventory.hosts.map((host) => host.id)).toEqual(['hv-host:hv01', 'hv-host:hv02']);
    expect([...hostKeys.pins.entries()].sort()).toEqual(
      [
        [`127.0.0.1:${fake.nodes.HV01.port}`, fake.nodes.HV01.fingerprint],
        [`127.0.0.1:${fake.nodes.HV02.port}`, fake.nodes.HV02.fingerprint],
      ].sort(),
    );
    const csvs = inventory.hostVolumes.filter((volume) => volume.kind === 'csv');
    expect(csvs).toEqual([
      expect.objectContaining({
        id: 'hv-csv:hvcluster1:c5c5c5c5-0000-4000-8000-000000000001',
        hostId: 'hv-host:hv01',
        name: 'C:\\ClusterStorage\\Volume1',
        sizeBytes: 4096 * 1024 ** 3,
        vssEnabled: true,
      }),
    ]);
    const web = inventory.vms.find((vm) => vm.id === WEB);
    expect(web?.hostId).toBe('hv-host:hv01');
    expect(
      inventory.virtualDisks.filter((disk) => disk.vmId === WEB).map((disk) => disk.hostVolumeId),
    ).toEqual([csvs[0].id]);
    expect(facts.sharedVolumes).toEqual([
      {
        id: csvs[0].id,
        name: 'Cluster Disk 1',
        path: 'C:\\ClusterStorage\\Volume1',
        state: 'online',
        ownerNode: 'HV01',
        fileSystem: 'NTFS',
      },
    ]);
    expect(facts.vmRoles).toEqual([{ name: 'web01', vmId: WEB, ownerNode: 'HV01', state: 'online' }]);
  });

  it('a VM live-migrated to the other node is the same VM on its new host, its disk on the same CSV', async () => {
    const { fake, read } = await cluster();
    const before = await read();
    fake.moveVm(WEB01, 'HV02');
    const after = await read();
    expect(after.inventory.vms.filter((vm) => vm.id === WEB).map((vm) => vm.hostId)).toEqual([
      'hv-host:hv02',
    ]);
    expect(after.inventory.vms.map((vm) => vm.id).sort()).toEqual(
      before.inventory.vms.map((vm) => vm.id).sort(),
    );
    expect(after.inventory.virtualDisks.filter((disk) => disk.vmId === WEB)).toEqual(
      before.inventory.virtualDisks.filter((disk) => disk.vmId === WEB),
    );
    expect(after.facts.vmRoles[0].ownerNode).toBe('HV02');
  });

  it('a VM both nodes list mid-migration is kept once, on the node its role names as owner', async () => {
    const { fake, read } = await cluster();
    fake.models.HV02.state.vms.push(fake.models.HV01.vmById(WEB01));
    fake.cluster.roles[0].ownerNode = 'HV02';
    const { inventory } = await read();
    expect(inventory.vms.filter((vm) => vm.id === WEB).map((vm) => vm.hostId)).toEqual(['hv-host:hv02']);
    expect(inventory.virtualDisks.filter((disk) => disk.vmId === WEB)).toHaveLength(1);
  });

  const NODE_CASES: [
    string,
    () => (fake: Awaited<ReturnType<typeof startFakeCluster>>) => Promise<void>,
    string,
  ][] = [
    [
      'a node the cluster reports down is not tried',
      () => async (fake) => {
        fake.cluster.nodes[1].state = 1;
      },
      'node HV02 is down',
    ],
    [
      'a node that cannot be reached is unknown with the reason',
      () => async (fake) => {
        await fake.nodes.HV02.stop();
      },
      'cannot be reached',
    ],
  ];
  it.each(NODE_CASES)('%s: the other node is read, the missing one named', async (_what, breakIt, reason) => {
    const { fake, read } = await cluster();
    await breakIt()(fake);
    const { inventory, facts } = await read();
    expect(inventory.hosts.map((host) => host.id)).toEqual(['hv-host:hv01']);
    expect(facts.nodes.map((node) => [node.name, node.isRead])).toEqual([
      ['HV01', true],
      ['HV02', false],
    ]);
    expect(facts.nodes[1].unknown).toContain(reason);
  });
});
