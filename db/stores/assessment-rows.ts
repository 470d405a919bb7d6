/**
 * The stored form of the engine's verdicts: one row per VM (readiness and recommendation with
 * their sort ranks) and one per finding (with the host it belongs to). Pure, so every store
 * implementation writes the same rows.
 */
import type { VmAssessment } from '../../server/engine/evaluate';
import type { Inventory } from '../../server/engine/inventory';
import type { MethodPlan } from '../../server/engine/planner';
import {
  type BackupMethod,
  type CaptureState,
  type Consistency,
  type Finding,
  type ObjectRef,
  READINESS,
  type Readiness,
  type RuleId,
  SEVERITIES,
  type Severity,
} from '../../server/engine/types';
import type { VmAssessmentSummary } from './ports/inventory-views';

export interface AssessmentSummary {
  assessedVms: number;
  findings: number;
}

export interface VmAssessmentRow {
  vmId: string;
  readiness: Readiness;
  readinessRank: number;
  recommendedMethod: BackupMethod | null;
  consistency: Consistency | null;
  captureState: CaptureState | null;
  blockerCount: number;
  warningCount: number;
  infoCount: number;
  findingWeight: number;
  planJson: MethodPlan;
}

export interface FindingRow {
  vmId: string;
  hostId: string | null;
  ruleId: RuleId;
  severity: Severity;
  severityRank: number;
  message: string;
  remedy: string;
  methodsJson: BackupMethod[];
  objectsJson: ObjectRef[];
}

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** blockers × 1,000,000 + warnings × 1,000 + infos: sorts "most serious first" on one column. */
export function findingWeight(counts: { blockers: number; warnings: number; infos: number }): number {
  return counts.blockers * 1_000_000 + counts.warnings * 1_000 + counts.infos;
}

/** The rows of `assessments` (which cover the whole `inventory`), assessment by assessment. */
export function* assessmentRows(
  inventory: Inventory,
  assessments: readonly VmAssessment[],
): Generator<{ assessment: VmAssessmentRow; findings: FindingRow[] }> {
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
  for (const assessment of assessments) {
    const counts = { blockers: 0, warnings: 0, infos: 0 };
    for (const finding of assessment.findings) {
      if (finding.severity === 'blocker') counts.blockers++;
      else if (finding.severity === 'warning') counts.warnings++;
      else counts.infos++;
    }
    const { plan } = assessment;
    const recommended = plan.options.find((option) => option.method === plan.recommended) ?? null;
    yield {
      assessment: {
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
      },
      findings: assessment.findings.map((finding) => ({
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
      })),
    };
  }
}

/**
 * The VM page's summary of a stored assessment row (either store's), with the readiness the views
 * show (`shownReadiness`: null while the VM is gone from its host).
 */
export function assessmentSummaryOf(
  row: Omit<VmAssessmentSummary, 'readiness'>,
  readiness: Readiness | null,
): VmAssessmentSummary {
  return {
    readiness,
    recommendedMethod: row.recommendedMethod,
    consistency: row.consistency,
    captureState: row.captureState,
    blockerCount: row.blockerCount,
    warningCount: row.warningCount,
    infoCount: row.infoCount,
  };
}
