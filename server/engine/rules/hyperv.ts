/**
 * Hyper-V rules (docs/domain.md §3 and §9, Hyper-V).
 *
 * Online (application-consistent) backup through the Hyper-V VSS writer needs every "online
 * prerequisite" below; when one fails for a running VM, the writer silently falls back to saved
 * state. We make that fallback explicit: each failed prerequisite is a finding, and
 * HV-OFFLINE-BACKUP summarises them as the downtime the operator will see.
 */
import type { GuestVolume, VirtualDisk } from '../inventory';
import type { BackupMethod, Finding, ObjectRef, RuleId, Severity } from '../types';
import { RULE_TITLES } from '../words';
import {
  appendAll,
  diskRef,
  flat,
  guestVolumeRef,
  HOST_LEVEL_AND_ARRAY_METHODS,
  HOST_LEVEL_HYPERV_METHODS,
  hostVolumeRef,
  listNames,
  listQuotedNames,
  NONE,
  type RuleContext,
  sameMountPoint,
  sharedRef,
} from './context';
import { checkHostShadowStorage, checkHostVolumeVss, checkWsbGranularity } from './hyperv-host-volumes';
import { type FindingWords, LazilyWordedFinding } from './lazy-finding';

/**
 * Planned downtime of a saved-state backup: save memory, shadow-copy the host volumes, restore.
 * The inventory carries no memory size, so we plan one minute; the run records the real figure.
 */
export const SAVED_STATE_DOWNTIME_SECONDS = 60;

/** Rules whose failure (for a running VM) makes the Hyper-V VSS writer fall back to saved state. */
export const ONLINE_PREREQUISITE_RULES: ReadonlySet<RuleId> = new Set<RuleId>([
  'HV-BACKUP-IC-MISSING',
  'HV-GUEST-VSS-DISABLED',
  'HV-SHADOW-STORAGE-ELSEWHERE',
  'HV-DYNAMIC-DISK',
  'HV-UNSUPPORTED-FS',
  'HV-SNAPSHOT-LOCATION-ELSEWHERE',
]);

const UNSUPPORTED_FILE_SYSTEMS = new Set(['fat', 'fat32']);

/**
 * An online prerequisite only costs downtime while the VM runs. For a VM that is off, saved or
 * paused the same fact is reported as info: it will matter once the VM runs again.
 */
const RUNNING_PREREQUISITE = Object.freeze({ severity: 'warning' as Severity, note: '' });
const PREREQUISITE_BY_POWER_STATE: Record<string, { severity: Severity; note: string }> = {};

function onlinePrerequisite(ctx: RuleContext): { severity: Severity; note: string } {
  if (ctx.isRunning) return RUNNING_PREREQUISITE;
  const state = ctx.vm.powerState;
  PREREQUISITE_BY_POWER_STATE[state] ??= Object.freeze({
    severity: 'info',
    note: flat` It does not affect the VM while it is ${state}; it will force saved state once the VM runs.`,
  });
  return PREREQUISITE_BY_POWER_STATE[state];
}

function finding(
  ctx: RuleContext,
  ruleId: RuleId,
  severity: Severity,
  message: string,
  remedy: string,
  objects: Finding['objects'],
  methods: BackupMethod[] = HOST_LEVEL_HYPERV_METHODS,
): Finding {
  return { ruleId, severity, vmId: ctx.vm.id, methods, message, remedy, objects };
}

function checkBackupIntegrationService(ctx: RuleContext): Finding[] {
  const { vm, host } = ctx;
  const state = vm.backupIntegrationService;
  if (state === 'running') return NONE;
  const objects = [ctx.vmRef, ctx.hostRef];
  const enableOnHost = flat`On host '${host.name}': \`Enable-VMIntegrationService -VMName '${vm.name}' -Name 'Backup (volume shadow copy)'\``;
  const startInGuest =
    vm.osFamily === 'windows'
      ? flat`inside '${vm.name}': \`Set-Service -Name vmicvss -StartupType Automatic; Start-Service -Name vmicvss\` (guests older than Windows Server 2016 first need the integration services installed or updated)`
      : flat`inside '${vm.name}': install the Hyper-V daemons and start the VSS daemon (RHEL: \`dnf install hyperv-daemons && systemctl enable --now hypervvssd\`; Debian/Ubuntu: \`apt install hyperv-daemons\`)`;
  const remedy = flat`${enableOnHost}; ${startInGuest}.`;
  if (state === null) {
    // Unknown is not "fine": we say we cannot confirm it, but do not predict a downtime we cannot
    // see either. Hyper-V tries online first; the run records what it achieved.
    return [
      finding(
        ctx,
        'HV-BACKUP-IC-MISSING',
        'info',
        flat`VM '${vm.name}' on host '${host.name}' does not report its Backup (volume shadow copy) integration service: online backup cannot be confirmed, and Hyper-V will use saved state if the service is absent.`,
        remedy,
        objects,
      ),
    ];
  }
  const { severity, note } = onlinePrerequisite(ctx);
  return [
    finding(
      ctx,
      'HV-BACKUP-IC-MISSING',
      severity,
      flat`The Backup (volume shadow copy) integration service is ${state} in VM '${vm.name}' on host '${host.name}': Hyper-V cannot ask the guest to freeze its applications and backs the VM up in saved state.${note}`,
      remedy,
      objects,
    ),
  ];
}

/**
 * No guest volumes reported means the guest-side prerequisites are unknown. We say so (info) rather
 * than silently treating them as met; the plan keeps Hyper-V's own behaviour (try online first).
 */
function reportUnknownGuestVolumes(ctx: RuleContext): Finding[] {
  const { vm, host } = ctx;
  if (vm.guestFactsUnknown) return reportUnreadGuest(ctx, vm.guestFactsUnknown);
  if (ctx.guestVolumes.length > 0) return NONE;
  const what =
    vm.osFamily === 'windows'
      ? 'whether VSS is enabled on its volumes and where they keep their shadow copies'
      : 'whether its file systems can be frozen';
  return [
    finding(
      ctx,
      'HV-GUEST-VSS-DISABLED',
      'info',
      flat`VM '${vm.name}' on host '${host.name}' reports no guest volumes: ${what} is unknown, so online backup cannot be confirmed.`,
      flat`Refresh the inventory of '${vm.name}' with the integration services running (Hyper-V reports guest volumes through the Key-Value Pair Exchange service: \`Enable-VMIntegrationService -VMName '${vm.name}' -Name 'Key-Value Pair Exchange'\`), or enter its volumes in the inventory file.`,
      [ctx.vmRef, ctx.hostRef],
    ),
  ];
}

/**
 * The sync could not read the guest at all (no guest credential, the VM not running, PowerShell
 * Direct refused): every guest-side prerequisite — VSS on each volume, shadow storage, dynamic
 * disks, file systems — and the applications that need application-consistent backups are
 * unverified. One finding says which and why. It is a warning while the VM runs (the next backup
 * depends on facts nobody checked) and info otherwise; it does not claim saved state either.
 */
function reportUnreadGuest(ctx: RuleContext, because: string): Finding[] {
  const { vm, host } = ctx;
  return [
    finding(
      ctx,
      'HV-GUEST-FACTS-UNKNOWN',
      ctx.isRunning ? 'warning' : 'info',
      flat`Could not verify the guest of VM '${vm.name}' on host '${host.name}' because ${because}: whether VSS is enabled on its volumes, where they keep their shadow copies, whether any sits on a dynamic disk, and whether it runs SQL Server, Exchange or AD DS are unknown, so online, application-consistent backup cannot be confirmed.`,
      flat`Give the connection of host '${host.name}' a guest credential that may use PowerShell Direct in '${vm.name}', make sure '${vm.name}' is running with its integration services on, and sync the host again; or state its guest volumes and applications in an inventory file.`,
      [ctx.vmRef, ctx.hostRef],
    ),
  ];
}

/** Whether any check below fails: most guest volumes are fine, and are then passed over without allocating. */
function isGuestVolumeSuspect(ctx: RuleContext, volume: GuestVolume): boolean {
  if (UNSUPPORTED_FILE_SYSTEMS.has(volume.fileSystem)) return true;
  if (ctx.vm.osFamily !== 'windows') return false;
  return (
    !volume.vssEnabled ||
    volume.diskType === 'dynamic' ||
    (volume.shadowStorageOn !== null && !sameMountPoint(volume.shadowStorageOn, volume.mountPoint))
  );
}

function checkGuestVolume(ctx: RuleContext, volume: GuestVolume): Finding[] {
  if (!isGuestVolumeSuspect(ctx, volume)) return NONE;
  const { vm } = ctx;
  const { severity, note } = onlinePrerequisite(ctx);
  const objects = [ctx.vmRef, sharedRef(ctx, volume, guestVolumeRef)];
  const mount = volume.mountPoint;
  const findings: Finding[] = [];
  if (UNSUPPORTED_FILE_SYSTEMS.has(volume.fileSystem)) {
    findings.push(
      finding(
        ctx,
        'HV-UNSUPPORTED-FS',
        severity,
        flat`Volume ${mount} of VM '${vm.name}' is formatted ${volume.fileSystem.toUpperCase()}, which ${vm.osFamily === 'windows' ? 'VSS cannot shadow-copy' : 'cannot be frozen'}: online backup is impossible.${note}`,
        vm.osFamily === 'windows'
          ? flat`Inside '${vm.name}': \`convert ${mount} /FS:NTFS\` (converts in place and keeps the data; back it up first).`
          : flat`Inside '${vm.name}': move the data of ${mount} to an ext4 or xfs file system (FAT cannot be frozen with fsfreeze).`,
        objects,
      ),
    );
  }
  // VSS, shadow storage and dynamic disks are Windows notions; a Linux guest freezes its file systems instead.
  if (vm.osFamily !== 'windows') return findings;
  if (!volume.vssEnabled) {
    findings.push(
      finding(
        ctx,
        'HV-GUEST-VSS-DISABLED',
        severity,
        flat`VSS is disabled on volume ${mount} of VM '${vm.name}': the guest cannot shadow-copy it, so Hyper-V backs the VM up in saved state.${note}`,
        flat`Inside '${vm.name}' (elevated prompt): \`sc config VSS start= demand\` then \`vssadmin add shadowstorage /for=${mount} /on=${mount} /maxsize=10%\`; check with \`vssadmin list shadowstorage\`.`,
        objects,
      ),
    );
  }
  if (volume.shadowStorageOn !== null && !sameMountPoint(volume.shadowStorageOn, mount)) {
    const elsewhere = volume.shadowStorageOn;
    findings.push(
      finding(
        ctx,
        'HV-SHADOW-STORAGE-ELSEWHERE',
        severity,
        flat`Volume ${mount} of VM '${vm.name}' keeps its shadow copies on ${elsewhere}. The Hyper-V VSS writer needs every volume to keep its own shadow storage, so the VM is backed up in saved state.${note}`,
        flat`Inside '${vm.name}' (elevated prompt): \`vssadmin delete shadowstorage /for=${mount} /on=${elsewhere}\` then \`vssadmin add shadowstorage /for=${mount} /on=${mount} /maxsize=10%\` (deleting the association discards the existing shadow copies of ${mount}).`,
        objects,
      ),
    );
  }
  if (volume.diskType === 'dynamic') {
    findings.push(
      finding(
        ctx,
        'HV-DYNAMIC-DISK',
        severity,
        flat`Volume ${mount} of VM '${vm.name}' sits on a dynamic disk, which the Hyper-V VSS writer cannot back up online: the VM is backed up in saved state.${note}`,
        flat`Inside '${vm.name}': copy the data of ${mount} elsewhere, delete the volume, convert the disk to basic (\`diskpart\`: \`select disk <n>\`, \`convert basic\`), recreate ${mount} and copy the data back; or protect ${mount} with a guest-agent job.`,
        objects,
      ),
    );
  }
  return findings;
}

function checkSnapshotLocation(ctx: RuleContext): Finding[] {
  const { vm, host, snapshotVolume, diskHostVolumes } = ctx;
  if (!snapshotVolume || diskHostVolumes.length === 0 || diskHostVolumes.includes(snapshotVolume))
    return NONE;
  const vhdVolume = diskHostVolumes[0];
  const { severity, note } = onlinePrerequisite(ctx);
  return [
    finding(
      ctx,
      'HV-SNAPSHOT-LOCATION-ELSEWHERE',
      severity,
      flat`VM '${vm.name}' keeps its checkpoint files on host volume '${snapshotVolume.name}' but its VHDs on ${listQuotedNames(diskHostVolumes)}: online backup needs them on the same volume, so the VM is backed up in saved state.${note}`,
      flat`On host '${host.name}' (the VM must have no checkpoints: merge them first with \`Remove-VMCheckpoint -VMName '${vm.name}'\`): \`Set-VM -Name '${vm.name}' -SnapshotFileLocation '${vhdVolume.name}\\Hyper-V\\${vm.name}'\`.`,
      [
        ctx.vmRef,
        sharedRef(ctx, snapshotVolume, hostVolumeRef),
        ...diskHostVolumes.map((v) => sharedRef(ctx, v, hostVolumeRef)),
      ],
    ),
  ];
}

function checkPassthroughDisk(ctx: RuleContext, disk: VirtualDisk): Finding {
  const { vm, host } = ctx;
  const volumesOnDisk = ctx.guestVolumes.filter((g) => g.diskId === disk.id);
  const onDisk =
    volumesOnDisk.length > 0 ? flat` (volumes ${listNames(volumesOnDisk.map((g) => g.mountPoint))})` : '';
  // The array method can still take the disk when its LUN is on an array the VM already uses.
  const methods =
    disk.arrayVolumeId === null && ctx.arrayVolumes.length > 0
      ? HOST_LEVEL_AND_ARRAY_METHODS
      : HOST_LEVEL_HYPERV_METHODS;
  return finding(
    ctx,
    'HV-PASSTHROUGH-DISK',
    'warning',
    flat`VM '${vm.name}' on host '${host.name}' has pass-through disk '${disk.name}'${onDisk}: the Hyper-V VSS writer cannot capture it, so host-level backup leaves it out.`,
    flat`Guest agent recommended for disk '${disk.name}': create a guest-agent job for VM '${vm.name}' covering '${disk.name}'${onDisk}, and keep the host-level job's pass-through policy on 'skip' so the rest of the VM is still captured ('fail' stops the VM until both are in place).`,
    [
      ctx.vmRef,
      sharedRef(ctx, disk, diskRef),
      ...volumesOnDisk.map((g) => sharedRef(ctx, g, guestVolumeRef)),
    ],
    methods,
  );
}

function isOnlinePrerequisiteFailure(f: Finding): boolean {
  return ONLINE_PREREQUISITE_RULES.has(f.ruleId) && f.severity !== 'info';
}

/**
 * Worded when read (see LazilyWordedFinding) from the VM's Hyper-V prerequisite findings. `isRunning`
 * is how the VM's state is said: read, or planned for safety when it was not (VM-POWER-STATE-UNKNOWN).
 */
const offlineBackupWords = (isRunning: string): FindingWords<ObjectRef, ObjectRef, readonly Finding[]> => ({
  message(vm, host, prerequisites) {
    let reasons = '';
    for (let i = 0; i < prerequisites.length; i++) {
      const f = prerequisites[i];
      if (!isOnlinePrerequisiteFailure(f)) continue;
      let names = '';
      for (const o of f.objects) {
        if (o.kind === 'vm' || o.kind === 'host') continue;
        names = names === '' ? o.name : flat`${names}, ${o.name}`;
      }
      // In words, with the finding's id: the list beside it shows that finding under its id.
      const reason =
        names === ''
          ? flat`${RULE_TITLES[f.ruleId]} (${f.ruleId})`
          : flat`${RULE_TITLES[f.ruleId]} (${names}; ${f.ruleId})`;
      reasons = reasons === '' ? reason : flat`${reasons}; ${reason}`;
    }
    return flat`VM '${vm.name}' on host '${host.name}' ${isRunning} but cannot be backed up online: ${reasons}. Hyper-V will put it into saved state for about ${SAVED_STATE_DOWNTIME_SECONDS} s during each backup (downtime).`;
  },
  remedy: (vm) =>
    flat`Fix the failed prerequisites of '${vm.name}' (each finding carries its remedy) to back it up online; until then schedule its backups in a maintenance window.`,
  objects: (vm, host) => [vm, host],
});
const OFFLINE_BACKUP_WORDS = offlineBackupWords('is running');
const OFFLINE_BACKUP_WORDS_STATE_UNREAD = offlineBackupWords(
  'is treated as running for safety (its power state was not read; see VM-POWER-STATE-UNKNOWN)',
);

/** Summarises the prerequisite findings at `findings[firstPrerequisite…]`. */
function summariseOfflineBackup(ctx: RuleContext, findings: Finding[], firstPrerequisite: number): void {
  if (!ctx.isRunning) return;
  let hasFailure = false;
  for (let i = firstPrerequisite; i < findings.length && !hasFailure; i++)
    hasFailure = isOnlinePrerequisiteFailure(findings[i]);
  if (!hasFailure) return;
  findings.push(
    new LazilyWordedFinding(
      'HV-OFFLINE-BACKUP',
      'warning',
      ctx.vm.id,
      HOST_LEVEL_HYPERV_METHODS,
      ctx.vm.powerStateUnknown ? OFFLINE_BACKUP_WORDS_STATE_UNREAD : OFFLINE_BACKUP_WORDS,
      ctx.vmRef,
      ctx.hostRef,
      // Findings are values: the ones it summarises are kept as they are, not re-read later.
      findings.slice(firstPrerequisite),
    ),
  );
}

/** Every Hyper-V rule for one VM, appended to `findings`; nothing for VMs on other hypervisors. */
export function collectHypervFindings(ctx: RuleContext, findings: Finding[]): void {
  if (ctx.host.kind !== 'hyperv') return;
  const firstPrerequisite = findings.length;
  appendAll(findings, checkBackupIntegrationService(ctx));
  appendAll(findings, reportUnknownGuestVolumes(ctx));
  const { passthroughDisks } = ctx;
  // An unread guest's volumes are those an earlier read stored (a sync merges, it deletes nothing):
  // its HV-GUEST-FACTS-UNKNOWN says their VSS state and shadow storage are unknown now, so no finding
  // may state them as today's facts, nor decide the plan on them.
  const guestVolumes = ctx.vm.guestFactsUnknown ? NONE : ctx.guestVolumes;
  for (let i = 0; i < guestVolumes.length; i++) appendAll(findings, checkGuestVolume(ctx, guestVolumes[i]));
  appendAll(findings, checkSnapshotLocation(ctx));
  summariseOfflineBackup(ctx, findings, firstPrerequisite);
  for (let i = 0; i < passthroughDisks.length; i++)
    findings.push(checkPassthroughDisk(ctx, passthroughDisks[i]));
  checkHostVolumeVss(ctx, findings);
  checkHostShadowStorage(ctx, findings);
  checkWsbGranularity(ctx, findings);
}

/** Every Hyper-V rule for one VM; nothing for VMs on other hypervisors. */
export function evaluateHypervRules(ctx: RuleContext): Finding[] {
  const findings: Finding[] = [];
  collectHypervFindings(ctx, findings);
  return findings;
}
