/**
 * Stage 4b of a backup plan: what each captured VM's point will say about itself before anything
 * runs. Two kinds of words:
 * - the consistency note: why a VM captured by a snapshot it did not choose (a neighbour's volume
 *   snapshot, whether it was in scope or not) gets the consistency it gets. The catalog step writes
 *   it on the point, so a co-captured VM's point never says nothing about itself;
 * - shortfalls: what the capture leaves short of the VM (a disk it does not hold, a consistency
 *   below what the VM's own method gives). The catalog step records them as its warning, so the
 *   operation ends "succeeded with warnings" saying why.
 */
import type { VirtualDisk } from '../inventory';
import { type BackupMethod, type Consistency, consistencyRank } from '../types';
import { METHOD_IN_SENTENCE } from '../words';
import { type CaptureGroup, joinNames, type PlanningInput, quote, type VmCapture } from './model';

const SNAPSHOT_WORDS: Record<BackupMethod, string> = {
  'hyperv-vss': 'Hyper-V VSS snapshot',
  'wsb-volume': 'Windows Server Backup snapshot',
  'xen-snapshot': 'regular XenServer snapshot',
  'xen-quiesced': 'quiesced XenServer snapshot',
  'array-snapshot': 'array snapshot',
  'guest-agent': 'in-guest agent copy',
};

const APPLICATION_WORDS: Record<string, string> = { sqlserver: 'SQL Server', exchange: 'Exchange' };

/** Why a capture reaches its consistency, as a clause ("crash-consistent: it was not frozen, …"). */
export function explainConsistency(capture: VmCapture): string {
  const { vm, method, option, expectedConsistency: level } = capture;
  if (option.captureState === 'offline') {
    return 'filesystem-consistent: it was off, so its file systems are clean but its applications are not known to have stopped cleanly';
  }
  if (option.captureState === 'saved-state') {
    return `${level}-consistent: memory and disks captured together while it was in saved state; applications resume where they stopped, no in-guest VSS`;
  }
  if (vm.powerState === 'paused') {
    return 'crash-consistent: it was paused, and its unsaved memory is not in the snapshot';
  }
  if (method === 'array-snapshot') {
    if (level === 'crash') {
      const apps = vm.applications.filter((app) => app in APPLICATION_WORDS).map((a) => APPLICATION_WORDS[a]);
      return apps.length > 0 && !capture.scripts.preFreeze
        ? `crash-consistent: it runs ${joinNames(apps)} without a pre-freeze script, so it was not frozen before the array snapshot`
        : 'crash-consistent: it was not frozen before the array snapshot';
    }
    const freeze = vm.osFamily === 'windows' ? 'VSS inside the guest' : 'fsfreeze';
    const script = capture.scripts.preFreeze ? ' after its pre-freeze script' : '';
    return `${level}-consistent: Migawka froze it (${freeze})${script} just before the array snapshot`;
  }
  if (method === 'wsb-volume' || method === 'hyperv-vss') {
    return level === 'application'
      ? 'application-consistent: the Hyper-V VSS writer quiesced its applications online'
      : `${level}-consistent: the Hyper-V VSS writer froze its file systems online (no application writers)`;
  }
  return `${level}-consistent: ${SNAPSHOT_WORDS[method]}`;
}

function volumeWords(input: PlanningInput, group: CaptureGroup): string {
  const names = group.volumeIds.map((id) =>
    group.method === 'wsb-volume'
      ? (input.index.hostVolumesById.get(id)?.name ?? id)
      : (input.index.arrayVolumesById.get(id)?.name ?? id),
  );
  return joinNames(names);
}

/** A VM its group's method was not chosen for: co-captured, or pulled into a neighbour's volume snapshot. */
function isPulledIn(input: PlanningInput, capture: VmCapture): boolean {
  if (capture.isCoCaptured) return true;
  return !capture.isExplicit && input.methodPlanOf(capture.vm.id).recommended !== capture.method;
}

function describeLeftOut(input: PlanningInput, capture: VmCapture, disks: VirtualDisk[]): string {
  const passthrough = disks.filter((disk) => disk.kind === 'passthrough');
  const elsewhere = disks.filter((disk) => disk.kind !== 'passthrough');
  const parts: string[] = [];
  if (passthrough.length > 0) {
    parts.push(
      `pass-through disk${passthrough.length > 1 ? 's' : ''} ${joinNames(passthrough.map((d) => quote(d.name)))}, which ${METHOD_IN_SENTENCE[capture.method]} cannot capture`,
    );
  }
  if (elsewhere.length > 0) {
    parts.push(
      `disk${elsewhere.length > 1 ? 's' : ''} ${joinNames(elsewhere.map((d) => quote(d.name)))} on ${joinNames(
        [
          ...new Set(
            elsewhere.map((d) => input.index.hostVolumesById.get(d.hostVolumeId ?? '')?.name ?? 'storage'),
          ),
        ],
      )}, outside the snapshot`,
    );
  }
  return `the point of ${quote(capture.vm.name)} leaves out ${parts.join(' and ')}: it is partial`;
}

function describeConsistencyShortfall(input: PlanningInput, capture: VmCapture): string | null {
  if (!isPulledIn(input, capture)) return null;
  const own = input.methodPlanOf(capture.vm.id);
  const ownOption = own.options.find((option) => option.method === own.recommended);
  const ownLevel: Consistency | null = ownOption?.consistency ?? null;
  if (!own.recommended || !ownLevel) return null;
  if (consistencyRank(capture.expectedConsistency) >= consistencyRank(ownLevel)) return null;
  return `${quote(capture.vm.name)} is captured ${capture.expectedConsistency}-consistent by the ${SNAPSHOT_WORDS[capture.method]} of its volume, where ${METHOD_IN_SENTENCE[own.recommended]} on its own gives it ${ownLevel} consistency`;
}

/** Sets each capture's consistency note and shortfalls (after the assessment settled its consistency). */
export function annotateCaptures(
  input: PlanningInput,
  groups: CaptureGroup[],
  captures: Map<string, VmCapture>,
): void {
  for (const group of groups) {
    const members = group.vmIds.map((id) => captures.get(id)).filter((c): c is VmCapture => c !== undefined);
    const asked = members.filter((m) => !isPulledIn(input, m)).map((m) => quote(m.vm.name));
    for (const capture of members) {
      const shortfalls: string[] = [];
      if (capture.excludedDisks.length > 0)
        shortfalls.push(describeLeftOut(input, capture, capture.excludedDisks));
      const consistency = describeConsistencyShortfall(input, capture);
      if (consistency) shortfalls.push(consistency);
      capture.shortfalls = shortfalls;
      if (!isPulledIn(input, capture)) continue;
      const snapshot = `the ${SNAPSHOT_WORDS[group.method]}${asked.length > 0 ? ` taken for ${joinNames(asked)}` : ''}`;
      const own = input.methodPlanOf(capture.vm.id).recommended;
      capture.consistencyNote = capture.isCoCaptured
        ? `Co-captured, not asked for: it is on ${volumeWords(input, group)}, which ${snapshot} captures whole; ${explainConsistency(capture)}`
        : `Captured by ${snapshot} (it shares ${volumeWords(input, group)}), not by ${own ? METHOD_IN_SENTENCE[own] : 'a method of its own'}; ${explainConsistency(capture)}`;
    }
  }
}
