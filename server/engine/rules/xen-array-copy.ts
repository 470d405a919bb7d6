/**
 * XS-ARRAY-COPY-VHD (docs/domain.md §9, XenServer): an array snapshot of a XenServer VM is copied
 * to the repository out of the snapshot's clone, through dom0 (drivers/xapi/xapi-array-copy.ts):
 * the clone's VG is imported under a name of its own and each disk's LV read, a raw one
 * (`LV-<vdi uuid>`) as it is, a VHD one (`VHD-<uuid>`, LVHD's default) decoded with its chain
 * followed inside the clone. A disk whose format was not read (neither raw nor VHD as far as the
 * pool said, e.g. a format this reader does not know) is not assumed readable: a warning. An SR the
 * copy does not read at all (not LVM over iSCSI, or of a type not read) is XS-ARRAY-COPY-SR-TYPE's.
 *
 * Keeping the array snapshot on the array (the job option) does not help: it still copies.
 */
import type { DiskStorageFormat, HostVolume, VirtualDisk } from '../inventory';
import type { Finding, ObjectRef, Severity } from '../types';
import { ARRAY_METHODS, diskRef, flat, listNames, listQuotedNames, type RuleContext } from './context';

/** The SR type the copy reads out of an array snapshot's clone. */
const READABLE_SR_TYPE = 'lvmoiscsi';

interface DiskOnArray {
  disk: VirtualDisk;
  sr: HostVolume;
}

/** What a disk on an array-backed SR says; the first matching row decides. */
const ROWS: readonly {
  when: (format: DiskStorageFormat | null, srType: string | null) => boolean;
  finding: null | {
    severity: Severity;
    message: (vmName: string, disks: string, srs: string) => string;
    remedy: (vmName: string, disks: string, srs: string) => string;
  };
}[] = [
  // An SR the copy does not read at all is XS-ARRAY-COPY-SR-TYPE's blocker (xen-array-copy-sr.ts);
  // its disks' formats add nothing to it.
  { when: (_, srType) => srType !== null && srType !== READABLE_SR_TYPE, finding: null },
  { when: (format) => format === 'raw' || format === 'vhd', finding: null },
  {
    when: () => true,
    finding: {
      severity: 'warning',
      message: (vm, disks) =>
        flat`Could not read how ${disks} of VM '${vm}' on an SR backed by an array LUN are stored: only raw and VHD disks are copied out of an array snapshot, so the array snapshot's copy may fail.`,
      remedy: (vm) =>
        flat`Sync the pool of '${vm}' again so its disks' formats are read (\`xe vdi-param-get uuid=<vdi> param-name=sm-config\` shows vdi_type), or back '${vm}' up with a XenServer snapshot (xen-snapshot) instead.`,
    },
  },
];

/** The VM's XenServer disks on SRs that an array LUN backs: what the array snapshot must copy. */
function disksOnArraySrs(ctx: RuleContext): DiskOnArray[] {
  const onArray: DiskOnArray[] = [];
  for (const disk of ctx.disks) {
    if (disk.kind !== 'vdi' || !disk.hostVolumeId) continue;
    const sr = ctx.index.hostVolumesById.get(disk.hostVolumeId);
    if (sr?.arrayVolumeId) onArray.push({ disk, sr });
  }
  return onArray;
}

/** `SR 'a' (lvmohba)`, `SRs 'a' (ext) and 'b' (lvmohba)`: each SR once, with its type when read. */
function srWords(disks: DiskOnArray[]): string {
  const srs = [...new Map(disks.map(({ sr }) => [sr.id, sr])).values()];
  const named = srs.map((sr) => `'${sr.name}'${sr.storageType ? ` (${sr.storageType})` : ''}`);
  return `SR${srs.length > 1 ? 's' : ''} ${listNames(named)}`;
}

/** Appends XS-ARRAY-COPY-VHD for a XenServer VM on array LUNs: one finding per row that fires. */
export function checkArrayCopyFormats(ctx: RuleContext, findings: Finding[]): void {
  if (ctx.host.kind !== 'xenserver' || ctx.arrayVolumes.length === 0) return;
  const disks = disksOnArraySrs(ctx);
  if (disks.length === 0) return;
  const byRow = new Map<(typeof ROWS)[number], DiskOnArray[]>();
  for (const entry of disks) {
    const row = ROWS.find((candidate) =>
      candidate.when(entry.disk.storageFormat ?? null, entry.sr.storageType ?? null),
    );
    if (!row?.finding) continue;
    byRow.set(row, [...(byRow.get(row) ?? []), entry]);
  }
  for (const row of ROWS) {
    const rowDisks = byRow.get(row);
    if (!rowDisks || !row.finding) continue;
    const plain = rowDisks.map(({ disk }) => disk);
    const words = `disk${plain.length > 1 ? 's' : ''} ${listQuotedNames(plain)}`;
    const srs = srWords(rowDisks);
    const objects: ObjectRef[] = [ctx.vmRef, ...plain.map(diskRef)];
    findings.push({
      ruleId: 'XS-ARRAY-COPY-VHD',
      severity: row.finding.severity,
      vmId: ctx.vm.id,
      methods: ARRAY_METHODS,
      message: row.finding.message(ctx.vm.name, words, srs),
      remedy: row.finding.remedy(ctx.vm.name, words, srs),
      objects,
    });
  }
}
