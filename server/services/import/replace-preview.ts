/**
 * A replace import, previewed and confirmed (issue 8 §3: safe by default).
 *
 * The preview says, by name and with counts, what the replace would remove: hosts, VMs (and the
 * volumes, disks and arrays going with them), the backup jobs whose scope would lose VMs or its
 * volume, and the restore points that would then belong to no VM in the inventory. It carries the
 * words the operator must type and a fingerprint of exactly what goes. The import checks both
 * again inside its write transaction: a confirmation typed for an older preview is refused, so a
 * replace never removes more than the operator was shown.
 */
import type { Stores } from '../../../db/stores/ports';
import type { InventoryCounts } from '../../../db/stores/ports/inventory';
import type { JobRecord } from '../../../db/stores/ports/job-store';
import {
  type InventoryRemoval,
  isEmptyRemoval,
  removalConfirmationPhrase,
  removalFingerprint,
  removalOf,
} from '../../engine/import-removal';
import type { Inventory } from '../../engine/inventory';
import type { BackupRequest } from '../../schemas/operations';
import { DomainError } from '../errors';

/** Names listed per kind of object; the counts are always whole. */
export const PREVIEW_NAME_LIMIT = 200;

export interface ReplaceConfirmation {
  /** What the operator typed; must equal the preview's phrase. */
  phrase: string;
  /** The preview's fingerprint of what goes. */
  removalFingerprint: string;
}

export interface NamedList {
  count: number;
  /** At most PREVIEW_NAME_LIMIT, sorted. */
  names: string[];
}

export interface JobImpact {
  id: string;
  name: string;
  /** Names of the scope's VMs the replace removes. */
  lostVms: string[];
  /** The job's volume (host volume or LUN) is removed: it would back up nothing. */
  lostVolume: string | null;
  /** Nothing of its scope would be left. */
  isLeftEmpty: boolean;
}

export interface ReplacePreview {
  /** Objects in the file, per section. */
  file: InventoryCounts;
  /** Objects stored now, per section. */
  stored: InventoryCounts;
  removes: {
    hosts: NamedList;
    vms: NamedList;
    /** Per section, everything the replace deletes (volumes, disks, arrays too). */
    counts: InventoryCounts;
  };
  jobs: JobImpact[];
  /** Restore points whose VM the replace removes: they stay, pointing at no VM in the inventory. */
  /** `byVm` holds the VMs with the most points, at most PREVIEW_NAME_LIMIT; `vmCount` counts them all. */
  restorePoints: { count: number; vmCount: number; byVm: { vmName: string; points: number }[] };
  /** Null when the replace removes nothing (it then only adds and updates). */
  confirmation: { phrase: string; removalFingerprint: string } | null;
}

export async function previewReplace(
  stores: Pick<Stores, 'inventory' | 'jobs' | 'restorePoints'>,
  incoming: Inventory,
): Promise<ReplacePreview> {
  const stored = await stores.inventory.loadInventory();
  const removal = removalOf(stored, incoming);
  const namesOf = <T extends { id: string; name: string }>(items: T[], ids: string[]): NamedList => {
    const gone = new Set(ids);
    const names = items.filter((item) => gone.has(item.id)).map((item) => item.name);
    return { count: names.length, names: names.sort().slice(0, PREVIEW_NAME_LIMIT) };
  };
  const vmNames = new Map(stored.vms.map((vm) => [vm.id, vm.name]));
  const pointCounts = await stores.restorePoints.pointCountsByVm(removal.vms);
  const phrase = removalConfirmationPhrase(removal);
  return {
    file: countsOf(incoming),
    stored: countsOf(stored),
    removes: {
      hosts: namesOf(stored.hosts, removal.hosts),
      vms: namesOf(stored.vms, removal.vms),
      counts: countsOf(removal),
    },
    jobs: jobImpacts(await stores.jobs.list(), removal, stored, vmNames),
    restorePoints: {
      count: pointCounts.reduce((sum, row) => sum + row.points, 0),
      vmCount: pointCounts.length,
      byVm: pointCounts
        .map((row) => ({ vmName: vmNames.get(row.vmId) ?? row.vmName, points: row.points }))
        .sort((a, b) => b.points - a.points || a.vmName.localeCompare(b.vmName))
        .slice(0, PREVIEW_NAME_LIMIT),
    },
    confirmation: phrase ? { phrase, removalFingerprint: removalFingerprint(removal) } : null,
  };
}

function jobImpacts(
  jobs: JobRecord[],
  removal: InventoryRemoval,
  stored: Inventory,
  vmNames: Map<string, string>,
): JobImpact[] {
  const goneVms = new Set(removal.vms);
  const goneVolumes = new Set([...removal.hostVolumes, ...removal.arrayVolumes]);
  const volumeNames = new Map(
    [...stored.hostVolumes, ...stored.arrayVolumes].map((volume) => [volume.id, volume.name]),
  );
  const impacts: JobImpact[] = [];
  for (const job of jobs) {
    const { scope } = job.requestJson as unknown as BackupRequest;
    if (scope.kind === 'vms') {
      const lost = scope.vmIds.filter((id) => goneVms.has(id));
      if (lost.length === 0) continue;
      impacts.push({
        id: job.id,
        name: job.name,
        lostVms: lost.map((id) => vmNames.get(id) ?? id).sort(),
        lostVolume: null,
        isLeftEmpty: lost.length === scope.vmIds.length,
      });
    } else {
      const volumeId = scope.kind === 'host-volume' ? scope.hostVolumeId : scope.arrayVolumeId;
      if (!goneVolumes.has(volumeId)) continue;
      impacts.push({
        id: job.id,
        name: job.name,
        lostVms: [],
        lostVolume: volumeNames.get(volumeId) ?? volumeId,
        isLeftEmpty: true,
      });
    }
  }
  return impacts.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The import's check inside its write transaction: a replace that removes anything must carry
 * the confirmation of a preview of exactly this removal.
 */
export function assertReplaceConfirmed(
  removal: InventoryRemoval,
  confirmation: ReplaceConfirmation | undefined,
): void {
  if (isEmptyRemoval(removal)) return;
  const phrase = removalConfirmationPhrase(removal) ?? '';
  const summary = phrase.replace(/^remove /, '');
  if (!confirmation) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      `This replace would remove ${summary}: preview it and type the confirmation first. Nothing was imported.`,
      [{ path: 'confirmation', message: `Type "${phrase}" to confirm what the replace removes` }],
    );
  }
  if (confirmation.removalFingerprint !== removalFingerprint(removal)) {
    throw new DomainError(
      'CONFLICT',
      `The inventory changed since the preview: the replace would now remove ${summary}. Preview it again. Nothing was imported.`,
      [{ path: 'confirmation', message: 'The preview is out of date; preview the replace again' }],
    );
  }
  if (confirmation.phrase.trim() !== phrase) {
    throw new DomainError('INVALID_INPUT', `Type "${phrase}" to confirm the replace. Nothing was imported.`, [
      { path: 'confirmation.phrase', message: `Type "${phrase}" exactly` },
    ]);
  }
}

function countsOf(inventory: Record<keyof Inventory, readonly unknown[]>): InventoryCounts {
  return Object.fromEntries(
    Object.entries(inventory).map(([section, items]) => [section, items.length]),
  ) as InventoryCounts;
}
