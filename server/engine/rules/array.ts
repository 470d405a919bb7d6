/**
 * Storage-array rules (docs/domain.md §9, storage arrays) and the snapshot set they reason about.
 *
 * An array snapshot is taken per LUN, or per consistency group where the LUN belongs to one: the
 * whole group is snapshotted together, so every VM on any LUN of the group is captured with the VM
 * and rolls back with it.
 */
import type { ArrayVolume, StorageArray } from '../inventory';
import type { Finding, ObjectRef, RuleId, Severity } from '../types';
import { VENDOR_LABELS } from '../words';
import {
  ARRAY_METHODS,
  appendAll,
  applicationNames,
  arrayOf,
  arrayRef,
  arrayVolumeRef,
  flat,
  listNames,
  listQuotedNames,
  NONE,
  type RuleContext,
  sharedRef,
} from './context';
import { type FindingWords, LazilyWordedFinding } from './lazy-finding';
import { vmRefsOnArrayVolumes, withoutSelf } from './vm-ref-lists';

/** Vendors whose snapshots XenServer drives from its own console (docs/domain.md §4). */
const XENSERVER_INTEGRATED_VENDORS = new Set(['netapp', 'equallogic']);

export interface ArraySnapshotSet {
  /** The LUNs snapshotted together: the VM's own, plus the rest of their consistency groups. */
  volumes: ArrayVolume[];
  /** Every other VM with a disk on one of those LUNs. */
  coCapturedVms: ObjectRef[];
}

/**
 * What the array rules need about one set of array volumes (the VM's LUNs, in order), shared by
 * every VM on the same set: the VMs of one host sit on the same LUNs. Worded parts are built on
 * first use, so an inventory error (a LUN naming a missing array) surfaces where it did before.
 */
interface ArrayVolumeSetFacts {
  snapshotSet: ArraySnapshotSet & { allVmRefs: readonly ObjectRef[] };
  /** Distinct arrays of the set, in order of first appearance. */
  arrays?: StorageArray[];
  arraysText?: string;
  /** Frozen refs of `arrays`. */
  arrayRefs?: readonly ObjectRef[];
  /** What ARRAY-SHARED-VOLUME names about the snapshot set. */
  sharedSet?: SharedSetWording;
}

interface SharedSetWording {
  lunsText: string;
  lunRefs: readonly ObjectRef[];
}

/** Kept on the estate's node of the VM's LUN list (see buildRuleContext): one per set of LUNs. */
function arrayVolumeSetFactsOf(ctx: RuleContext): ArrayVolumeSetFacts {
  const set = ctx.arrayVolumeSet;
  let facts = set.arrayFacts as ArrayVolumeSetFacts | null;
  if (!facts) {
    const volumes = snapshotVolumesOf(ctx);
    const allVmRefs = vmRefsOnArrayVolumes(ctx, volumes);
    facts = { snapshotSet: { volumes, coCapturedVms: NONE, allVmRefs } };
    set.arrayFacts = facts;
  }
  return facts;
}

/** The VM's LUNs and, for each in a consistency group, the rest of the group (inventory order). */
function snapshotVolumesOf(ctx: RuleContext): ArrayVolume[] {
  const { index } = ctx;
  const volumeIds = new Set<string>();
  for (const volume of ctx.arrayVolumes) {
    volumeIds.add(volume.id);
    if (volume.consistencyGroupId) {
      for (const id of ctx.cache.arrayVolumeIdsByGroup.get(volume.consistencyGroupId) ?? NONE)
        volumeIds.add(id);
    }
  }
  const volumes: ArrayVolume[] = [];
  for (const id of volumeIds) {
    const volume = index.arrayVolumesById.get(id);
    if (volume) volumes.push(volume);
  }
  return Object.freeze(volumes) as ArrayVolume[];
}

export function arraySnapshotSetOf(ctx: RuleContext): ArraySnapshotSet {
  if (ctx.arrayVolumes.length === 0) return { volumes: NONE, coCapturedVms: NONE };
  const { volumes, allVmRefs } = arrayVolumeSetFactsOf(ctx).snapshotSet;
  return { volumes, coCapturedVms: withoutSelf(ctx, allVmRefs) };
}

function distinctArrays(ctx: RuleContext, facts: ArrayVolumeSetFacts): StorageArray[] {
  if (!facts.arrays) {
    const arrays: StorageArray[] = [];
    for (const volume of ctx.arrayVolumes) {
      const array = arrayOf(ctx, volume);
      if (!arrays.some((a) => a.id === array.id)) arrays.push(array);
    }
    facts.arrays = Object.freeze(arrays) as StorageArray[];
  }
  return facts.arrays;
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
  return flat`LUN '${volume.name}' of array '${arrayOf(ctx, volume).name}'`;
}

function checkSnapshotCapability(ctx: RuleContext, findings: Finding[]): void {
  const { vm, arrayVolumes } = ctx;
  for (let i = 0; i < arrayVolumes.length; i++) {
    const volume = arrayVolumes[i];
    const array = arrayOf(ctx, volume);
    if (array.supportsSnapshots && volume.supportsSnapshots === true) continue;
    if (array.supportsSnapshots && volume.supportsSnapshots === null) {
      findings.push(
        arrayFinding(
          ctx,
          'ARRAY-SNAPSHOT-UNKNOWN',
          'warning',
          flat`Could not verify that ${lunName(ctx, volume)}, which holds disks of VM '${vm.name}', can be snapshotted: the array did not report its state, so an array snapshot may fail there.`,
          flat`On array '${array.name}': check that '${volume.name}' is online on a writable volume with snapshot space, then sync the array again.`,
          [ctx.vmRef, sharedRef(ctx, volume, arrayVolumeRef), sharedRef(ctx, array, arrayRef)],
        ),
      );
      continue;
    }
    const cause = array.supportsSnapshots
      ? flat`${lunName(ctx, volume)} cannot be snapshotted`
      : flat`array '${array.name}'${array.vendor === 'other' ? '' : ` (${VENDOR_LABELS[array.vendor]})`} offers no snapshots`;
    findings.push(
      arrayFinding(
        ctx,
        'ARRAY-NO-SNAPSHOT',
        'blocker',
        flat`VM '${vm.name}' has disks on ${lunName(ctx, volume)}, but ${cause}: an array snapshot cannot be taken for it.`,
        array.supportsSnapshots
          ? snapshotReserveRemedy(array, volume)
          : flat`Move the disks of '${vm.name}' to a LUN on an array that supports snapshots, or protect it with a hypervisor-level method.`,
        [ctx.vmRef, sharedRef(ctx, volume, arrayVolumeRef), sharedRef(ctx, array, arrayRef)],
      ),
    );
  }
}

function snapshotReserveRemedy(array: StorageArray, volume: ArrayVolume): string {
  switch (array.vendor) {
    case 'netapp':
      return flat`On array '${array.name}': give the volume holding '${volume.name}' snapshot space and a policy (\`volume modify -volume ${volume.name} -percent-snapshot-space 20 -snapshot-policy default\`).`;
    case 'equallogic':
      return flat`On array '${array.name}': reserve snapshot space for '${volume.name}' (\`volume select ${volume.name} snap-reserve 100%\`).`;
    default:
      return flat`On array '${array.name}': enable snapshots and reserve snapshot space for '${volume.name}'.`;
  }
}

/** Worded when read (see LazilyWordedFinding). */
const NOT_INTEGRATED_WORDS: FindingWords<ObjectRef, ObjectRef, ArrayVolumeSetFacts> = {
  message: (vm, host) =>
    flat`Array snapshots of VM '${vm.name}' are not coordinated by host '${host.name}': Migawka freezes the guest, flushes the host's I/O buffers, snapshots and thaws itself, within the freeze window (about 60 s).`,
  remedy(vm, _host, facts) {
    facts.arraysText ??= listQuotedNames(facts.arrays ?? NONE);
    return flat`Nothing to fix; keep ${facts.arraysText} reachable from Migawka and give the applications of '${vm.name}' pre-freeze/post-thaw scripts.`;
  },
  objects(vm, host, facts) {
    const objects: ObjectRef[] = [vm, host];
    appendAll(objects, facts.arrayRefs ?? NONE);
    return objects;
  },
};

function checkIntegration(ctx: RuleContext, facts: ArrayVolumeSetFacts, findings: Finding[]): void {
  const { host } = ctx;
  const arrays = distinctArrays(ctx, facts);
  const isDrivenByHypervisor =
    host.kind === 'xenserver' && arrays.every((a) => XENSERVER_INTEGRATED_VENDORS.has(a.vendor));
  if (isDrivenByHypervisor) return;
  facts.arrayRefs ??= Object.freeze(arrays.map((a) => sharedRef(ctx, a, arrayRef)));
  findings.push(
    new LazilyWordedFinding(
      'ARRAY-NOT-INTEGRATED',
      'info',
      ctx.vm.id,
      ARRAY_METHODS,
      NOT_INTEGRATED_WORDS,
      ctx.vmRef,
      ctx.hostRef,
      facts,
    ),
  );
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

/**
 * ARRAY-APP-NEEDS-SCRIPTS by which scripts run around the snapshot of a running critical
 * application: the VM's own (the inventory's flag) or the job's (BackupPlanRequest.scripts). The
 * first row that matches decides; `null` is no finding. A pre-freeze script is what quiesces the
 * application; a post-thaw script alone quiesces nothing, and a pre-freeze without its post-thaw
 * leaves the application suspended after the snapshot.
 */
const SCRIPT_ROWS: readonly {
  when: (ctx: RuleContext) => boolean;
  finding: null | {
    severity: (isRequired: boolean) => Severity;
    message: (ctx: RuleContext, isRequired: boolean) => string;
    remedy: (ctx: RuleContext) => string;
  };
}[] = [
  { when: (ctx) => ctx.vm.hasFreezeScripts, finding: null },
  { when: (ctx) => ctx.jobScripts.preFreeze && ctx.jobScripts.postThaw, finding: null },
  {
    when: (ctx) => ctx.jobScripts.preFreeze,
    finding: {
      severity: () => 'warning',
      message: (ctx) =>
        flat`This job runs a pre-freeze script in VM '${ctx.vm.name}' but no post-thaw script: the snapshot is application-consistent, but nothing resumes ${applicationNames(ctx.vm.applications)} after it.`,
      remedy: (ctx) =>
        flat`Add a post-thaw script for '${ctx.vm.name}' to this job that undoes its pre-freeze script: ${freezeScriptExamples(ctx)}.`,
    },
  },
  {
    when: () => true,
    finding: {
      severity: (isRequired) => (isRequired ? 'blocker' : 'warning'),
      message: (ctx, isRequired) =>
        flat`VM '${ctx.vm.name}' runs ${applicationNames(ctx.vm.applications)} online without ${ctx.jobScripts.postThaw ? 'a pre-freeze script (this job has only its post-thaw script)' : 'pre-freeze/post-thaw scripts'}: an array snapshot of it is only crash-consistent${isRequired ? ', and the job requires consistency, so it would fail this VM' : ''}.`,
      remedy: (ctx) =>
        flat`Configure pre-freeze and post-thaw scripts for '${ctx.vm.name}' (exit code 0 = success, finish well within the 60 s freeze window): ${freezeScriptExamples(ctx)}.`,
    },
  },
];

function checkApplicationScripts(ctx: RuleContext, findings: Finding[]): void {
  if (!ctx.isRunning || !ctx.runsCriticalApplication) return;
  const row = SCRIPT_ROWS.find((candidate) => candidate.when(ctx));
  if (!row?.finding) return;
  const isRequired = ctx.consistencyPolicy === 'require';
  findings.push(
    arrayFinding(
      ctx,
      'ARRAY-APP-NEEDS-SCRIPTS',
      row.finding.severity(isRequired),
      row.finding.message(ctx, isRequired),
      row.finding.remedy(ctx),
      [ctx.vmRef],
    ),
  );
}

/** Worded when read (see LazilyWordedFinding): the others are the VM's co-captured list. */
const SHARED_VOLUME_WORDS: FindingWords<ObjectRef, readonly ObjectRef[], SharedSetWording> = {
  message: (vm, others, set) =>
    flat`An array snapshot of VM '${vm.name}' covers ${set.lunsText}, shared with ${listQuotedNames(others)}: they are captured together and a volume revert rolls them all back.`,
  remedy: (vm) =>
    flat`Restore '${vm.name}' from array snapshots by cloning the LUN and copying out only its files (staged restore), or give '${vm.name}' a LUN of its own.`,
  objects(vm, others, set) {
    const objects: ObjectRef[] = [vm];
    appendAll(objects, set.lunRefs);
    appendAll(objects, others);
    return objects;
  },
};

function sharedSetWording(ctx: RuleContext, volumes: readonly ArrayVolume[]): SharedSetWording {
  return {
    lunsText: listNames(volumes.map((v) => lunName(ctx, v))),
    lunRefs: Object.freeze(volumes.map((v) => sharedRef(ctx, v, arrayVolumeRef))),
  };
}

function checkSharedVolumes(
  ctx: RuleContext,
  facts: ArrayVolumeSetFacts | null,
  snapshotSet: ArraySnapshotSet,
  findings: Finding[],
): void {
  const others = snapshotSet.coCapturedVms;
  if (others.length === 0) return;
  // The set's wording is shared when the snapshot set is the one cached for the VM's LUNs.
  const isCachedSet = facts !== null && facts.snapshotSet.volumes === snapshotSet.volumes;
  let set = isCachedSet ? facts.sharedSet : undefined;
  if (!set) {
    set = sharedSetWording(ctx, snapshotSet.volumes);
    if (isCachedSet) facts.sharedSet = set;
  }
  findings.push(
    new LazilyWordedFinding(
      'ARRAY-SHARED-VOLUME',
      'warning',
      ctx.vm.id,
      ARRAY_METHODS,
      SHARED_VOLUME_WORDS,
      ctx.vmRef,
      others,
      set,
    ),
  );
}

function checkConsistencyGroup(ctx: RuleContext, facts: ArrayVolumeSetFacts, findings: Finding[]): void {
  const { vm } = ctx;
  const volumes = ctx.arrayVolumes;
  if (volumes.length < 2) return;
  const groupId = volumes[0].consistencyGroupId;
  if (groupId !== null && volumes.every((v) => v.consistencyGroupId === groupId)) return;
  const arrays = distinctArrays(ctx, facts);
  const luns = listNames(volumes.map((v) => lunName(ctx, v)));
  const spansArrays = arrays.length > 1;
  const message = spansArrays
    ? flat`VM '${vm.name}' has disks on ${luns}: a consistency group cannot span two arrays, so the LUNs are snapshotted one after another and only the guest freeze keeps them consistent with each other.`
    : flat`VM '${vm.name}' has disks on ${luns}, which are not in one consistency group: the LUNs are snapshotted one after another and only the guest freeze keeps them consistent with each other.`;
  const remedy = spansArrays
    ? flat`Move the disks of '${vm.name}' onto one array, then put their LUNs in one consistency group.`
    : flat`On array '${arrays[0].name}': put ${listQuotedNames(volumes)} in one consistency group (or move the disks of '${vm.name}' onto one LUN).`;
  const objects: ObjectRef[] = [ctx.vmRef];
  for (const volume of volumes) objects.push(sharedRef(ctx, volume, arrayVolumeRef));
  for (const array of arrays) objects.push(sharedRef(ctx, array, arrayRef));
  findings.push(arrayFinding(ctx, 'ARRAY-CG-INCOMPLETE', 'warning', message, remedy, objects));
}

/** Every array rule for one VM, appended to `findings`; nothing when no array volume is behind its disks. */
export function collectArrayFindings(
  ctx: RuleContext,
  snapshotSet: ArraySnapshotSet,
  findings: Finding[],
): void {
  if (ctx.arrayVolumes.length === 0) return;
  const facts = arrayVolumeSetFactsOf(ctx);
  checkSnapshotCapability(ctx, findings);
  checkIntegration(ctx, facts, findings);
  checkApplicationScripts(ctx, findings);
  checkSharedVolumes(ctx, facts, snapshotSet, findings);
  checkConsistencyGroup(ctx, facts, findings);
}

/** Every array rule for one VM; nothing when no array volume is behind its disks. */
export function evaluateArrayRules(
  ctx: RuleContext,
  snapshotSet: ArraySnapshotSet = arraySnapshotSetOf(ctx),
): Finding[] {
  const findings: Finding[] = [];
  collectArrayFindings(ctx, snapshotSet, findings);
  return findings;
}
