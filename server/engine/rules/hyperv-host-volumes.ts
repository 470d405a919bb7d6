/**
 * Hyper-V rules about the host volumes under a VM (docs/domain.md §3 and §9): VSS on each volume,
 * room in its shadow storage, and Windows Server Backup's whole-volume granularity. The facts are
 * the same for every VM on a volume, so each is worked out once per volume and shared.
 */
import type { HostVolume } from '../inventory';
import type { Finding, ObjectRef } from '../types';
import {
  appendAll,
  type EstateCache,
  expectedChangeOnHostVolume,
  flat,
  formatGiB,
  HOST_LEVEL_HYPERV_METHODS,
  hostVolumeRef,
  hostVolumesOfVm,
  listQuotedNames,
  type RuleContext,
  sharedRef,
  WSB_METHODS,
} from './context';
import { type FindingWords, LazilyWordedFinding } from './lazy-finding';
import { vmRefsOnHostVolumes } from './vm-ref-lists';

/** Headroom on top of the expected daily change when sizing shadow storage. */
const SHADOW_STORAGE_HEADROOM = 1.5;

export function checkHostVolumeVss(ctx: RuleContext, findings: Finding[]): void {
  const { vm, host } = ctx;
  const volumes = hostVolumesOfVm(ctx);
  for (let i = 0; i < volumes.length; i++) {
    const volume = volumes[i];
    if (volume.vssEnabled) continue;
    findings.push({
      ruleId: 'HV-HOST-VOLUME-VSS-DISABLED',
      severity: 'blocker',
      vmId: vm.id,
      methods: HOST_LEVEL_HYPERV_METHODS,
      message: flat`VSS is disabled on host volume '${volume.name}' of host '${host.name}', which holds files of VM '${vm.name}': host-level backup cannot shadow-copy it and cannot run.`,
      remedy: flat`On host '${host.name}' (elevated prompt): \`sc config VSS start= demand\` then \`vssadmin add shadowstorage /for=${volume.name} /on=${volume.name} /maxsize=10%\`.`,
      objects: [ctx.vmRef, sharedRef(ctx, volume, hostVolumeRef), ctx.hostRef],
    });
  }
}

/**
 * What HV-HOST-SHADOW-STORAGE-LOW says about one host volume, the same for every VM on it: worked
 * out once per volume (null when the shadow storage has room). A warning when the limit or the free
 * space is below a day's expected change; info when the limit leaves room but the free space of the
 * volume holding the shadow storage was not read: the room is unknown, never assumed.
 */
interface LowShadowStorage {
  /** warning: too little room; info: the shadow storage's free space was not read (unknown, not fine). */
  severity: 'warning' | 'info';
  /** "Host volume … free, but the " — the message up to the VM count. */
  head: string;
  /** " change about … a day: VSS may discard the shadow copy before the backup of '" */
  change: string;
  /** "' finishes." — the message after the VM's name. */
  tail: string;
  remedy: string;
  volumeRefs: readonly ObjectRef[];
  hostRef: ObjectRef;
  /** Every VM on the volume (the estate's shared list). */
  onVolume: readonly ObjectRef[];
}

const lowShadowStorageByEstate = new WeakMap<EstateCache, Map<HostVolume, LowShadowStorage | null>>();

function lowShadowStorageOf(ctx: RuleContext, volume: HostVolume): LowShadowStorage | null {
  let byVolume = lowShadowStorageByEstate.get(ctx.cache);
  if (!byVolume) {
    byVolume = new Map();
    lowShadowStorageByEstate.set(ctx.cache, byVolume);
  }
  const cached = byVolume.get(volume);
  if (cached !== undefined) return cached;
  const low = describeLowShadowStorage(ctx, volume);
  byVolume.set(volume, low);
  return low;
}

function describeLowShadowStorage(ctx: RuleContext, volume: HostVolume): LowShadowStorage | null {
  const { host, index } = ctx;
  const storage = volume.shadowStorageVolumeId
    ? (index.hostVolumesById.get(volume.shadowStorageVolumeId) ?? volume)
    : volume;
  const expectedChange = expectedChangeOnHostVolume(ctx, volume.id);
  const limit = volume.shadowStorageLimitBytes;
  const free = storage.freeBytes;
  const isLimitLow = limit !== null && limit < expectedChange;
  const isFreeLow = free !== null && free < expectedChange;
  const isFreeUnknown = free === null && !isLimitLow;
  if (!isLimitLow && !isFreeLow && !isFreeUnknown) return null;
  const wanted = Math.ceil((expectedChange * SHADOW_STORAGE_HEADROOM) / 1024 ** 3);
  const limitText = limit === null ? 'no size limit' : flat`a limit of ${formatGiB(limit)}`;
  const freeText = free === null ? 'free space that was not read' : flat`${formatGiB(free)} free`;
  const remedies: string[] = [];
  if (isLimitLow) {
    remedies.push(
      flat`on host '${host.name}': \`vssadmin resize shadowstorage /for=${volume.name} /on=${storage.name} /maxsize=${wanted}GB\``,
    );
  }
  if (isFreeLow) {
    remedies.push(
      flat`free at least ${formatGiB(expectedChange * SHADOW_STORAGE_HEADROOM - free)} on '${storage.name}' or move the shadow storage to a volume with room (\`vssadmin add shadowstorage /for=${volume.name} /on=<volume> /maxsize=${wanted}GB\`)`,
    );
  }
  if (isFreeUnknown) {
    remedies.push(
      flat`check that '${storage.name}' has at least ${formatGiB(expectedChange * SHADOW_STORAGE_HEADROOM)} free (\`vssadmin list shadowstorage /for=${volume.name}\` on host '${host.name}'), then read the host again`,
    );
  }
  const volumeRefs = [sharedRef(ctx, volume, hostVolumeRef)];
  if (storage !== volume) volumeRefs.push(sharedRef(ctx, storage, hostVolumeRef));
  return {
    severity: isFreeUnknown ? 'info' : 'warning',
    head: isFreeUnknown
      ? flat`Host volume '${volume.name}' on host '${host.name}' keeps its shadow copies on '${storage.name}' with ${limitText}, but the free space of '${storage.name}' was not read: whether it has room for what the `
      : flat`Host volume '${volume.name}' on host '${host.name}' keeps its shadow copies on '${storage.name}' with ${limitText} and ${freeText}, but the `,
    change: isFreeUnknown
      ? flat` change, about ${formatGiB(expectedChange)} a day, until the backup of '`
      : flat` change about ${formatGiB(expectedChange)} a day: VSS may discard the shadow copy before the backup of '`,
    tail: isFreeUnknown ? "' finishes is unknown." : "' finishes.",
    remedy: flat`${remedies.join('; ')}.`.replace(/^./, (c) => c.toUpperCase()),
    volumeRefs: Object.freeze(volumeRefs),
    hostRef: ctx.hostRef,
    onVolume: vmRefsOnHostVolumes(ctx, [volume]),
  };
}

/** Worded when read (see LazilyWordedFinding): the VM itself first, then the others on the volume. */
const LOW_SHADOW_STORAGE_WORDS: FindingWords<LowShadowStorage, ObjectRef, undefined> = {
  message(low, vm) {
    const { onVolume } = low;
    const otherCount = onVolume.length - (onVolume.includes(vm) ? 1 : 0);
    // The volume's shared parts are joined with `+`, so the message refers to them, not copies them.
    return (
      low.head +
      flat`${otherCount + 1} VM(s) on it (${listQuotedNames(onVolume, vm, vm)})` +
      low.change +
      vm.name +
      low.tail
    );
  },
  remedy: (low) => low.remedy,
  objects(low, vm) {
    const objects: ObjectRef[] = [vm];
    appendAll(objects, low.volumeRefs);
    objects.push(low.hostRef);
    return objects;
  },
};

export function checkHostShadowStorage(ctx: RuleContext, findings: Finding[]): void {
  const volumes = hostVolumesOfVm(ctx);
  for (let i = 0; i < volumes.length; i++) {
    const volume = volumes[i];
    if (!volume.vssEnabled) continue; // the blocker above already says it cannot run
    const low = lowShadowStorageOf(ctx, volume);
    if (!low) continue;
    findings.push(
      new LazilyWordedFinding(
        'HV-HOST-SHADOW-STORAGE-LOW',
        low.severity,
        ctx.vm.id,
        HOST_LEVEL_HYPERV_METHODS,
        LOW_SHADOW_STORAGE_WORDS,
        low,
        ctx.vmRef,
        undefined,
      ),
    );
  }
}

/** What WSB-VOLUME-GRANULARITY names about one host volume, the same for every VM on it. */
interface WsbVolume {
  volumeRef: ObjectRef;
  hostRef: ObjectRef;
  /** Every VM on the volume (the estate's shared list): the others are named off it when worded. */
  onVolume: readonly ObjectRef[];
}

const wsbVolumesByEstate = new WeakMap<EstateCache, Map<HostVolume, WsbVolume>>();

function wsbVolumeOf(ctx: RuleContext, volume: HostVolume): WsbVolume {
  let byVolume = wsbVolumesByEstate.get(ctx.cache);
  if (!byVolume) {
    byVolume = new Map();
    wsbVolumesByEstate.set(ctx.cache, byVolume);
  }
  let facts = byVolume.get(volume);
  if (!facts) {
    facts = {
      volumeRef: sharedRef(ctx, volume, hostVolumeRef),
      hostRef: ctx.hostRef,
      onVolume: vmRefsOnHostVolumes(ctx, [volume]),
    };
    byVolume.set(volume, facts);
  }
  return facts;
}

function othersThan(vm: ObjectRef, refs: readonly ObjectRef[]): readonly ObjectRef[] {
  return refs.includes(vm) ? refs.filter((ref) => ref !== vm) : refs;
}

/** Worded when read (see LazilyWordedFinding). */
const WSB_GRANULARITY_WORDS: FindingWords<WsbVolume, ObjectRef, undefined> = {
  message({ volumeRef, hostRef, onVolume }, vm) {
    const others = othersThan(vm, onVolume);
    return others.length > 0
      ? flat`Windows Server Backup on host '${hostRef.name}' can only restore host volume '${volumeRef.name}' as a whole: restoring VM '${vm.name}' also rolls back ${listQuotedNames(others)}.`
      : flat`Windows Server Backup on host '${hostRef.name}' can only restore host volume '${volumeRef.name}' as a whole; no other VM is on it today, but any VM placed there later would roll back with '${vm.name}'.`;
  },
  remedy: ({ volumeRef, hostRef }, vm) =>
    flat`Install a VSS-aware product (the Migawka agent) on host '${hostRef.name}' to back up and restore VMs one by one with Hyper-V VSS; until then restore '${volumeRef.name}' to a scratch location and copy out only '${vm.name}' (staged restore).`,
  objects({ volumeRef, hostRef, onVolume }, vm) {
    const objects: ObjectRef[] = [vm, volumeRef, hostRef];
    appendAll(objects, othersThan(vm, onVolume));
    return objects;
  },
};

/**
 * Reported only where WSB is the host-level method in use (no VSS-aware product on the host):
 * elsewhere wsb-volume is a listed alternative, and its option already names the co-captured VMs.
 */
export function checkWsbGranularity(ctx: RuleContext, findings: Finding[]): void {
  if (ctx.host.hasVssAwareProduct) return;
  const volumes = ctx.diskHostVolumes;
  for (let i = 0; i < volumes.length; i++) {
    const facts = wsbVolumeOf(ctx, volumes[i]);
    const { onVolume } = facts;
    const hasOthers = onVolume.length > (onVolume.includes(ctx.vmRef) ? 1 : 0);
    findings.push(
      new LazilyWordedFinding(
        'WSB-VOLUME-GRANULARITY',
        hasOthers ? 'warning' : 'info',
        ctx.vm.id,
        WSB_METHODS,
        WSB_GRANULARITY_WORDS,
        facts,
        ctx.vmRef,
        undefined,
      ),
    );
  }
}
