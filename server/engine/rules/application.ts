/**
 * Application rule (docs/domain.md §9): APP-CRASH-CONSISTENT.
 *
 * It depends on the plan, not on one fact: an application VM is at risk only when the method the
 * planner recommends gives it a crash-consistent point. The planner calls it after ranking.
 */
import type { BackupMethod, Consistency, Finding } from '../types';
import { METHOD_IN_SENTENCE } from '../words';
import { APPLICATION_NAMES, flat, NONE, type RuleContext } from './context';

export interface RecommendedCapture {
  method: BackupMethod;
  consistency: Consistency | null;
}

export function evaluateApplicationRules(
  ctx: RuleContext,
  recommended: RecommendedCapture | null,
): Finding[] {
  const { vm, host } = ctx;
  if (recommended?.consistency !== 'crash' || !ctx.runsCriticalApplication) return NONE;
  const apps = vm.applications.filter((a) => a !== 'other').map((a) => APPLICATION_NAMES[a]);
  const ways: string[] = [];
  if (host.kind === 'xenserver' && vm.osFamily === 'windows' && host.offersQuiescedSnapshots) {
    ways.push(flat`install the Xen VSS provider in '${vm.name}' and ask for quiesce (xen-quiesced)`);
  }
  if (ctx.arrayVolumes.length > 0) {
    ways.push(flat`configure pre-freeze/post-thaw scripts for '${vm.name}' and use an array snapshot`);
  }
  ways.push(flat`protect the databases of '${vm.name}' with a guest-agent job (in-guest VSS)`);
  return [
    {
      ruleId: 'APP-CRASH-CONSISTENT',
      severity: 'warning',
      vmId: vm.id,
      methods: [recommended.method],
      message: flat`VM '${vm.name}' on host '${host.name}' runs ${apps.join(' and ')}, but its recommended method, ${METHOD_IN_SENTENCE[recommended.method]}, gives only a crash-consistent point: ${apps.join(' and ')} will replay its logs on restore, and the newest transactions may be lost.`,
      remedy: flat`For an application-consistent point: ${ways.join('; or ')}.`,
      objects: [ctx.vmRef, ctx.hostRef],
    },
  ];
}
