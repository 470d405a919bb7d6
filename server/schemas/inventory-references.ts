/**
 * The inventory file's referential checks (docs/inventory-format.md). They run on the raw input (an
 * item whose shape is broken still has its references checked) against the union of the stored
 * inventory (merge) and the incoming file, one check per section, each adding to the same list of
 * field errors (`section[index].field`: what is wrong, in words).
 */

import type { FieldError } from '../engine/errors';
import type { Inventory } from '../engine/inventory';

type RawItem = Record<string, unknown>;

function itemsOf(raw: unknown, section: keyof Inventory): RawItem[] {
  if (typeof raw !== 'object' || raw === null) return [];
  const list = (raw as Record<string, unknown>)[section];
  if (!Array.isArray(list)) return [];
  return list.map((item) => (typeof item === 'object' && item !== null ? (item as RawItem) : {}));
}

function str(item: RawItem, key: string): string | null {
  const value = item[key];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** Id → item, stored objects first, incoming ones replacing them (merge semantics). */
function lookup(existing: readonly object[] | undefined, incoming: RawItem[]): Map<string, RawItem> {
  const map = new Map<string, RawItem>();
  for (const item of existing ?? []) {
    const itemId = str(item as RawItem, 'id');
    if (itemId) map.set(itemId, item as RawItem);
  }
  for (const item of incoming) {
    const itemId = str(item, 'id');
    if (itemId) map.set(itemId, item);
  }
  return map;
}

const SECTION_NOUNS: Record<keyof Inventory, string> = {
  hosts: 'host',
  hostVolumes: 'host volume',
  vms: 'VM',
  virtualDisks: 'virtual disk',
  guestVolumes: 'guest volume',
  arrays: 'storage array',
  arrayVolumes: 'array volume',
  consistencyGroups: 'consistency group',
};

/** The incoming file and everything it may refer to, and the errors found so far. */
interface ReferenceCheck {
  incoming: Record<keyof Inventory, RawItem[]>;
  byId: Record<keyof Inventory, Map<string, RawItem>>;
  errors: FieldError[];
  /** The item `item.field` names in `target`; null (and an error when it names something absent) otherwise. */
  refer(
    section: keyof Inventory,
    index: number,
    item: RawItem,
    field: string,
    target: keyof Inventory,
  ): RawItem | null;
  fail(section: keyof Inventory, index: number, field: string, message: string): void;
}

function referenceCheck(raw: unknown, existing: Inventory | undefined): ReferenceCheck {
  const errors: FieldError[] = [];
  const incoming = {} as Record<keyof Inventory, RawItem[]>;
  const byId = {} as Record<keyof Inventory, Map<string, RawItem>>;
  for (const section of Object.keys(SECTION_NOUNS) as (keyof Inventory)[]) {
    incoming[section] = itemsOf(raw, section);
    byId[section] = lookup(existing?.[section], incoming[section]);
  }
  return {
    incoming,
    byId,
    errors,
    refer(section, index, item, field, target) {
      const targetId = str(item, field);
      if (targetId === null) return null;
      const found = byId[target].get(targetId);
      if (!found) {
        errors.push({
          path: `${section}[${index}].${field}`,
          message: `refers to ${SECTION_NOUNS[target]} "${targetId}", which does not exist`,
        });
        return null;
      }
      return found;
    },
    fail(section, index, field, message) {
      errors.push({ path: `${section}[${index}].${field}`, message });
    },
  };
}

/** Unique ids inside the file (a stored id repeated once is an update, not a duplicate). */
function checkUniqueIds({ incoming, errors }: ReferenceCheck): void {
  for (const section of Object.keys(SECTION_NOUNS) as (keyof Inventory)[]) {
    const firstIndex = new Map<string, number>();
    incoming[section].forEach((item, index) => {
      const itemId = str(item, 'id');
      if (!itemId) return;
      const first = firstIndex.get(itemId);
      if (first === undefined) firstIndex.set(itemId, index);
      else
        errors.push({
          path: `${section}[${index}].id`,
          message: `duplicate id "${itemId}" (already used by ${section}[${first}])`,
        });
    });
  }
}

function checkHostVolumes({ incoming, refer, fail }: ReferenceCheck): void {
  incoming.hostVolumes.forEach((volume, i) => {
    refer('hostVolumes', i, volume, 'hostId', 'hosts');
    const shadow = refer('hostVolumes', i, volume, 'shadowStorageVolumeId', 'hostVolumes');
    if (shadow && str(shadow, 'hostId') !== str(volume, 'hostId')) {
      fail('hostVolumes', i, 'shadowStorageVolumeId', 'shadow storage must be on a volume of the same host');
    }
    refer('hostVolumes', i, volume, 'arrayVolumeId', 'arrayVolumes');
    const { sizeBytes, freeBytes } = volume;
    if (typeof sizeBytes === 'number' && typeof freeBytes === 'number' && freeBytes > sizeBytes) {
      fail('hostVolumes', i, 'freeBytes', `must not exceed sizeBytes (${sizeBytes})`);
    }
  });
}

function checkVms({ incoming, refer, fail }: ReferenceCheck): void {
  incoming.vms.forEach((vm, i) => {
    const host = refer('vms', i, vm, 'hostId', 'hosts');
    const snapshotVolume = refer('vms', i, vm, 'snapshotLocationVolumeId', 'hostVolumes');
    if (snapshotVolume && host && str(snapshotVolume, 'hostId') !== str(host, 'id')) {
      fail('vms', i, 'snapshotLocationVolumeId', "must be a volume of the VM's host");
    }
    if (host && str(host, 'kind') === 'hyperv' && vm.backupIntegrationService == null) {
      fail(
        'vms',
        i,
        'backupIntegrationService',
        'is required for a VM on a Hyper-V host (running, stopped or missing)',
      );
    }
  });
}

function checkVirtualDisks({ incoming, byId, refer, fail }: ReferenceCheck): void {
  incoming.virtualDisks.forEach((disk, i) => {
    const vm = refer('virtualDisks', i, disk, 'vmId', 'vms');
    refer('virtualDisks', i, disk, 'hostVolumeId', 'hostVolumes');
    refer('virtualDisks', i, disk, 'arrayVolumeId', 'arrayVolumes');
    const kind = str(disk, 'kind');
    const hasHostVolume = str(disk, 'hostVolumeId') !== null;
    if (kind === 'passthrough' && hasHostVolume) {
      fail('virtualDisks', i, 'hostVolumeId', 'must be null for a pass-through disk (it is a physical disk)');
    }
    if ((kind === 'vhdx' || kind === 'vdi') && !hasHostVolume) {
      fail('virtualDisks', i, 'hostVolumeId', `is required for a ${kind} disk (the volume or SR holding it)`);
    }
    if ((kind === 'vhdx' || kind === 'vdi') && str(disk, 'arrayVolumeId') !== null) {
      fail(
        'virtualDisks',
        i,
        'arrayVolumeId',
        'must be null unless the disk is pass-through (the array volume comes from its host volume)',
      );
    }
    const host = vm ? byId.hosts.get(str(vm, 'hostId') ?? '') : undefined;
    const hostKind = host ? str(host, 'kind') : null;
    if (kind === 'vhdx' && hostKind === 'xenserver')
      fail('virtualDisks', i, 'kind', 'a XenServer VM has vdi disks');
    if (kind === 'vdi' && hostKind === 'hyperv')
      fail('virtualDisks', i, 'kind', 'a Hyper-V VM has vhdx disks');
  });
}

function checkGuestVolumes({ incoming, byId, refer, fail }: ReferenceCheck): void {
  const mountPointsByVm = new Map<string, Set<string>>();
  // Merge: the stored volumes the file leaves as they are, by VM and mount point.
  const isIncoming = new Set(incoming.guestVolumes);
  const keptStored = new Map<string, string>();
  for (const volume of byId.guestVolumes.values()) {
    const vmId = str(volume, 'vmId');
    const mountPoint = str(volume, 'mountPoint');
    if (!vmId || !mountPoint) continue;
    const set = mountPointsByVm.get(vmId) ?? new Set<string>();
    set.add(mountPoint.toLowerCase());
    mountPointsByVm.set(vmId, set);
    if (!isIncoming.has(volume)) keptStored.set(mountPointKey(vmId, mountPoint), str(volume, 'id') ?? '');
  }
  const seenMountPoints = new Map<string, number>();
  incoming.guestVolumes.forEach((volume, i) => {
    refer('guestVolumes', i, volume, 'vmId', 'vms');
    const vmId = str(volume, 'vmId');
    const disk = refer('guestVolumes', i, volume, 'diskId', 'virtualDisks');
    if (disk && str(disk, 'vmId') !== vmId)
      fail('guestVolumes', i, 'diskId', 'must be a disk of the same VM');
    const mountPoint = str(volume, 'mountPoint');
    if (vmId && mountPoint) {
      const key = mountPointKey(vmId, mountPoint);
      const first = seenMountPoints.get(key);
      const stored = keptStored.get(key);
      if (first !== undefined) {
        fail(
          'guestVolumes',
          i,
          'mountPoint',
          `duplicate mount point ${mountPoint} (see guestVolumes[${first}])`,
        );
      } else if (stored !== undefined) {
        // A second C: beside the stored one: give the stored volume's id to update it instead.
        fail(
          'guestVolumes',
          i,
          'mountPoint',
          `duplicate mount point ${mountPoint} (the VM has it already: stored guest volume "${stored}")`,
        );
      } else seenMountPoints.set(key, i);
    }
    const shadowOn = str(volume, 'shadowStorageOn');
    if (vmId && shadowOn && !mountPointsByVm.get(vmId)?.has(shadowOn.toLowerCase())) {
      fail('guestVolumes', i, 'shadowStorageOn', `refers to ${shadowOn}, which is not a volume of this VM`);
    }
  });
}

function mountPointKey(vmId: string, mountPoint: string): string {
  return `${vmId}\u0000${mountPoint.toLowerCase()}`;
}

function checkArrayObjects({ incoming, refer, fail }: ReferenceCheck): void {
  incoming.consistencyGroups.forEach((group, i) => {
    refer('consistencyGroups', i, group, 'arrayId', 'arrays');
  });
  incoming.arrayVolumes.forEach((volume, i) => {
    refer('arrayVolumes', i, volume, 'arrayId', 'arrays');
    const group = refer('arrayVolumes', i, volume, 'consistencyGroupId', 'consistencyGroups');
    if (group && str(group, 'arrayId') !== str(volume, 'arrayId')) {
      fail('arrayVolumes', i, 'consistencyGroupId', 'must be a consistency group of the same array');
    }
  });
}

/** Every referential error of the file, in section order. */
export function checkReferences(raw: unknown, existing: Inventory | undefined): FieldError[] {
  const check = referenceCheck(raw, existing);
  for (const section of [
    checkUniqueIds,
    checkHostVolumes,
    checkVms,
    checkVirtualDisks,
    checkGuestVolumes,
    checkArrayObjects,
  ]) {
    section(check);
  }
  return check.errors;
}
