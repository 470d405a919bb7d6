/**
 * Stages 1 and 2 of a backup plan: the VMs the request names (listed, or every VM with a disk on
 * the host volume / array volume), then the method of each (the requested one, else the planner's
 * recommendation). A VM no method can back up is a blocker that repeats the planner's reasons.
 */
import type { InventoryIndex, Vm } from '../inventory';
import type { BackupMethod, Finding } from '../types';
import { utcMinute } from '../words';
import {
  type Assignment,
  type BackupScope,
  isGone,
  type PlanningInput,
  quote,
  type Verdict,
  vmRef,
} from './model';

/**
 * A VM a sync of its host no longer saw is not backed up (there is nothing left to capture), but
 * the run says so in words and goes on with the rest; its points stay restorable as a new VM.
 */
function goneFinding(index: InventoryIndex, vm: Vm, since: Date): Finding {
  const hostName = index.hostsById.get(vm.hostId)?.name ?? vm.hostId;
  return {
    ruleId: 'BACKUP-VM-GONE',
    severity: 'warning',
    vmId: vm.id,
    methods: [],
    message: `VM ${quote(vm.name)} is gone from ${hostName} since ${utcMinute(since)}: it is not backed up; the other VMs are.`,
    remedy: `Restore ${quote(vm.name)} as a new VM from one of its restore points if it was removed by mistake, or drop it from the job's scope.`,
    objects: [vmRef(vm)],
  };
}

/**
 * A VM of the scope the inventory does not have: by the name it was last known by (a job saved
 * before the VM was removed: services/plans.ts lastKnownVmNames), else by its id, the only thing
 * left of it.
 */
function missingVmReason(vmId: string, lastKnownName: string | undefined): string {
  return lastKnownName === undefined
    ? `VM '${vmId}' is not in the inventory`
    : `VM '${lastKnownName}' is no longer in the inventory: it was removed from it`;
}

/** The VM ids the scope names, in the operator's order; blockers for what it names but does not exist. */
export function resolveScope(
  index: InventoryIndex,
  scope: BackupScope,
  verdict: Verdict,
  lastKnownVmNames: ReadonlyMap<string, string> = new Map(),
): string[] {
  const named = namedByScope(index, scope, verdict, lastKnownVmNames);
  const present = named.filter((vmId) => {
    const vm = index.vmsById.get(vmId);
    if (!vm?.goneSince) return true;
    verdict.findings.push(goneFinding(index, vm, vm.goneSince));
    return false;
  });
  if (named.length > 0 && present.length === 0) {
    verdict.blockedReasons.push(
      'Nothing to back up: every VM of the scope is gone from its host (see the findings)',
    );
  }
  return present;
}

function namedByScope(
  index: InventoryIndex,
  scope: BackupScope,
  verdict: Verdict,
  lastKnownVmNames: ReadonlyMap<string, string>,
): string[] {
  const { blockedReasons } = verdict;
  switch (scope.kind) {
    case 'vms': {
      const known = [...new Set(scope.vmIds)].filter((vmId) => {
        if (index.vmsById.has(vmId)) return true;
        blockedReasons.push(missingVmReason(vmId, lastKnownVmNames.get(vmId)));
        return false;
      });
      if (scope.vmIds.length === 0) blockedReasons.push('Choose at least one VM to back up');
      return known;
    }
    case 'host-volume': {
      const volume = index.hostVolumesById.get(scope.hostVolumeId);
      if (!volume) {
        // Its name left the inventory with it: said without the id nobody reads.
        blockedReasons.push(
          'The host volume this job backs up is no longer in the inventory: edit the job to back up another scope',
        );
        return [];
      }
      const vmIds = index.vmIdsByHostVolume.get(volume.id) ?? [];
      if (vmIds.length === 0) blockedReasons.push(`No VM has files on host volume '${volume.name}'`);
      return vmIds;
    }
    case 'array-volume': {
      const volume = index.arrayVolumesById.get(scope.arrayVolumeId);
      if (!volume) {
        blockedReasons.push(
          'The array volume this job backs up is no longer in the inventory: edit the job to back up another scope',
        );
        return [];
      }
      const vmIds = index.vmIdsByArrayVolume.get(volume.id) ?? [];
      if (vmIds.length === 0) blockedReasons.push(`No VM has disks on array volume '${volume.name}'`);
      return vmIds;
    }
  }
}

/** Per-VM choices (methods, scripts) for VMs outside the scope would be silently ignored: refuse them. */
export function checkChoicesInScope(input: PlanningInput, scopeVmIds: string[], verdict: Verdict): void {
  const { index, request, nameOf } = input;
  for (const vmId of Object.keys(request.methodByVm ?? {})) {
    // A gone VM left the scope on its own (its finding says so): its choices wait for its return.
    if (!scopeVmIds.includes(vmId) && index.vmsById.has(vmId) && !isGone(index, vmId)) {
      verdict.blockedReasons.push(
        `A method is chosen for VM ${quote(nameOf(vmId))}, which is not in the backup scope`,
      );
    }
  }
  for (const vmId of Object.keys(request.scripts ?? {})) {
    if (!scopeVmIds.includes(vmId) && !isGone(index, vmId)) {
      verdict.blockedReasons.push(
        `Scripts are given for VM ${quote(nameOf(vmId))}, which is not in the backup scope`,
      );
    }
  }
}

/** The method of every VM in scope; a VM without one is left out, with the planner's reasons. */
export function assignMethods(
  input: PlanningInput,
  scopeVmIds: string[],
  verdict: Verdict,
): Map<string, Assignment> {
  const methodByVm: Record<string, BackupMethod> = input.request.methodByVm ?? {};
  const assignments = new Map<string, Assignment>();
  for (const vmId of scopeVmIds) {
    const explicit = methodByVm[vmId];
    const method = explicit ?? input.methodPlanOf(vmId).recommended;
    if (method) {
      assignments.set(vmId, { method, isExplicit: explicit !== undefined, isCoCaptured: false });
      continue;
    }
    const methodPlan = input.methodPlanOf(vmId);
    verdict.blockedReasons.push(
      `No method can back up VM ${quote(input.nameOf(vmId))}: ${methodPlan.recommendationReason}`,
    );
    // Every finding about the VM explains why; the options repeat the VM-wide ones, so dedupe.
    const seen = new Set<string>();
    for (const finding of methodPlan.options.flatMap((option) => option.findings)) {
      const key = `${finding.ruleId}|${finding.message}`;
      if (!seen.has(key)) verdict.findings.push(finding);
      seen.add(key);
    }
  }
  return assignments;
}
