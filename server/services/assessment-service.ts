/**
 * Persists the engine's verdict on every VM (readiness, recommended method, findings), so list
 * pages filter and sort on it in SQL instead of evaluating the estate per request.
 *
 * The whole inventory is loaded with one query per table and evaluated in memory (the engine is
 * linear in the estate's size); assessments and findings are then rewritten wholesale. Runs
 * inside the caller's transaction when there is one, so an import and its assessment commit
 * together.
 */
import { type Db, sqliteOf } from '../../db/client';
import { findings, vmAssessments } from '../../db/schema';
import { loadInventory, rowWriter } from '../../db/stores/inventory-store';
import { evaluateInventory, type VmAssessment } from '../engine/evaluate';
import type { Inventory } from '../engine/inventory';
import { type Finding, READINESS, SEVERITIES, type Severity } from '../engine/types';

export interface AssessmentSummary {
  assessedVms: number;
  findings: number;
}

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** blockers × 1,000,000 + warnings × 1,000 + infos: sorts "most serious first" on one column. */
export function findingWeight(counts: { blockers: number; warnings: number; infos: number }): number {
  return counts.blockers * 1_000_000 + counts.warnings * 1_000 + counts.infos;
}

/** Re-evaluates the whole estate and rewrites vm_assessments and findings. */
export function recomputeAssessments(db: Db): AssessmentSummary {
  const run = sqliteOf(db).transaction(() => {
    const inventory = loadInventory(db);
    return writeAssessments(db, inventory, evaluateInventory(inventory));
  });
  return run.immediate();
}

/** Replaces every stored assessment with `assessments` (which must cover the whole inventory). */
export function writeAssessments(
  db: Db,
  inventory: Inventory,
  assessments: VmAssessment[],
): AssessmentSummary {
  const hostIdByVm = new Map(inventory.vms.map((vm) => [vm.id, vm.hostId]));
  const hostIdByVolume = new Map(inventory.hostVolumes.map((volume) => [volume.id, volume.hostId]));
  const hostIdOf = (vmId: string, finding: Finding): string | null => {
    const fromVm = hostIdByVm.get(finding.vmId ?? vmId);
    if (fromVm) return fromVm;
    for (const object of finding.objects) {
      if (object.kind === 'host') return object.id;
      if (object.kind === 'host-volume' && hostIdByVolume.has(object.id))
        return hostIdByVolume.get(object.id) ?? null;
    }
    return null;
  };

  sqliteOf(db).prepare('DELETE FROM findings').run();
  sqliteOf(db).prepare('DELETE FROM vm_assessments').run();
  const writeAssessment = rowWriter(db, vmAssessments, 'insert');
  const writeFinding = rowWriter(db, findings, 'insert');
  let findingCount = 0;
  for (const assessment of assessments) {
    const counts = { blockers: 0, warnings: 0, infos: 0 };
    for (const finding of assessment.findings) {
      if (finding.severity === 'blocker') counts.blockers++;
      else if (finding.severity === 'warning') counts.warnings++;
      else counts.infos++;
    }
    const { plan } = assessment;
    const recommended = plan.options.find((option) => option.method === plan.recommended) ?? null;
    writeAssessment({
      vmId: assessment.vmId,
      readiness: assessment.readiness,
      readinessRank: READINESS.indexOf(assessment.readiness),
      recommendedMethod: plan.recommended,
      consistency: recommended?.consistency ?? null,
      captureState: recommended?.captureState ?? null,
      blockerCount: counts.blockers,
      warningCount: counts.warnings,
      infoCount: counts.infos,
      findingWeight: findingWeight(counts),
      planJson: plan,
    });
    for (const finding of assessment.findings) {
      writeFinding({
        // Stored under the assessed VM even when the rule is host-wide, so the VM page lists it.
        vmId: assessment.vmId,
        hostId: hostIdOf(assessment.vmId, finding),
        ruleId: finding.ruleId,
        severity: finding.severity,
        severityRank: severityRank(finding.severity),
        message: finding.message,
        remedy: finding.remedy,
        methodsJson: finding.methods,
        objectsJson: finding.objects,
      });
      findingCount++;
    }
  }
  return { assessedVms: assessments.length, findings: findingCount };
}
