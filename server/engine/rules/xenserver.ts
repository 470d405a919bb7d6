/**
 * XenServer quiesce rules (docs/domain.md §9, XenServer).
 *
 * They apply when quiesce is wanted (asked by the job, or by default for a VM that runs an
 * application) and the VM is running: a powered-off, saved or paused VM has nothing to quiesce.
 * A quiesce that cannot happen downgrades the point to crash-consistent: a warning under the
 * 'fallback' policy, a blocker under 'require' (the job would fail the VM).
 */
import type { Finding, RuleId, Severity } from '../types';
import { flat, NONE, type RuleContext, XEN_QUIESCED_METHODS } from './context';

function quiesceFinding(
  ctx: RuleContext,
  ruleId: RuleId,
  severity: Severity,
  message: string,
  remedy: string,
): Finding {
  return {
    ruleId,
    severity,
    vmId: ctx.vm.id,
    methods: XEN_QUIESCED_METHODS,
    message,
    remedy,
    objects: [ctx.vmRef, ctx.hostRef],
  };
}

export function evaluateXenServerRules(ctx: RuleContext): Finding[] {
  const { vm, host } = ctx;
  if (host.kind !== 'xenserver' || !ctx.isQuiesceWanted || !ctx.isRunning) return NONE;
  const downgrade: Severity = ctx.consistencyPolicy === 'require' ? 'blocker' : 'warning';
  const outcome =
    ctx.consistencyPolicy === 'require'
      ? 'the job requires consistency, so it would fail this VM'
      : 'it gets a crash-consistent XenServer snapshot instead';
  const alternatives = `for application consistency use an array snapshot with pre-freeze/post-thaw scripts or a guest-agent job`;

  if (vm.osFamily !== 'windows') {
    return [
      quiesceFinding(
        ctx,
        'XS-QUIESCE-UNSUPPORTED-OS',
        downgrade,
        flat`Quiesce is asked for VM '${vm.name}' on host '${host.name}', but quiesced snapshots need a Windows guest with the Xen VSS provider and '${vm.name}' runs ${vm.osFamily}: ${outcome}.`,
        flat`Turn quiesce off for '${vm.name}' and accept crash-consistent snapshots, or ${alternatives} (e.g. \`fsfreeze --freeze <mount>\` / \`fsfreeze --unfreeze <mount>\`).`,
      ),
    ];
  }
  const findings: Finding[] = [];
  if (!vm.hasXenVssProvider) {
    findings.push(
      quiesceFinding(
        ctx,
        'XS-QUIESCE-PROVIDER-MISSING',
        downgrade,
        flat`Windows VM '${vm.name}' on host '${host.name}' has no Xen VSS provider installed, so it cannot be quiesced: ${outcome}.`,
        flat`Inside '${vm.name}': install the XenServer VM Tools with the VSS provider (run \`install-XenProvider.cmd\` from \`C:\\Program Files\\Citrix\\XenTools\`), then check that \`vssadmin list providers\` lists the XenServer VSS Provider.`,
      ),
    );
  }
  if (!host.offersQuiescedSnapshots) {
    findings.push(
      quiesceFinding(
        ctx,
        'XS-QUIESCE-UNAVAILABLE',
        downgrade,
        flat`Host '${host.name}' runs XenServer ${host.version}, a release that no longer offers quiesced snapshots, so VM '${vm.name}' cannot be quiesced: ${outcome}.`,
        flat`Quiesced (VSS) snapshots were removed from recent XenServer / XCP-ng releases; ${alternatives}, or keep '${vm.name}' on a host of an older release that still offers them.`,
      ),
    );
  }
  if (findings.length === 0) {
    findings.push(
      quiesceFinding(
        ctx,
        'XS-QUIESCE-PERFORMANCE',
        'info',
        flat`Quiesced snapshots of VM '${vm.name}' on host '${host.name}' freeze its applications through VSS: they load the VM heavily and may fail under load.`,
        flat`Schedule the quiesced backups of '${vm.name}' off-peak (e.g. 01:00–05:00), and keep the consistency policy on 'fallback' so a failed quiesce still leaves a crash-consistent point.`,
      ),
    );
  }
  return findings;
}
