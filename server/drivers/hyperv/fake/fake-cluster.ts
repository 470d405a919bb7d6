/**
 * A two-node fake failover cluster for the tests: HV01 (the estate of fake-estate.ts) and HV02,
 * each a real SSH server on loopback with its own host key, sharing one `FakeCluster` (both
 * answer Get-Cluster* the same) and one file root (a CSV's files are the same files on every
 * node). web01's disk lives on the CSV `C:\ClusterStorage\Volume1`, mounted on both nodes, and
 * web01 is a clustered VM role owned by HV01; `moveVm` live-migrates it.
 */
import { createFakeEstate, WEB01 } from './fake-estate';
import { type FakeCluster, FakeHypervModel, type FakeVolume } from './fake-hyperv-model';
import { FakeWindowsHost, testKey } from './fake-windows-host';

const GIB = 1024 ** 3;
export const CLUSTER_NAME = 'HVCLUSTER1';
export const CSV_PATH = 'C:\\ClusterStorage\\Volume1';
export const CSV_VOLUME = '\\\\?\\Volume{c5c5c5c5-0000-4000-8000-000000000001}\\';
export const NODE_ACCOUNT = { username: 'CONTOSO\\migawka', password: 'cluster-s3cret' };

/** Win32_Volume of a CSV mount as a node lists it: the CSV file system, at the ClusterStorage path. */
function csvMount(): FakeVolume {
  return {
    deviceId: CSV_VOLUME,
    name: `${CSV_PATH}\\`,
    label: '',
    fileSystem: 'CSVFS',
    capacity: 4096 * GIB,
    freeSpace: 3000 * GIB,
  };
}

export async function startFakeCluster() {
  const estate = createFakeEstate();
  const hv01 = estate.model;
  const web01 = hv01.vmById(WEB01);
  const [drive] = web01.drives;
  const onCsv = `${CSV_PATH}\\web01\\web.vhdx`;
  hv01.writeFile(onCsv, hv01.readFile(drive.path));
  drive.path = onCsv;
  drive.basePath = drive.basePath ? onCsv : null;
  web01.path = `${CSV_PATH}\\web01`;
  web01.snapshotFileLocation = `${CSV_PATH}\\web01`;
  const cluster: FakeCluster = {
    name: CLUSTER_NAME,
    nodes: [
      { name: 'HV01', id: '1', state: 0 },
      { name: 'HV02', id: '2', state: 0 },
    ],
    csvs: [
      {
        name: 'Cluster Disk 1',
        state: 2,
        ownerNode: 'HV01',
        friendlyVolumeName: CSV_PATH,
        volumeName: CSV_VOLUME,
        fileSystem: 'NTFS',
        size: 4096 * GIB,
        freeSpace: 3000 * GIB,
      },
    ],
    roles: [{ name: 'web01', ownerNode: 'HV01', state: 0, vmId: WEB01 }],
  };
  hv01.state.cluster = cluster;
  hv01.state.volumes.push(csvMount());
  hv01.state.csvs = [{ name: 'Cluster Disk 1', path: CSV_PATH }];
  const hv02 = new FakeHypervModel(hv01.root, {
    ...hv01.state,
    computerName: 'HV02',
    volumes: [hv01.state.volumes[0], csvMount()],
    shadowStorage: [],
    vms: [],
    log: [],
  });
  const nodes = {
    HV01: new FakeWindowsHost({ model: hv01, accounts: [NODE_ACCOUNT], hostKey: testKey('host-a') }),
    HV02: new FakeWindowsHost({ model: hv02, accounts: [NODE_ACCOUNT], hostKey: testKey('host-b') }),
  };
  await nodes.HV01.start();
  await nodes.HV02.start();
  return {
    cluster,
    models: { HV01: hv01, HV02: hv02 },
    nodes,
    /** Where each node answers SSH (node names do not resolve on loopback). */
    addressOf: (node: string) => ({ host: '127.0.0.1', port: nodes[node as 'HV01' | 'HV02'].port }),
    /** Live-migrates a VM: it leaves one node's VM list for the other's, and its role changes owner. */
    moveVm(vmId: string, to: 'HV01' | 'HV02') {
      const from = to === 'HV01' ? hv02 : hv01;
      const target = to === 'HV01' ? hv01 : hv02;
      const vm = from.vmById(vmId);
      from.state.vms.splice(from.state.vms.indexOf(vm), 1);
      target.state.vms.push(vm);
      for (const role of cluster.roles) if (role.vmId === vmId) role.ownerNode = to;
    },
    async dispose() {
      await nodes.HV01.stop();
      await nodes.HV02.stop();
      estate.dispose();
    },
  };
}
