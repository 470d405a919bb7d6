/**
 * Pools the tests start: a current XCP-ng 8.2 pool (API 2.20, no quiesce) with a member, and an
 * old XenServer 7.1 pool (API 2.7, quiesce still offered, no `ignore_vdis`). Both have a shared
 * iSCSI SR with its LUN's SCSI id, a local SR, a udev SR (a physical disk), dom0s, a template, a
 * Windows SQL VM with two disks and an empty CD drive, a Linux VM and a halted VM, and one
 * snapshot taken before Migawka (a restore point of sql01).
 */

import { METHODS } from './fake-methods';
import { diskBytes, FakePool } from './fake-pool';

export const DISK_SIZE = 256 * 1024;
export const ISCSI_SCSI_ID = '3600a098038303053453f463045727a41';

export interface FixturePool {
  pool: FakePool;
  master: string;
  member: string;
  iscsi: string;
  local: string;
  udev: string;
  sql01: string;
  web01: string;
  app01: string;
}

export function fixturePool(release: 'current' | 'old' = 'current'): FixturePool {
  const pool = new FakePool(release === 'current' ? 'pool-lab' : 'pool-legacy');
  const isCurrent = release === 'current';
  const seed = isCurrent
    ? { productVersion: '8.2.1', api: [2, 20] as [number, number], xapiVersion: '23.31.0' }
    : { productVersion: '7.1.2', api: [2, 7] as [number, number], xapiVersion: '1.9.0', brand: 'XenServer' };
  const master = pool.addHost({ name: 'xcp1', ...seed });
  const member = pool.addHost({ name: 'xcp2', ...seed });
  pool.addControlDomain(master, 'xcp1');
  pool.addControlDomain(member, 'xcp2');
  pool.addTemplate('Windows Server 2022 (64-bit)');
  pool.addSm('lvmoiscsi', ['VDI_CREATE', 'VDI_DELETE', 'VDI_SNAPSHOT', 'VDI_CLONE']);
  pool.addSm('ext', ['VDI_CREATE', 'VDI_DELETE', 'VDI_SNAPSHOT', 'VDI_CLONE']);
  pool.addSm('udev', ['VDI_INTRODUCE']);
  const iscsi = pool.addSr({
    name: 'ontap-lun0',
    type: 'lvmoiscsi',
    shared: true,
    size: 64 * 1024 * 1024,
    host: master,
    deviceConfig: { target: '192.0.2.50', targetIQN: 'iqn.1992-08.com.netapp:sn.1', SCSIid: ISCSI_SCSI_ID },
  });
  const local = pool.addSr({
    name: 'Local storage xcp1',
    type: 'ext',
    shared: false,
    size: 16 * 1024 * 1024,
    host: master,
  });
  const udev = pool.addSr({
    name: 'Removable storage',
    type: 'udev',
    shared: false,
    size: 4 * 1024 * 1024,
    host: master,
    deviceConfig: { location: '/dev/sdb' },
  });
  const sql01 = pool.addVm({
    name: 'sql01',
    host: master,
    disks: [
      { name: 'sql01 C:', sr: iscsi, bytes: diskBytes('sql01-c', DISK_SIZE), vdiType: 'vhd' },
      { name: 'sql01 D:', sr: iscsi, bytes: diskBytes('sql01-d', DISK_SIZE), cbt: true, vdiType: 'aio' },
    ],
    withCd: true,
    guest: { os: 'Microsoft Windows Server 2022 Standard', pvDrivers: true, canQuiesce: !isCurrent },
    tags: ['sqlserver'],
  });
  const web01 = pool.addVm({
    name: 'web01',
    host: member,
    disks: [{ name: 'web01 root', sr: local, bytes: diskBytes('web01-root', DISK_SIZE), vdiType: 'vhd' }],
    guest: { os: 'Debian GNU/Linux 12', distro: 'debian', pvDrivers: true },
  });
  const app01 = pool.addVm({
    name: 'app01',
    host: master,
    powerState: 'Halted',
    disks: [
      // No vdi_type in its sm_config: its format is not read (null), never assumed raw.
      { name: 'app01 os', sr: iscsi, bytes: diskBytes('app01-os', DISK_SIZE) },
      { name: 'app01 dongle', sr: udev, bytes: diskBytes('app01-usb', 64 * 1024) },
    ],
  });
  // Memory images (checkpoints, suspend) go to the shared SR; a host's own fallback is its local SR.
  pool.mod('pool', pool.poolRef, { suspend_image_SR: iscsi });
  pool.mod('host', master, { suspend_image_sr: local });
  // A snapshot taken outside Migawka: discovery shows it as a restore point of sql01.
  METHODS['VM.snapshot'](pool, [sql01, 'sql01 before patch']);
  return { pool, master, member, iscsi, local, udev, sql01, web01, app01 };
}
