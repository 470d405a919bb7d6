/**
 * Storage-array rules (DOMAIN.md §5, array block) and the snapshot set they reason about.
 *
 * An array snapshot is taken per LUN, or per consistency group where the LUN belongs to one: the
 * whole group is snapshotted together, so every VM on any LUN of the group is captured with the VM
 * and rolls back with it.
 */
import type { ArrayVolume, StorageArray } from '../inventory';
import type { Finding, ObjectRef, RuleId, Severity } from '../types';
import {
  ARRAY_METHODS,
  applicationNames,
  arrayOf,
  arrayRef,
  arrayVolumeRef,
  hostRef,
  listNames,
  otherVmRefs,
  quoted,
  type RuleContext,
  vmRef,
} from './context';

/** Vendors whose snapshots XenServer drives from its own console (DOMAIN.md §1.5). */
const XENSERVER_INTEGRATED_VENDORS = new Set(['netapp', 'equallogic']);

export interface ArraySnapshotSet {
  /** The LUNs snapshotted together: the VM's own, plus the rest of their consistency groups. */
  volumes: ArrayVolume[];
  /** Every other VM with a disk on one of those LUNs. */
  coCapturedVms: ObjectRef[];
}

export function arraySnapshotSetOf(ctx: RuleContext): ArraySnapshotSet {
  const { index } = ctx;
  const volumeIds = new Set<string>();
  for (const volume of ctx.arrayVolumes) {
    volumeIds.add(volume.id);
    if (volume.consistencyGroupId) {
      for (const id of ctx.cache.arrayVolumeIdsByGroup.get(volume.consistencyGroupId) ?? [])
        volumeIds.add(id);
    }
  }
  const volumes: ArrayVolume[] = [];
  const vmIds: string[] = [];
  for (const id of volumeIds) {
    const volume = index.arrayVolumesById.get(id);
    if (volume) volumes.push(volume);
    for (const vmId of index.vmIdsByArrayVolume.get(id) ?? []) vmIds.push(vmId);
  }
  return { volumes, coCapturedVms: otherVmRefs(ctx, vmIds) };
}

function arrayFinding(
  ctx: RuleContext,
  ruleId: RuleId,
  severity: Severity,
  message: string,
  remedy: string,
  objects: ObjectRef[],
): Finding {
  return { ruleId, severity, vmId: ctx.vm.id, methods: ARRAY_METHODS, message, remedy, objects };
}

function lunName(ctx: RuleContext, volume: ArrayVolume): string {
  return `LUN '${volume.name}' of array '${arrayOf(ctx, volume).name}'`;
}

function checkSnapshotCapability(ctx: RuleContext): Finding[] {
  const { vm } = ctx;
  return ctx.arrayVolumes.flatMap((volume) => {
    const array = arrayOf(ctx, volume);
    if (array.supportsSnapshots && volume.supportsSnapshots) return [];
    const cause = array.supportsSnapshots
      ? `${lunName(ctx, volume)} cannot be snapshotted`
      : `array '${array.name}' (${array.vendor}) offers no snapshots`;
    return [
      arrayFinding(
        ctx,
        'ARRAY-NO-SNAPSHOT',
        'blocker',
        `VM '${vm.name}' has disks on ${lunName(ctx, volume)}, but ${cause}: the array-snapshot method cannot run for it.`,
        array.supportsSnapshots
          ? snapshotReserveRemedy(array, volume)
          : `Move the disks of '${vm.name}' to a LUN on an array that supports snapshots, or protect it with a hypervisor-level method.`,
        [vmRef(vm), arrayVolumeRef(volume), arrayRef(array)],
      ),
    ];
  });
}

function snapshotReserveRemedy(array: StorageArray, volume: ArrayVolume): string {
  switch (array.vendor) {
    case 'netapp':
      return `On array '${array.name}': give the volume holding '${volume.name}' snapshot space and a policy (\`volume modify -volume ${volume.name} -percent-snapshot-space 20 -snapshot-policy default\`).`;
    case 'equallogic':
      return `On array '${array.name}': reserve snapshot space for '${volume.name}' (\`volume select ${volume.name} snap-reserve 100%\`).`;
    default:
      return `On array '${array.name}': enable snapshots and reserve snapshot space for '${volume.name}'.`;
  }
}

function checkIntegration(ctx: RuleContext): Finding[] {
  const { vm, host } = ctx;
  if (ctx.arrayVolumes.length === 0) return [];
  const arrays = [...new Map(ctx.arrayVolumes.map((v) => [v.arrayId, arrayOf(ctx, v)])).values()];
  const isDrivenByHypervisor =
    host.kind === 'xenserver' && arrays.every((a) => XENSERVER_INTEGRATED_VENDORS.has(a.vendor));
  if (isDrivenByHypervisor) return [];
  return [
    arrayFinding(
      ctx,
      'ARRAY-NOT-INTEGRATED',
      'info',
      `Array snapshots of VM '${vm.name}' are not coordinated by host '${host.name}': Migawka freezes the guest, flushes the host's I/O buffers, snapshots and thaws itself, within the freeze window (about 60 s).`,
      `Nothing to fix; keep ${listNames(quoted(arrays.map((a) => a.name)))} reachable from Migawka and give the applications of '${vm.name}' pre-freeze/post-thaw scripts.`,
      [vmRef(vm), hostRef(host), ...arrays.map(arrayRef)],
    ),
  ];
}

function freezeScriptExamples(ctx: RuleContext): string {
  const examples: string[] = [];
  if (ctx.vm.applications.includes('sqlserver')) {
    examples.push(
      'SQL Server 2022: `ALTER SERVER CONFIGURATION SET SUSPEND_FOR_SNAPSHOT_BACKUP = ON` before, `ALTER SERVER CONFIGURATION SET SUSPEND_FOR_SNAPSHOT_BACKUP = OFF` after',
    );
  }
  if (ctx.vm.applications.includes('exchange')) {
    examples.push(
      'Exchange: a `diskshadow` script that holds the Exchange VSS writer frozen across the snapshot',
    );
  }
  return examples.join('; ');
}

function checkApplicationScripts(ctx: RuleContext): Finding[] {
  const { vm } = ctx;
  if (
    ctx.arrayVolumes.length === 0 ||
    !ctx.isRunning ||
    !ctx.runsCriticalApplication ||
    vm.hasFreezeScripts
  ) {
    return [];
  }
  const isRequired = ctx.consistencyPolicy === 'require';
  return [
    arrayFinding(
      ctx,
      'ARRAY-APP-NEEDS-SCRIPTS',
      isRequired ? 'blocker' : 'warning',
      `VM '${vm.name}' runs ${applicationNames(vm.applications)} online without pre-freeze/post-thaw scripts: an array snapshot of it is only crash-consistent${isRequired ? ', and the job requires consistency, so it would fail this VM' : ''}.`,
      `Configure pre-freeze and post-thaw scripts for '${vm.name}' (exit code 0 = success, finish well within the 60 s freeze window): ${freezeScriptExamples(ctx)}.`,
      [vmRef(vm)],
    ),
  ];
}

function checkSharedVolumes(ctx: RuleContext, snapshotSet: ArraySnapshotSet): Finding[] {
  const { vm } = ctx;
  if (snapshotSet.coCapturedVms.length === 0) return [];
  const others = snapshotSet.coCapturedVms;
  const luns = snapshotSet.volumes.map((v) => lunName(ctx, v));
  return [
    arrayFinding(
      ctx,
      'ARRAY-SHARED-VOLUME',
      'warning',
      `An array snapshot of VM '${vm.name}' covers ${listNames(luns)}, shared with ${listNames(quoted(others.map((o) => o.name)))}: they are captured together and a volume revert rolls them all back.`,
      `Restore '${vm.name}' from array snapshots by cloning the LUN and copying out only its files (staged restore), or give '${vm.name}' a LUN of its own.`,
      [vmRef(vm), ...snapshotSet.volumes.map(arrayVolumeRef), ...others],
    ),
  ];
}

function checkConsistencyGroup(ctx: RuleContext): Finding[] {
  const { vm } = ctx;
  const volumes = ctx.arrayVolumes;
  if (volumes.length < 2) return [];
  const groupIds = new Set(volumes.map((v) => v.consistencyGroupId));
  if (groupIds.size === 1 && !groupIds.has(null)) return [];
  const arrays = [...new Map(volumes.map((v) => [v.arrayId, arrayOf(ctx, v)])).values()];
  const luns = listNames(volumes.map((v) => lunName(ctx, v)));
  const spansArrays = arrays.length > 1;
  const message = spansArrays
    ? `VM '${vm.name}' has disks on ${luns}: a consistency group cannot span two arrays, so the LUNs are snapshotted one after another and only the guest freeze keeps them consistent with each other.`
    : `VM '${vm.name}' has disks on ${luns}, which are not in one consistency group: the LUNs are snapshotted one after another and only the guest freeze keeps them consistent with each other.`;
  const remedy = spansArrays
    ? `Move the disks of '${vm.name}' onto one array, then put their LUNs in one consistency group.`
    : `On array '${arrays[0].name}': put ${listNames(quoted(volumes.map((v) => v.name)))} in one consistency group (or move the disks of '${vm.name}' onto one LUN).`;
  return [
    arrayFinding(ctx, 'ARRAY-CG-INCOMPLETE', 'warning', message, remedy, [
      vmRef(vm),
      ...volumes.map(arrayVolumeRef),
      ...arrays.map(arrayRef),
    ]),
  ];
}

/** Every array rule for one VM; nothing when no array volume is behind its disks. */
export function evaluateArrayRules(
  ctx: RuleContext,
  snapshotSet: ArraySnapshotSet = arraySnapshotSetOf(ctx),
): Finding[] {
  if (ctx.arrayVolumes.length === 0) return [];
  return [
    ...checkSnapshotCapability(ctx),
    ...checkIntegration(ctx),
    ...checkApplicationScripts(ctx),
    ...checkSharedVolumes(ctx, snapshotSet),
    ...checkConsistencyGroup(ctx),
  ];
}
