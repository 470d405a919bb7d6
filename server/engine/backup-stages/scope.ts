/**
 * Stages 1 and 2 of a backup plan: the VMs the request names (listed, or every VM with a disk on
 * the host volume / array volume), then the method of each (the requested one, else the planner's
 * recommendation). A VM no method can back up is a blocker that repeats the planner's reasons.
 */
import type { InventoryIndex } from '../inventory';
import type { BackupMethod } from '../types';
import { type Assignment, type BackupScope, type PlanningInput, quote, type Verdict } from './model';

/** The VM ids the scope names, in the operator's order; blockers for what it names but does not exist. */
export function resolveScope(index: InventoryIndex, scope: BackupScope, verdict: Verdict): string[] {
  const { blockedReasons } = verdict;
  switch (scope.kind) {
    case 'vms': {
      const known = [...new Set(scope.vmIds)].filter((vmId) => {
        if (index.vmsById.has(vmId)) return true;
        blockedReasons.push(`VM '${vmId}' is not in the inventory`);
        return false;
      });
      if (scope.vmIds.length === 0) blockedReasons.push('Choose at least one VM to back up');
      return known;
    }
    case 'host-volume': {
      const volume = index.hostVolumesById.get(scope.hostVolumeId);
      if (!volume) {
        blockedReasons.push(`Host volume '${scope.hostVolumeId}' is not in the inventory`);
        return [];
      }
      const vmIds = index.vmIdsByHostVolume.get(volume.id) ?? [];
      if (vmIds.length === 0) blockedReasons.push(`No VM has files on host volume '${volume.name}'`);
      return vmIds;
    }
    case 'array-volume': {
      const volume = index.arrayVolumesById.get(scope.arrayVolumeId);
      if (!volume) {
        blockedReasons.push(`Array volume '${scope.arrayVolumeId}' is not in the inventory`);
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
    if (!scopeVmIds.includes(vmId) && index.vmsById.has(vmId)) {
      verdict.blockedReasons.push(
        `A method is chosen for VM ${quote(nameOf(vmId))}, which is not in the backup scope`,
      );
    }
  }
  for (const vmId of Object.keys(request.scripts ?? {})) {
    if (!scopeVmIds.includes(vmId)) {
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
