/**
 * XenServer rules (docs/domain.md §9, XenServer): the storage repositories under a VM's disks, a
 * guest the pool could not read, and quiesce.
 *
 * Storage: xen-snapshot (and xen-quiesced) asks the SR's storage driver to snapshot each disk; an
 * SR whose driver lacks VDI_SNAPSHOT refuses, so both methods cannot run (blocker). An SR whose
 * capability was not read is unknown: said (info), never assumed fine.
 *
 * Guest: a VM whose guest metrics the pool does not report (no PV drivers / VM Tools, or halted)
 * has an OS, applications and quiesce support nobody read: one finding says why.
 *
 * Quiesce rules apply when quiesce is wanted (asked by the job, or by default for a VM that runs an
 * application) and the VM is running: a powered-off, saved or paused VM has nothing to quiesce.
 * A quiesce that cannot happen downgrades the point to crash-consistent: a warning under the
 * 'fallback' policy, a blocker under 'require' (the job would fail the VM).
 */
import type { HostVolume } from '../inventory';
import type { Finding, RuleId, Severity } from '../types';
import {
  flat,
  hostVolumeRef,
  NONE,
  type RuleContext,
  sharedRef,
  XEN_QUIESCED_METHODS,
  XEN_SNAPSHOT_METHODS,
} from './context';
import { checkArrayCopyFormats } from './xen-array-copy';
import { checkArrayCopySrTypes } from './xen-array-copy-sr';

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

/** What an SR is, in a finding: "'ontap-lun0' (lvmoiscsi)". */
function srWords(volume: HostVolume): string {
  return volume.storageType ? flat`'${volume.name}' (${volume.storageType})` : flat`'${volume.name}'`;
}

/** XS-SR-NO-SNAPSHOT / XS-SR-SNAPSHOT-UNKNOWN: one finding per SR under the VM's disks that cannot, or may not, snapshot. */
function checkSrSnapshots(ctx: RuleContext, findings: Finding[]): void {
  const { vm, host } = ctx;
  for (const volume of ctx.diskHostVolumes) {
    if (volume.kind !== 'sr' || volume.canSnapshot === true) continue;
    const objects = [ctx.vmRef, sharedRef(ctx, volume, hostVolumeRef), ctx.hostRef];
    const moveDisks = flat`move the disks of '${vm.name}' to an SR whose driver can snapshot (\`xe vdi-pool-migrate uuid=<vdi> sr-uuid=<sr>\`, or Move VDI in XenCenter / Xen Orchestra)`;
    if (volume.canSnapshot === false) {
      findings.push({
        ruleId: 'XS-SR-NO-SNAPSHOT',
        severity: 'blocker',
        vmId: vm.id,
        methods: XEN_SNAPSHOT_METHODS,
        message: flat`Storage repository ${srWords(volume)} on host '${host.name}' cannot snapshot virtual disks (its storage driver lacks VDI_SNAPSHOT), and it holds disks of VM '${vm.name}': neither a XenServer snapshot nor a quiesced one can be taken.`,
        remedy: flat`${moveDisks}; or back '${vm.name}' up with an array snapshot or a guest-agent job.`,
        objects,
      });
      continue;
    }
    findings.push({
      ruleId: 'XS-SR-SNAPSHOT-UNKNOWN',
      severity: 'info',
      vmId: vm.id,
      methods: XEN_SNAPSHOT_METHODS,
      message: flat`Could not verify that storage repository ${srWords(volume)} on host '${host.name}', which holds disks of VM '${vm.name}', can snapshot virtual disks: its storage driver's features were not read, so a XenServer snapshot may fail there.`,
      remedy: flat`Sync the pool of '${host.name}' with an account that may read its SM drivers (Pool Operator or above), or state \`canSnapshot\` for '${volume.name}' in the inventory file; if it cannot snapshot, ${moveDisks}.`,
      objects,
    });
  }
}

/**
 * XS-GUEST-FACTS-UNKNOWN: the pool reports no guest metrics for the VM (no PV drivers / VM Tools in
 * the guest, or the VM is not running), so its OS, applications and whether it can be quiesced were
 * not read. A warning while it runs (the next backup relies on facts nobody checked), info otherwise.
 */
function checkUnreadGuest(ctx: RuleContext, findings: Finding[]): void {
  const { vm, host } = ctx;
  if (!vm.guestFactsUnknown) return;
  findings.push({
    ruleId: 'XS-GUEST-FACTS-UNKNOWN',
    severity: ctx.isRunning ? 'warning' : 'info',
    vmId: vm.id,
    methods: XEN_SNAPSHOT_METHODS,
    message: flat`Could not verify the guest of VM '${vm.name}' on host '${host.name}' because ${vm.guestFactsUnknown}: its operating system, the applications it runs and whether it can be quiesced are unknown, so an application-consistent point cannot be confirmed.`,
    remedy: flat`Install the XenServer VM Tools (Windows) or xe-guest-utilities (Linux) in '${vm.name}', make sure it is running, and sync its pool again; or state its OS and applications in an inventory file.`,
    objects: [ctx.vmRef, ctx.hostRef],
  });
}

/** Appends every XenServer rule's findings for one VM; nothing for VMs on other hypervisors. */
export function collectXenServerFindings(ctx: RuleContext, findings: Finding[]): void {
  if (ctx.host.kind !== 'xenserver') return;
  checkSrSnapshots(ctx, findings);
  checkUnreadGuest(ctx, findings);
  checkArrayCopyFormats(ctx, findings);
  checkArrayCopySrTypes(ctx, findings);
  for (const f of evaluateQuiesceRules(ctx)) findings.push(f);
}

export function evaluateXenServerRules(ctx: RuleContext): Finding[] {
  const findings: Finding[] = [];
  collectXenServerFindings(ctx, findings);
  return findings;
}

function evaluateQuiesceRules(ctx: RuleContext): Finding[] {
  const { vm, host } = ctx;
  if (!ctx.isQuiesceWanted || !ctx.isRunning) return NONE;
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
        // An unread guest's OS is not known to be anything (XS-GUEST-FACTS-UNKNOWN says why).
        vm.guestFactsUnknown
          ? flat`Quiesce is asked for VM '${vm.name}' on host '${host.name}', but quiesced snapshots need a Windows guest with the Xen VSS provider and the operating system of '${vm.name}' could not be read: ${outcome}.`
          : flat`Quiesce is asked for VM '${vm.name}' on host '${host.name}', but quiesced snapshots need a Windows guest with the Xen VSS provider and '${vm.name}' runs ${vm.osFamily}: ${outcome}.`,
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
