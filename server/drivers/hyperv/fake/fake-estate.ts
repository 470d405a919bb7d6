/**
 * The estate the tests run against, shaped like a real small Hyper-V host (CONNECTORS.md §2.7):
 * - hv01 with C: (system), D: (VMs) and E:, where D:'s shadow storage sits on E: (recorded as the
 *   host volume's shadow-storage volume; the rule "shadow storage on another volume" reads guest
 *   volumes, so a test that wants it moves a guest volume's shadow copies, as the e2e spec does);
 * - sql01: running, generation 2, two VHDX on D:, VSS integration service OK, SQL Server in the
 *   guest, a guest credential for PowerShell Direct;
 * - file01: running, a VHDX plus a pass-through disk (disk number 3), no guest credential;
 * - web01: off, one VHDX, the VSS integration service disabled.
 * Disk files hold real bytes, so copies, restores and hashes are checked against data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CHECKPOINT_TYPE,
  type FakeDrive,
  type FakeGuest,
  type FakeHostState,
  FakeHypervModel,
  type FakeIntegrationService,
  fakeVhdxBytes,
  VM_STATE,
} from './fake-hyperv-model';
import { emptyWsb } from './fake-wsb';

export const GIB = 1024 ** 3;
export const VSS_COMPONENT = '35FA2E29-EA23-4236-96AE-3A6EBACBA440';
const HEARTBEAT_COMPONENT = '84EAAE65-2F2E-45F5-9BB5-0E857DC8EB47';

export const SQL01 = '0b6c5a2e-0000-4000-8000-00000000a001';
export const FILE01 = '0b6c5a2e-0000-4000-8000-00000000a002';
export const WEB01 = '0b6c5a2e-0000-4000-8000-00000000a003';
export const GUEST_USER = 'SQL01\\Administrator';
export const GUEST_PASSWORD = 'guest-s3cret';

const volumeId = (n: number) => `\\\\?\\Volume{cbd6257a-0000-4000-8000-00000000000${n}}\\`;

function services(vmId: string, vss: Partial<FakeIntegrationService> = {}): FakeIntegrationService[] {
  return [
    {
      id: `Microsoft:${vmId.toUpperCase()}\\${VSS_COMPONENT}`,
      name: 'VSS',
      enabled: true,
      primaryCode: 2,
      primary: 'OK',
      secondary: null,
      ...vss,
    },
    {
      id: `Microsoft:${vmId.toUpperCase()}\\${HEARTBEAT_COMPONENT}`,
      name: 'Heartbeat',
      enabled: true,
      primaryCode: 2,
      primary: 'OK',
      secondary: 'OK',
    },
  ];
}

function vhdx(location: number, windowsPath: string, sizeBytes: number): FakeDrive {
  return {
    controllerType: 1,
    controllerNumber: 0,
    controllerLocation: location,
    path: windowsPath,
    diskNumber: null,
    basePath: null,
    sizeBytes,
  };
}

function sqlGuest(): FakeGuest {
  return {
    user: GUEST_USER,
    password: GUEST_PASSWORD,
    isDirectAvailable: true,
    hasFailedVssWriter: false,
    volumes: [
      {
        deviceId: volumeId(7),
        driveLetter: 'C:',
        fileSystem: 'NTFS',
        capacity: 60 * GIB,
        freeSpace: 20 * GIB,
        diskNumber: 0,
        isDynamic: false,
      },
      {
        deviceId: volumeId(8),
        driveLetter: 'F:',
        fileSystem: 'ReFS',
        capacity: 100 * GIB,
        freeSpace: 40 * GIB,
        diskNumber: 1,
        isDynamic: false,
      },
    ],
    shadowStorage: [
      { volume: volumeId(7), diffVolume: volumeId(7), usedSpace: 0, allocatedSpace: 0, maxSpace: 6 * GIB },
    ],
    services: [{ name: 'MSSQLSERVER', status: 4 }],
    commands: {
      'C:\\Scripts\\pre-freeze.cmd': { exitCode: 0, output: 'databases quiesced\r\n' },
      'C:\\Scripts\\post-thaw.cmd': { exitCode: 0, output: 'resumed\r\n' },
    },
    ran: [],
  };
}

/** HV01's fixed volumes: C: on a local disk, D: (the VMs) on a NetApp LUN, E: scratch. */
function hostVolumes(): FakeHostState['volumes'] {
  return [
    {
      deviceId: volumeId(1),
      name: 'C:\\',
      label: 'System',
      fileSystem: 'NTFS',
      capacity: 120 * GIB,
      freeSpace: 60 * GIB,
      // A local disk: its UniqueId is no NAA id (an EUI-64 / vendor id).
      diskUniqueId: '{a1b2c3d4-0000-4000-8000-0000000000c0}',
    },
    {
      deviceId: volumeId(2),
      name: 'D:\\',
      label: 'VMs',
      fileSystem: 'NTFS',
      capacity: 2000 * GIB,
      freeSpace: 900 * GIB,
      // A NetApp LUN over iSCSI: Get-Disk's UniqueId is its NAA id (600a0980 + hex of serial 80Ck7$000001).
      diskUniqueId: '600A09803830436B3724303030303031',
    },
    {
      deviceId: volumeId(3),
      name: 'E:\\',
      label: 'Scratch',
      fileSystem: 'ReFS',
      capacity: 500 * GIB,
      freeSpace: 450 * GIB,
    },
  ];
}

/** A fresh estate under a new temp directory; `dispose` removes the files. */
export function createFakeEstate(diskBytes = 256 * 1024): { model: FakeHypervModel; dispose(): void } {
  const root = mkdtempSync(path.join(tmpdir(), 'migawka-hyperv-'));
  const state: FakeHostState = {
    computerName: 'HV01',
    osVersion: '10.0.20348',
    isElevated: true,
    hasHyperVModule: true,
    volumes: hostVolumes(),
    shadowStorage: [
      {
        volume: volumeId(2),
        diffVolume: volumeId(3),
        usedSpace: 2_072_321_720,
        allocatedSpace: 2 * GIB,
        maxSpace: 10 * GIB,
      },
    ],
    csvs: [],
    isWsbInstalled: false,
    wsb: emptyWsb(),
    vssWritersText:
      "Writer name: 'Microsoft Hyper-V VSS Writer'\n   Writer Id: {66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}\n   Writer Instance Id: {0a1b2c3d-0000-4000-8000-000000000001}\n   State: [1] Stable\n   Last error: No error\n",
    vms: [
      {
        id: SQL01,
        name: 'sql01',
        state: VM_STATE.Running,
        generation: 2,
        version: '10.0',
        checkpointType: CHECKPOINT_TYPE.Production,
        path: 'D:\\Hyper-V\\sql01',
        snapshotFileLocation: 'D:\\Hyper-V\\sql01',
        drives: [
          vhdx(0, 'D:\\Hyper-V\\sql01\\os.vhdx', 60 * GIB),
          vhdx(1, 'D:\\Hyper-V\\sql01\\data.vhdx', 100 * GIB),
        ],
        integrationServices: services(SQL01),
        checkpoints: [],
        mergeTicksLeft: 0,
        guest: sqlGuest(),
      },
      {
        id: FILE01,
        name: 'file01',
        state: VM_STATE.Running,
        generation: 2,
        version: '9.0',
        checkpointType: CHECKPOINT_TYPE.Production,
        path: 'D:\\Hyper-V\\file01',
        snapshotFileLocation: 'C:\\ProgramData\\Microsoft\\Windows\\Hyper-V',
        drives: [
          vhdx(0, 'D:\\Hyper-V\\file01\\os.vhdx', 40 * GIB),
          {
            controllerType: 1,
            controllerNumber: 0,
            controllerLocation: 1,
            path: 'Disk 3 50.00 GB Bus 0 Lun 1 Target 0',
            diskNumber: 3,
            basePath: null,
            sizeBytes: 50 * GIB,
          },
        ],
        integrationServices: services(FILE01),
        checkpoints: [],
        mergeTicksLeft: 0,
        guest: null,
      },
      {
        id: WEB01,
        name: 'web01',
        state: VM_STATE.Off,
        generation: 1,
        version: '8.0',
        checkpointType: CHECKPOINT_TYPE.Standard,
        path: 'D:\\Hyper-V\\web01',
        snapshotFileLocation: 'D:\\Hyper-V\\web01',
        drives: [{ ...vhdx(0, 'D:\\Hyper-V\\web01\\web.vhdx', 30 * GIB), controllerType: 0 }],
        integrationServices: services(WEB01, { enabled: false, primary: 'OK' }),
        checkpoints: [],
        mergeTicksLeft: 0,
        guest: null,
      },
    ],
    mergeTicks: 0,
    log: [],
  };
  const model = new FakeHypervModel(root, state);
  for (const vm of state.vms) {
    for (const drive of vm.drives) {
      if (drive.diskNumber === null)
        model.writeFile(drive.path, fakeVhdxBytes(diskBytes, `${vm.name}:${drive.path}`));
    }
  }
  return { model, dispose: () => rmSync(root, { recursive: true, force: true }) };
}
