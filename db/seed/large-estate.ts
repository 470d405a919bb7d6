/**
 * A synthetic large estate for scale work (issue 2, "Scale"): by default 1,000 hosts, 20,000 VMs
 * and 60,000 virtual disks, with host volumes, guest volumes, arrays, LUNs and consistency groups.
 *
 * Deterministic: the same options always give the same estate (seeded PRNG), so a slow page can be
 * reproduced. Problems appear at plausible rates (a few percent of VMs with stopped integration
 * services, FAT volumes, pass-through disks, hosts with only WSB, ...) so the findings filters and
 * the dashboard have realistic distributions to work with.
 */

import { evaluateInventory } from '../../server/engine/evaluate';
import type {
  Application,
  ArrayVolume,
  ConsistencyGroup,
  GuestVolume,
  Host,
  HostVolume,
  Inventory,
  StorageArray,
  VirtualDisk,
  Vm,
} from '../../server/engine/inventory';
import { type Db, sqliteOf } from '../client';
import type { AssessmentSummary } from '../stores/assessment-rows';
import { clearInventory, writeAssessments, writeInventory } from '../stores/sqlite/inventory-rows';
import { seededRandom } from './random';

/** Kept where callers found it before it moved to random.ts. */
export { seededRandom };

export interface LargeEstateOptions {
  hosts: number;
  vms: number;
  /** Virtual disks per VM (the default 3 gives 60,000 disks for 20,000 VMs). */
  disksPerVm: number;
  seed: number;
}

export const LARGE_ESTATE_DEFAULTS: LargeEstateOptions = {
  hosts: 1_000,
  vms: 20_000,
  disksPerVm: 3,
  seed: 20_260_101,
};

const GIB = 1024 ** 3;
const XEN_POOL_SIZE = 8;
const HOSTS_PER_ARRAY = 50;
const LUNS_PER_HOST = 2;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export function generateLargeEstate(partial: Partial<LargeEstateOptions> = {}): Inventory {
  const options = { ...LARGE_ESTATE_DEFAULTS, ...partial };
  if (options.hosts < 1 || options.vms < 0 || options.disksPerVm < 1) {
    throw new Error('A large estate needs at least one host and one disk per VM');
  }
  const random = seededRandom(options.seed);
  const chance = (p: number) => random() < p;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

  const hosts: Host[] = [];
  const hostVolumes: HostVolume[] = [];
  const arrays: StorageArray[] = [];
  const arrayVolumes: ArrayVolume[] = [];
  const consistencyGroups: ConsistencyGroup[] = [];
  const vms: Vm[] = [];
  const virtualDisks: VirtualDisk[] = [];
  const guestVolumes: GuestVolume[] = [];

  // Arrays: one per 50 hosts. A LUN is presented to one host (as on real estates: zoning and
  // masking keep LUNs private), two LUNs per host; half of the hosts have their pair in one
  // consistency group, the other half span two LUNs without one.
  const arrayCount = Math.max(1, Math.ceil(options.hosts / HOSTS_PER_ARRAY));
  for (let a = 0; a < arrayCount; a++) {
    const vendor = a % 3 === 0 ? 'equallogic' : a % 7 === 6 ? 'other' : 'netapp';
    const array: StorageArray = {
      id: `arr-${pad(a, 3)}`,
      name: `${vendor === 'netapp' ? 'fas' : vendor === 'equallogic' ? 'eql' : 'msa'}-${pad(a, 3)}`,
      vendor,
      supportsSnapshots: vendor !== 'other' || chance(0.5),
      connector: 'lab',
    };
    arrays.push(array);
    for (let l = 0; l < HOSTS_PER_ARRAY * LUNS_PER_HOST; l++) {
      const pair = Math.floor(l / LUNS_PER_HOST);
      let consistencyGroupId: string | null = null;
      if (pair % 2 === 0) {
        consistencyGroupId = `cg-${pad(a, 3)}-${pad(pair, 3)}`;
        if (l % LUNS_PER_HOST === 0) {
          consistencyGroups.push({ id: consistencyGroupId, arrayId: array.id, name: `cg_${pad(pair, 3)}` });
        }
      }
      arrayVolumes.push({
        id: `lun-${pad(a, 3)}-${pad(l, 3)}`,
        arrayId: array.id,
        name: `lun_${pad(l, 3)}`,
        supportsSnapshots: !chance(0.03),
        consistencyGroupId,
      });
    }
  }

  // Hosts: four in five Hyper-V; Xen hosts in pools of eight, the newest pools past quiesce removal.
  const volumesByHost: HostVolume[][] = [];
  for (let h = 0; h < options.hosts; h++) {
    const isXen = h % 5 === 4;
    const pool = isXen ? `pool-${pad(Math.floor(h / (5 * XEN_POOL_SIZE)), 3)}` : null;
    const host: Host = {
      id: `h-${pad(h, 4)}`,
      name: isXen ? `xs-${pad(h, 4)}` : `hv-${pad(h, 4)}`,
      kind: isXen ? 'xenserver' : 'hyperv',
      version: isXen
        ? pick(['7.1 CU2', '8.2 CU1'])
        : pick(['Windows Server 2016', 'Windows Server 2019', 'Windows Server 2022']),
      pool,
      hasVssAwareProduct: isXen || !chance(0.1),
      offersQuiescedSnapshots: false,
      connector: 'lab',
    };
    host.offersQuiescedSnapshots = isXen && host.version.startsWith('7.');
    hosts.push(host);
    const volumeCount = 2 + Math.floor(random() * 3);
    const volumes: HostVolume[] = [];
    for (let v = 0; v < volumeCount; v++) {
      const id = `hv-${pad(h, 4)}-${v}`;
      const size = (1 + Math.floor(random() * 8)) * 512 * GIB;
      // The host's first two volumes sit on its own LUNs for 40% of hosts.
      const lun = v < LUNS_PER_HOST && h % 5 < 2 ? arrayVolumes[h * LUNS_PER_HOST + v] : null;
      const vssEnabled = isXen || !chance(0.02);
      volumes.push({
        id,
        hostId: host.id,
        name: isXen ? `SR ${pad(h, 4)}-${v}` : `${String.fromCharCode(68 + v)}:`,
        kind: isXen ? 'sr' : 'volume',
        sizeBytes: size,
        freeBytes: Math.floor(size * (0.1 + random() * 0.6)),
        vssEnabled,
        shadowStorageVolumeId: isXen || !vssEnabled ? null : id,
        shadowStorageLimitBytes:
          isXen || !vssEnabled ? null : chance(0.05) ? 4 * GIB : Math.floor(size * 0.1),
        arrayVolumeId: lun?.id ?? null,
        // A pool's SRs as a sync reads them: shared iSCSI whose driver snapshots (XS-SR-* stay quiet).
        ...(isXen ? { storageType: 'lvmoiscsi', isShared: true, canSnapshot: true } : {}),
      });
    }
    volumesByHost.push(volumes);
    hostVolumes.push(...volumes);
  }

  const applicationsFor = (): Application[] => {
    const roll = random();
    if (roll < 0.1) return ['sqlserver'];
    if (roll < 0.13) return ['exchange'];
    if (roll < 0.3) return ['other'];
    return [];
  };

  for (let i = 0; i < options.vms; i++) {
    const hostIndex = i % options.hosts;
    const host = hosts[hostIndex];
    const volumes = volumesByHost[hostIndex];
    const isXen = host.kind === 'xenserver';
    const osFamily = isXen && chance(0.4) ? 'linux' : chance(0.1) ? 'linux' : 'windows';
    const vmId = `vm-${pad(i, 5)}`;
    const vm: Vm = {
      id: vmId,
      name: `${osFamily === 'linux' ? 'lnx' : 'win'}-${pad(i, 5)}`,
      hostId: host.id,
      osFamily,
      powerState: chance(0.9) ? 'running' : pick(['off', 'saved', 'paused'] as const),
      applications: applicationsFor(),
      backupIntegrationService: isXen
        ? null
        : chance(0.04)
          ? pick(['stopped', 'missing'] as const)
          : 'running',
      hasXenVssProvider: isXen && osFamily === 'windows' && chance(0.7),
      snapshotLocationVolumeId:
        !isXen && volumes.length > 1 && chance(0.02) ? volumes[volumes.length - 1].id : null,
      hasFreezeScripts: chance(0.3),
      dailyChangeBytes: Math.floor((0.5 + random() * 20) * GIB),
      tags: chance(0.5) ? [pick(['production', 'test', 'dev', 'dmz'])] : [],
    };
    vms.push(vm);
    const homeVolume = volumes[i % volumes.length];
    for (let d = 0; d < options.disksPerVm; d++) {
      const isPassthrough = !isXen && d > 0 && chance(0.01);
      const diskId = `d-${pad(i, 5)}-${d}`;
      const volume = d === 0 || chance(0.8) ? homeVolume : pick(volumes);
      virtualDisks.push({
        id: diskId,
        vmId,
        name: isPassthrough ? `${vm.name} physical disk ${d}` : `${vm.name}-disk${d}${isXen ? '' : '.vhdx'}`,
        kind: isPassthrough ? 'passthrough' : isXen ? 'vdi' : 'vhdx',
        sizeBytes: (d === 0 ? 60 : 100 + Math.floor(random() * 900)) * GIB,
        hostVolumeId: isPassthrough ? null : volume.id,
        arrayVolumeId: isPassthrough && chance(0.5) ? arrayVolumes[hostIndex * LUNS_PER_HOST + 1].id : null,
        // Raw LVs, copyable out of array snapshots (XS-ARRAY-COPY-VHD); no draw, so the estate stays the same.
        ...(isXen && !isPassthrough ? { storageFormat: 'raw' as const } : {}),
      });
      // Two guest volumes for the first two disks; further disks are raw data disks.
      if (d < 2) {
        const mountPoint = osFamily === 'linux' ? (d === 0 ? '/' : '/data') : d === 0 ? 'C:' : 'D:';
        const isWindows = osFamily === 'windows';
        guestVolumes.push({
          id: `g-${pad(i, 5)}-${d}`,
          vmId,
          mountPoint,
          fileSystem: isWindows ? (chance(0.01) ? 'fat32' : 'ntfs') : pick(['ext4', 'xfs'] as const),
          diskType: isWindows && chance(0.02) ? 'dynamic' : 'basic',
          vssEnabled: isWindows && !chance(0.02),
          shadowStorageOn: isWindows ? (d === 1 && chance(0.05) ? 'C:' : mountPoint) : null,
          diskId,
        });
      }
    }
  }

  return { hosts, hostVolumes, vms, virtualDisks, guestVolumes, arrays, arrayVolumes, consistencyGroups };
}

export interface SeedLargeEstateResult {
  counts: Record<keyof Inventory, number>;
  assessment: AssessmentSummary;
  elapsedMs: number;
}

/**
 * Replaces the inventory with a generated estate and assesses it, in one transaction. The
 * generator's output is valid by construction, so it skips the import validation and goes
 * straight to the prepared-statement writer.
 */
export function seedLargeEstate(db: Db, partial: Partial<LargeEstateOptions> = {}): SeedLargeEstateResult {
  const started = performance.now();
  const inventory = generateLargeEstate(partial);
  const seed = sqliteOf(db).transaction(() => {
    clearInventory(db);
    writeInventory(db, inventory, 'insert');
    return writeAssessments(db, inventory, evaluateInventory(inventory));
  });
  const assessment = seed.immediate();
  const counts = Object.fromEntries(
    Object.entries(inventory).map(([section, items]) => [section, items.length]),
  ) as Record<keyof Inventory, number>;
  return { counts, assessment, elapsedMs: Math.round(performance.now() - started) };
}
