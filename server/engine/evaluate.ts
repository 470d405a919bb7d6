/**
 * Whole-VM and whole-estate assessment: findings, method plan and readiness.
 */
import type { MethodPlan } from './planner';
import type { Finding, Readiness } from './types';

export interface VmAssessment {
  vmId: string;
  findings: Finding[];
  plan: MethodPlan;
  readiness: Readiness;
}
