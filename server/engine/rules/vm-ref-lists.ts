/**
 * The estate's shared lists of VM refs by volume and by set of volumes (the VMs captured together
 * by a volume's or a LUN set's snapshot), and a VM's others on them. Built once per volume or set,
 * kept in the estate cache (context.ts), shared by every VM that reads them.
 */
import type { ArrayVolume, HostVolume, Vm } from '../inventory';
import type { ObjectRef } from '../types';
import {
  type EstateCache,
  hostVolumesOfVm,
  NONE,
  type RuleContext,
  sharedRefIn,
  type VolumeSetNode,
  vmsOnHostVolume,
} from './context';
import { vmRef } from './refs';

/**
 * Frozen refs of every VM with a disk on any of the volumes, in volume order, once each, skipping
 * ids missing from the index. Built once per set of volumes: the VMs of one host share its
 * volumes, so each set is listed for many VMs. Sets are looked up through a trie keyed by the
 * volume objects themselves (see VolumeSetNode): no key is built or hashed per VM. A set is merged
 * from its volumes' own lists (vmRefsOfVolume), so each VM id is looked up once per volume, not
 * once per set the volume is in.
 */
function vmRefsOnVolumes(
  ctx: RuleContext,
  volumes: readonly { id: string }[],
  vmsOnVolume: VmsOnVolume,
  root: VolumeSetNode,
): readonly ObjectRef[] {
  let node = root;
  // Indexed loops: this runs several times per VM, and for-of over the shared frozen lists and
  // fresh ones alike was not optimised into a plain loop (an iterator result per step).
  for (let i = 0; i < volumes.length; i++) {
    const volume = volumes[i];
    let next = node.next?.get(volume);
    if (!next) {
      next = { refs: null, next: null };
      node.next ??= new Map();
      node.next.set(volume, next);
    }
    node = next;
  }
  if (node.refs) return node.refs;
  if (volumes.length === 1) {
    node.refs = vmRefsOfVolume(ctx, volumes[0], vmsOnVolume);
    return node.refs;
  }
  const refs: ObjectRef[] = [];
  for (let i = 0; i < volumes.length; i++) {
    const onVolume = vmRefsOfVolume(ctx, volumes[i], vmsOnVolume);
    // Sets hold a few volumes of at most tens of VMs: a scan is cheaper than a Set per list.
    for (let j = 0; j < onVolume.length; j++)
      if (i === 0 || !refs.includes(onVolume[j])) refs.push(onVolume[j]);
  }
  node.refs = refs.length === 0 ? NONE : sameVmsList(ctx.cache, refs);
  return node.refs;
}

/** The shared frozen refs of the VMs with a disk on one volume (host or array), built once per volume. */
function vmRefsOfVolume(
  ctx: RuleContext,
  volume: { id: string },
  vmsOnVolume: VmsOnVolume,
): readonly ObjectRef[] {
  const { cache } = ctx;
  const known = cache.vmRefsByVolume.get(volume);
  if (known) return known;
  const vms = vmsOnVolume(ctx, volume.id);
  const refs: ObjectRef[] = [];
  for (let j = 0; j < vms.length; j++) refs.push(sharedRefIn(cache, vms[j], vmRef));
  const list = refs.length === 0 ? NONE : sameVmsList(cache, refs);
  cache.vmRefsByVolume.set(volume, list);
  return list;
}

/**
 * The estate's shared frozen list of these VM refs (built once per set of volumes, not per VM):
 * lists are found by their first ref, then compared item by item.
 */
function sameVmsList(cache: EstateCache, refs: ObjectRef[]): readonly ObjectRef[] {
  const first = refs[0];
  let known = cache.vmRefListsByFirst.get(first);
  if (known) {
    for (let i = 0; i < known.length; i++) if (sameItems(known[i], refs)) return known[i];
  } else {
    known = [];
    cache.vmRefListsByFirst.set(first, known);
  }
  const list = Object.freeze(refs);
  known.push(list);
  return list;
}

function sameItems(a: readonly ObjectRef[], b: readonly ObjectRef[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The VMs with a disk on one volume, by its id (the index's objects, ids missing from it left out). */
type VmsOnVolume = (ctx: RuleContext, volumeId: string) => readonly Vm[];

function vmsOnHostVolumeOf(ctx: RuleContext, volumeId: string): readonly Vm[] {
  return vmsOnHostVolume(ctx.index, ctx.cache, volumeId);
}

/** Each LUN's VMs are read once per LUN (its list of refs is kept), so they are not kept themselves. */
function vmsOnArrayVolume(ctx: RuleContext, volumeId: string): readonly Vm[] {
  const { index } = ctx;
  const vmIds = index.vmIdsByArrayVolume.get(volumeId) ?? NONE;
  const vms: Vm[] = [];
  for (let i = 0; i < vmIds.length; i++) {
    const vm = index.vmsById.get(vmIds[i]);
    if (vm) vms.push(vm);
  }
  return vms;
}

export function vmRefsOnHostVolumes(ctx: RuleContext, volumes: readonly HostVolume[]): readonly ObjectRef[] {
  return vmRefsOnVolumes(ctx, volumes, vmsOnHostVolumeOf, ctx.cache.vmRefsByHostVolumeSet);
}

export function vmRefsOnArrayVolumes(
  ctx: RuleContext,
  volumes: readonly ArrayVolume[],
): readonly ObjectRef[] {
  return vmRefsOnVolumes(ctx, volumes, vmsOnArrayVolume, ctx.cache.vmRefsByArrayVolumeSet);
}

/**
 * The list without the VM itself. A shared list that does not name the VM is returned as it is
 * (it is frozen); otherwise a new list.
 */
export function withoutSelf(ctx: RuleContext, refs: readonly ObjectRef[]): ObjectRef[] {
  if (ctx.othersOf === refs) return ctx.others;
  const self = ctx.vmRef;
  const at = refs.indexOf(self);
  if (at < 0) return refs as ObjectRef[];
  if (refs.length === 1) return NONE;
  const others = new Array<ObjectRef>(refs.length - 1);
  for (let i = 0, j = 0; i < refs.length; i++) if (i !== at) others[j++] = refs[i];
  ctx.othersOf = refs;
  ctx.others = others;
  return others;
}

/**
 * The other VMs with a disk on the host volumes holding the VM's files (hostVolumesOfVm). The VMs of
 * the volumes under its disks are kept on the estate's node of that list: one look-up per VM.
 */
export function otherVmRefsOnVmVolumes(ctx: RuleContext): ObjectRef[] {
  const volumes = hostVolumesOfVm(ctx);
  if (volumes.length === 0) return NONE;
  if (volumes !== ctx.diskHostVolumes) return withoutSelf(ctx, vmRefsOnHostVolumes(ctx, volumes));
  const set = ctx.diskHostVolumeSet;
  set.vmRefs ??= vmRefsOnHostVolumes(ctx, volumes);
  return withoutSelf(ctx, set.vmRefs);
}
