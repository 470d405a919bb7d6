/**
 * The restore checks that hold for every mode: is the request consistent with the point and the
 * mode, is the VM there to be replaced and switched off, what the point itself lacks (crash
 * consistency, pass-through disks), and the typed confirmation a destructive mode requires.
 */
import type { HypervisorKind } from '../inventory';
import type { RestoreMode, RestorePlan } from '../plan-types';
import { isPartialPoint, listRestoreModes } from '../restore-points';
import type { Finding, ObjectRef } from '../types';
import { goneWords, powerStateInSentence } from '../words';
import { isPoweredOn, joinNames, type RestoreSubject, type Verdict, vmRef } from './model';
import { replacedVmName } from './replaced-vm';

/** Each restore mode as the subject of a sentence. */
const MODE_WORDS: Partial<Record<RestoreMode, string>> = {
  'as-new': 'Restoring as a new VM',
  staged: 'A staged restore',
  'in-place': 'Replacing the VM in place',
  'snapshot-revert': 'Reverting the VM to the snapshot',
  'volume-revert': 'Reverting the whole volume',
};

/** What a restore that replaces the VM does, in words ("an in-place restore"). */
const OVERWRITE_WORDS: Partial<Record<RestoreMode, string>> = {
  'in-place': 'an in-place restore',
  staged: 'copying it back in place',
  'snapshot-revert': 'reverting it to the snapshot',
  'volume-revert': 'reverting its volume',
};

/** What the operator confirms by typing the name, in words ("this revert of the whole volume"). */
const CONFIRMED_ACTION_WORDS: Record<RestoreMode, string> = {
  'as-new': 'restore as a new VM',
  staged: 'staged restore',
  'in-place': 'in-place restore',
  'snapshot-revert': 'revert to the snapshot',
  'volume-revert': 'revert of the whole volume',
};

/** The shutdown command of the VM's own hypervisor: no xe command for a Hyper-V VM. */
function shutdownCommand(kind: HypervisorKind | undefined, vmName: string): string {
  if (kind === 'hyperv') return `Stop-VM -Name '${vmName}' on its Hyper-V host`;
  if (kind === 'xenserver') return `xe vm-shutdown vm=${vmName} on the pool master`;
  return `Stop-VM -Name '${vmName}' on Hyper-V, xe vm-shutdown vm=${vmName} on XenServer`;
}

/** True when `text` is the confirmation the plan asks for (exact, ignoring surrounding spaces). */
export function isConfirmationValid(
  plan: Pick<RestorePlan, 'confirmationText'>,
  text: string | undefined,
): boolean {
  if (plan.confirmationText === null) return true;
  return text !== undefined && text.trim() === plan.confirmationText;
}

/** Blockers in the request itself: wrong point, a mode the point does not offer, a missing or taken name. */
export function checkRequest(subject: RestoreSubject, verdict: Verdict): void {
  const { index, point, request, mode, newVmName } = subject;
  const { blockedReasons } = verdict;
  if (request.restorePointId !== point.id) {
    blockedReasons.push(
      `The request names restore point ${request.restorePointId}, but point ${point.id} was given`,
    );
  }
  const modeOption = listRestoreModes(point, index).find((option) => option.mode === mode);
  if (!modeOption?.isAvailable) {
    blockedReasons.push(
      `${MODE_WORDS[mode] ?? 'This restore'} is not available for this point: ${modeOption?.reason ?? 'unknown mode'}`,
    );
  }
  if (mode === 'as-new' && newVmName === null) blockedReasons.push('Name the new VM');
  if (newVmName !== null && (mode === 'as-new' || mode === 'staged')) {
    const clash = index.inventory.vms.find((other) => other.name.toLowerCase() === newVmName.toLowerCase());
    if (clash)
      blockedReasons.push(
        `A VM named "${clash.name}" already exists; choose another name for the restored VM`,
      );
  }
  if (subject.replacesVm && !subject.vm) {
    blockedReasons.push(`VM ${subject.vmName} no longer exists; restore it as a new VM`);
  }
  // A gone VM is kept in the inventory but its host no longer has it: there is nothing to overwrite.
  if (subject.replacesVm && subject.vm?.goneSince) {
    const hostName = index.hostsById.get(subject.vm.hostId)?.name ?? subject.vm.hostId;
    blockedReasons.push(
      `${goneWords(subject.vmName, hostName, subject.vm.goneSince)}; restore it as a new VM`,
    );
  }
}

/**
 * A partial point (it lacks some of the VM's disks) says, for the chosen mode, what the restore
 * will not bring back: in place, the disks it does not hold keep their current contents, newer
 * than the restored ones; as a new VM, the new VM has no such disk at all.
 */
function partialPointFinding(subject: RestoreSubject): Finding {
  const { index, point, vmName, methods } = subject;
  const disks = index.disksByVm.get(point.vmId) ?? [];
  const missingRefs: ObjectRef[] = point.missingDiskIds.map((id) => ({
    kind: 'disk',
    id,
    name: disks.find((disk) => disk.id === id)?.name ?? id,
  }));
  const described = joinNames(missingRefs.map((ref) => ref.name));
  const one = missingRefs.length === 1;
  const total = point.heldDiskIds.length + point.missingDiskIds.length;
  const partial = `The point is partial: it holds ${point.heldDiskIds.length} of ${total} disks of ${vmName} and not ${described}`;
  const consequence = subject.replacesVm
    ? `restoring in place does not bring ${one ? 'that disk' : 'those disks'} back: ${one ? 'it keeps its' : 'they keep their'} current contents, newer than the restored disks`
    : `the restored VM gets ${one ? 'no such disk' : 'none of those disks'}`;
  return {
    ruleId: 'RESTORE-POINT-PARTIAL',
    severity: 'warning',
    vmId: point.vmId,
    methods,
    message: `${partial}: ${consequence}`,
    remedy: `Restore ${one ? 'that disk' : 'those disks'} from a guest-agent point of ${vmName} taken around the same time, or check ${one ? 'it matches' : 'they match'} the restored disks before starting the VM.`,
    objects: [vmRef(index, point.vmId, point.vmName), ...missingRefs],
  };
}

/** Findings about the point and the VM that hold whatever the mode. */
export function assessPoint(subject: RestoreSubject, verdict: Verdict): void {
  const { index, point, vm, vmName, methods, mode } = subject;
  if (point.consistency === 'crash') {
    verdict.findings.push({
      ruleId: 'RESTORE-CRASH-CONSISTENT',
      severity: 'warning',
      vmId: point.vmId,
      methods,
      message: `The point of ${vmName} is crash-consistent${point.consistencyReason ? ` (${point.consistencyReason})` : ''}: its applications will run crash recovery on first start`,
      remedy:
        'Prefer an application-consistent point if one is recent enough; otherwise check application logs after the restore.',
      objects: [vmRef(index, point.vmId, point.vmName), subject.pointRef],
    });
  }
  if (isPartialPoint(point)) verdict.findings.push(partialPointFinding(subject));
  if (subject.replacesVm && vm && isPoweredOn(index, vm.id)) {
    verdict.findings.push({
      ruleId: 'RESTORE-VM-RUNNING',
      severity: 'blocker',
      vmId: vm.id,
      methods,
      message: `VM ${vm.name} ${powerStateInSentence(vm)}; ${OVERWRITE_WORDS[mode] ?? 'this restore'} would overwrite a live VM`,
      remedy: `Shut down ${vm.name} first (${shutdownCommand(index.hostsById.get(vm.hostId)?.kind, vm.name)}), or restore it as a new VM.`,
      objects: [vmRef(index, vm.id)],
    });
  }
}

/**
 * The text an operator must type: host and volume for a volume revert; when a VM is replaced, its
 * name, with its host and id when a namesake would otherwise share it (replaced-vm.ts).
 */
export function confirmationFor(subject: RestoreSubject): string | null {
  switch (subject.mode) {
    case 'as-new':
      return null;
    case 'staged':
      return subject.isCopyOutInPlace ? replacedVmName(subject) : null;
    case 'in-place':
    case 'snapshot-revert':
      return replacedVmName(subject);
    case 'volume-revert':
      // Host and volume ("hv-02 D:"), array and LUNs: a bare "D:" names a volume on every host.
      return subject.volume?.uniqueName ?? null;
  }
}

/**
 * Why `typed` does not confirm a restore in `mode` asking for `confirmationText`, naming what to
 * type; null when it does, or nothing is asked. The plan's blocker and a retry's refusal (a retry
 * is confirmed afresh, services/retry-service.ts) say it in these same words.
 */
export function confirmationRefusal(
  mode: RestoreMode,
  confirmationText: string | null,
  typed: string | undefined,
): string | null {
  if (confirmationText === null || isConfirmationValid({ confirmationText }, typed)) return null;
  const what = mode === 'volume-revert' ? 'volume' : 'VM';
  return typed === undefined || typed.trim() === ''
    ? `Type the ${what} name "${confirmationText}" to confirm this ${CONFIRMED_ACTION_WORDS[mode]}`
    : `The confirmation "${typed.trim()}" does not match the ${what} name "${confirmationText}"`;
}

/** A destructive mode is blocked until the operator typed the name of what it destroys. */
export function checkConfirmation(
  subject: RestoreSubject,
  confirmationText: string | null,
  verdict: Verdict,
): void {
  const refusal = confirmationRefusal(subject.mode, confirmationText, subject.request.confirmation);
  if (refusal) verdict.blockedReasons.push(refusal);
}
