/**
 * XS-ARRAY-COPY-VHD (docs/domain.md §9, XenServer): an array snapshot of a XenServer VM is copied
 * to the repository out of the snapshot's clone, through dom0, one raw LV (`LV-<vdi uuid>`) per
 * disk (drivers/xapi/xapi-array-copy.ts). A disk stored as a VHD (`VHD-<uuid>`, LVHD's default)
 * cannot be read that way yet: the run would refuse it, so the array method is blocked for the
 * VM before anything runs. A disk whose format was not read is not assumed raw: a warning.
 *
 * Keeping the array snapshot on the array (the job option) does not help: it still copies.
 */
import type { DiskStorageFormat, VirtualDisk } from '../inventory';
import type { Finding, ObjectRef, Severity } from '../types';
import { ARRAY_METHODS, diskRef, flat, listQuotedNames, type RuleContext } from './context';

/** What one storage format of the VM's disks on array-backed SRs says; the first matching row decides. */
const FORMAT_ROWS: readonly {
  when: (format: DiskStorageFormat | null) => boolean;
  finding: null | {
    severity: Severity;
    message: (vmName: string, disks: string) => string;
    remedy: (vmName: string, disks: string) => string;
  };
}[] = [
  { when: (format) => format === 'raw', finding: null },
  {
    when: (format) => format === 'vhd',
    finding: {
      severity: 'blocker',
      message: (vm, disks) =>
        flat`VM '${vm}' keeps ${disks} as VHD on an SR backed by an array LUN: disks stored as VHD cannot be copied out of an array snapshot yet, so an array snapshot of '${vm}' cannot reach the repository.`,
      remedy: (vm) =>
        flat`Back '${vm}' up with a XenServer snapshot (xen-snapshot) instead; keeping the array snapshot on the array does not help, the job still copies it.`,
    },
  },
  {
    when: () => true,
    finding: {
      severity: 'warning',
      message: (vm, disks) =>
        flat`Could not read how ${disks} of VM '${vm}' on an SR backed by an array LUN are stored (VHD or raw): disks stored as VHD cannot be copied out of an array snapshot yet, so the array snapshot's copy may fail.`,
      remedy: (vm) =>
        flat`Sync the pool of '${vm}' again so its disks' formats are read (\`xe vdi-param-get uuid=<vdi> param-name=sm-config\` shows vdi_type), or back '${vm}' up with a XenServer snapshot (xen-snapshot) instead.`,
    },
  },
];

/** The VM's XenServer disks on SRs that an array LUN backs: what the array snapshot must copy. */
function disksOnArraySrs(ctx: RuleContext): VirtualDisk[] {
  const onArray: VirtualDisk[] = [];
  for (const disk of ctx.disks) {
    if (disk.kind !== 'vdi' || !disk.hostVolumeId) continue;
    const volume = ctx.index.hostVolumesById.get(disk.hostVolumeId);
    if (volume?.arrayVolumeId) onArray.push(disk);
  }
  return onArray;
}

/** Appends XS-ARRAY-COPY-VHD for a XenServer VM on array LUNs: one finding per row that fires. */
export function checkArrayCopyFormats(ctx: RuleContext, findings: Finding[]): void {
  if (ctx.host.kind !== 'xenserver' || ctx.arrayVolumes.length === 0) return;
  const disks = disksOnArraySrs(ctx);
  if (disks.length === 0) return;
  const byRow = new Map<(typeof FORMAT_ROWS)[number], VirtualDisk[]>();
  for (const disk of disks) {
    const row = FORMAT_ROWS.find((candidate) => candidate.when(disk.storageFormat ?? null));
    if (!row?.finding) continue;
    byRow.set(row, [...(byRow.get(row) ?? []), disk]);
  }
  for (const row of FORMAT_ROWS) {
    const rowDisks = byRow.get(row);
    if (!rowDisks || !row.finding) continue;
    const words = `disk${rowDisks.length > 1 ? 's' : ''} ${listQuotedNames(rowDisks)}`;
    const objects: ObjectRef[] = [ctx.vmRef, ...rowDisks.map(diskRef)];
    findings.push({
      ruleId: 'XS-ARRAY-COPY-VHD',
      severity: row.finding.severity,
      vmId: ctx.vm.id,
      methods: ARRAY_METHODS,
      message: row.finding.message(ctx.vm.name, words),
      remedy: row.finding.remedy(ctx.vm.name, words),
      objects,
    });
  }
}
