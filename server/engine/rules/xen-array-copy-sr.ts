/**
 * XS-ARRAY-COPY-SR-TYPE (docs/domain.md §9, XenServer): an array snapshot of a XenServer VM is
 * copied to the repository out of the snapshot's clone through dom0 (drivers/xapi/xapi-array-copy.ts),
 * which finds the clone after an iSCSI rescan (`iscsiadm -m session -R`) and imports its LVM volume
 * group. Only SRs of type `lvmoiscsi` are laid out that way; the run refuses the disks of any other
 * SR (`connector-missing`) before a byte is stored. This rule says it before the run, per SR under
 * the VM's disks that an array LUN backs, with the SR's type and why, so the planner offers the
 * XenServer snapshot instead. An SR whose type was not read (an inventory file) is not assumed
 * `lvmoiscsi`: a warning.
 *
 * Keeping the array snapshot on the array (the job option) does not help: the job still copies it.
 */
import type { HostVolume, VirtualDisk } from '../inventory';
import type { Finding, ObjectRef, Severity } from '../types';
import {
  ARRAY_METHODS,
  diskRef,
  flat,
  hostVolumeRef,
  listQuotedNames,
  type RuleContext,
  sharedRef,
} from './context';

/** SR types whose disks are files in a file system (VHD or QCOW2), not LVs of a volume group. */
const FILE_BASED_SR_TYPES = new Set([
  'ext',
  'nfs',
  'smb',
  'cifs',
  'file',
  'gfs2',
  'xfs',
  'zfs',
  'largeblock',
]);

interface SrTypeRow {
  when: (type: string | null) => boolean;
  finding: null | {
    severity: Severity;
    /** Why the copy cannot read this SR's disks: "… so …" follows it. */
    why: (sr: string, type: string | null) => string;
  };
}

/** What the type of an array-backed SR under the VM's disks says; the first matching row decides. */
const SR_TYPE_ROWS: readonly SrTypeRow[] = [
  { when: (type) => type === 'lvmoiscsi', finding: null },
  {
    when: (type) => type === 'lvmohba',
    finding: {
      severity: 'blocker',
      why: (sr) =>
        flat`SR ${sr} is LVM over Fibre Channel (lvmohba): the copy finds the snapshot's clone after an iSCSI rescan, which does not see Fibre Channel LUNs, so its disks cannot be copied out of an array snapshot yet`,
    },
  },
  {
    when: (type) => type !== null && FILE_BASED_SR_TYPES.has(type),
    finding: {
      severity: 'blocker',
      why: (sr, type) =>
        flat`SR ${sr} is file-based (${type ?? ''}): it keeps its disks as files in a file system, and the copy reads only the LVs of an LVM over iSCSI (lvmoiscsi) SR out of the snapshot's clone, so its disks cannot be copied out of an array snapshot yet`,
    },
  },
  {
    when: (type) => type !== null,
    finding: {
      severity: 'blocker',
      why: (sr, type) =>
        flat`SR ${sr} is of type ${type ?? ''}: only LVM over iSCSI (lvmoiscsi) SRs are read out of an array snapshot's clone, so its disks cannot be copied out of an array snapshot yet`,
    },
  },
  {
    when: () => true,
    finding: {
      severity: 'warning',
      why: (sr) =>
        flat`Could not read the type of SR ${sr}: only LVM over iSCSI (lvmoiscsi) SRs are read out of an array snapshot's clone, so the array snapshot's copy may fail`,
    },
  },
];

/** The VM's XenServer disks on `volume`. */
function disksOn(ctx: RuleContext, volume: HostVolume): VirtualDisk[] {
  return ctx.disks.filter((disk) => disk.kind === 'vdi' && disk.hostVolumeId === volume.id);
}

/** Appends XS-ARRAY-COPY-SR-TYPE for a XenServer VM: one finding per array-backed SR its copy cannot read. */
export function checkArrayCopySrTypes(ctx: RuleContext, findings: Finding[]): void {
  if (ctx.host.kind !== 'xenserver' || ctx.arrayVolumes.length === 0) return;
  for (const volume of ctx.diskHostVolumes) {
    if (volume.kind !== 'sr' || !volume.arrayVolumeId) continue;
    const type = volume.storageType ?? null;
    const row = SR_TYPE_ROWS.find((candidate) => candidate.when(type));
    const disks = disksOn(ctx, volume);
    if (!row?.finding || disks.length === 0) continue;
    const vm = ctx.vm.name;
    const diskWords = `disk${disks.length > 1 ? 's' : ''} ${listQuotedNames(disks)}`;
    const objects: ObjectRef[] = [ctx.vmRef, sharedRef(ctx, volume, hostVolumeRef), ...disks.map(diskRef)];
    findings.push({
      ruleId: 'XS-ARRAY-COPY-SR-TYPE',
      severity: row.finding.severity,
      vmId: ctx.vm.id,
      methods: ARRAY_METHODS,
      message: flat`VM '${vm}' keeps ${diskWords} on an SR backed by an array LUN. ${row.finding.why(`'${volume.name}'`, type)}.`,
      remedy:
        row.finding.severity === 'blocker'
          ? flat`Back '${vm}' up with a XenServer snapshot (xen-snapshot) instead, or move its disks to an LVM over iSCSI SR on the array (\`xe vdi-pool-migrate uuid=<vdi> sr-uuid=<sr>\`); keeping the array snapshot on the array does not help, the job still copies it.`
          : flat`State \`storageType\` for '${volume.name}' in the inventory file, or sync its pool so it is read (\`xe sr-param-get uuid=<sr> param-name=type\`); or back '${vm}' up with a XenServer snapshot (xen-snapshot) instead.`,
      objects,
    });
  }
}
