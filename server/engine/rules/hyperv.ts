/**
 * Hyper-V rules (DOMAIN.md §5, first block).
 *
 * Online (application-consistent) backup through the Hyper-V VSS writer needs every "online
 * prerequisite" below; when one fails for a running VM, the writer silently falls back to saved
 * state. We make that fallback explicit: each failed prerequisite is a finding, and
 * HV-OFFLINE-BACKUP summarises them as the downtime the operator will see.
 */
import type { GuestVolume, VirtualDisk } from '../inventory';
import type { BackupMethod, Finding, RuleId, Severity } from '../types';
import {
  diskRef,
  expectedChangeOnHostVolume,
  formatGiB,
  guestVolumeRef,
  HOST_LEVEL_AND_ARRAY_METHODS,
  HOST_LEVEL_HYPERV_METHODS,
  hostRef,
  hostVolumeRef,
  hostVolumesOfVm,
  listNames,
  otherVmRefs,
  quoted,
  type RuleContext,
  sameMountPoint,
  vmRef,
  WSB_METHODS,
} from './context';

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

/** Headroom on top of the expected daily change when sizing shadow storage. */
const SHADOW_STORAGE_HEADROOM = 1.5;
const UNSUPPORTED_FILE_SYSTEMS = new Set(['fat', 'fat32']);

/**
 * An online prerequisite only costs downtime while the VM runs. For a VM that is off, saved or
 * paused the same fact is reported as info: it will matter once the VM runs again.
 */
function onlinePrerequisite(ctx: RuleContext): { severity: Severity; note: string } {
  if (ctx.isRunning) return { severity: 'warning', note: '' };
  return {
    severity: 'info',
    note: ` It does not affect the VM while it is ${ctx.vm.powerState}; it will force saved state once the VM runs.`,
  };
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
  if (state === 'running') return [];
  const objects = [vmRef(vm), hostRef(host)];
  const enableOnHost = `On host '${host.name}': \`Enable-VMIntegrationService -VMName '${vm.name}' -Name 'Backup (volume shadow copy)'\``;
  const startInGuest =
    vm.osFamily === 'windows'
      ? `inside '${vm.name}': \`Set-Service -Name vmicvss -StartupType Automatic; Start-Service -Name vmicvss\` (guests older than Windows Server 2016 first need the integration services installed or updated)`
      : `inside '${vm.name}': install the Hyper-V daemons and start the VSS daemon (RHEL: \`dnf install hyperv-daemons && systemctl enable --now hypervvssd\`; Debian/Ubuntu: \`apt install hyperv-daemons\`)`;
  const remedy = `${enableOnHost}; ${startInGuest}.`;
  if (state === null) {
    // Unknown is not "fine": we say we cannot confirm it, but do not predict a downtime we cannot
    // see either. Hyper-V tries online first; the run records what it achieved.
    return [
      finding(
        ctx,
        'HV-BACKUP-IC-MISSING',
        'info',
        `VM '${vm.name}' on host '${host.name}' does not report its Backup (volume shadow copy) integration service: online backup cannot be confirmed, and Hyper-V will use saved state if the service is absent.`,
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
      `The Backup (volume shadow copy) integration service is ${state} in VM '${vm.name}' on host '${host.name}': Hyper-V cannot ask the guest to freeze its applications and backs the VM up in saved state.${note}`,
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
  if (ctx.guestVolumes.length > 0) return [];
  const what =
    vm.osFamily === 'windows'
      ? 'whether VSS is enabled on its volumes and where they keep their shadow copies'
      : 'whether its file systems can be frozen';
  return [
    finding(
      ctx,
      'HV-GUEST-VSS-DISABLED',
      'info',
      `VM '${vm.name}' on host '${host.name}' reports no guest volumes: ${what} is unknown, so online backup cannot be confirmed.`,
      `Refresh the inventory of '${vm.name}' with the integration services running (Hyper-V reports guest volumes through the Key-Value Pair Exchange service: \`Enable-VMIntegrationService -VMName '${vm.name}' -Name 'Key-Value Pair Exchange'\`), or enter its volumes in the inventory file.`,
      [vmRef(vm), hostRef(host)],
    ),
  ];
}

function checkGuestVolume(ctx: RuleContext, volume: GuestVolume): Finding[] {
  const { vm } = ctx;
  const { severity, note } = onlinePrerequisite(ctx);
  const objects = [vmRef(vm), guestVolumeRef(volume)];
  const mount = volume.mountPoint;
  const findings: Finding[] = [];
  if (UNSUPPORTED_FILE_SYSTEMS.has(volume.fileSystem)) {
    findings.push(
      finding(
        ctx,
        'HV-UNSUPPORTED-FS',
        severity,
        `Volume ${mount} of VM '${vm.name}' is formatted ${volume.fileSystem.toUpperCase()}, which ${vm.osFamily === 'windows' ? 'VSS cannot shadow-copy' : 'cannot be frozen'}: online backup is impossible.${note}`,
        vm.osFamily === 'windows'
          ? `Inside '${vm.name}': \`convert ${mount} /FS:NTFS\` (converts in place and keeps the data; back it up first).`
          : `Inside '${vm.name}': move the data of ${mount} to an ext4 or xfs file system (FAT cannot be frozen with fsfreeze).`,
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
        `VSS is disabled on volume ${mount} of VM '${vm.name}': the guest cannot shadow-copy it, so Hyper-V backs the VM up in saved state.${note}`,
        `Inside '${vm.name}' (elevated prompt): \`sc config VSS start= demand\` then \`vssadmin add shadowstorage /for=${mount} /on=${mount} /maxsize=10%\`; check with \`vssadmin list shadowstorage\`.`,
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
        `Volume ${mount} of VM '${vm.name}' keeps its shadow copies on ${elsewhere}. The Hyper-V VSS writer needs every volume to keep its own shadow storage, so the VM is backed up in saved state.${note}`,
        `Inside '${vm.name}' (elevated prompt): \`vssadmin delete shadowstorage /for=${mount} /on=${elsewhere}\` then \`vssadmin add shadowstorage /for=${mount} /on=${mount} /maxsize=10%\` (deleting the association discards the existing shadow copies of ${mount}).`,
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
        `Volume ${mount} of VM '${vm.name}' sits on a dynamic disk, which the Hyper-V VSS writer cannot back up online: the VM is backed up in saved state.${note}`,
        `Inside '${vm.name}': copy the data of ${mount} elsewhere, delete the volume, convert the disk to basic (\`diskpart\`: \`select disk <n>\`, \`convert basic\`), recreate ${mount} and copy the data back; or protect ${mount} with a guest-agent job.`,
        objects,
      ),
    );
  }
  return findings;
}

function checkSnapshotLocation(ctx: RuleContext): Finding[] {
  const { vm, host, snapshotVolume, diskHostVolumes } = ctx;
  if (!snapshotVolume || diskHostVolumes.length === 0 || diskHostVolumes.includes(snapshotVolume)) return [];
  const vhdVolume = diskHostVolumes[0];
  const { severity, note } = onlinePrerequisite(ctx);
  return [
    finding(
      ctx,
      'HV-SNAPSHOT-LOCATION-ELSEWHERE',
      severity,
      `VM '${vm.name}' keeps its checkpoint files on host volume '${snapshotVolume.name}' but its VHDs on ${listNames(quoted(diskHostVolumes.map((v) => v.name)))}: online backup needs them on the same volume, so the VM is backed up in saved state.${note}`,
      `On host '${host.name}' (the VM must have no checkpoints: merge them first with \`Remove-VMCheckpoint -VMName '${vm.name}'\`): \`Set-VM -Name '${vm.name}' -SnapshotFileLocation '${vhdVolume.name}\\Hyper-V\\${vm.name}'\`.`,
      [vmRef(vm), hostVolumeRef(snapshotVolume), ...diskHostVolumes.map(hostVolumeRef)],
    ),
  ];
}

function checkPassthroughDisk(ctx: RuleContext, disk: VirtualDisk): Finding {
  const { vm, host } = ctx;
  const volumesOnDisk = ctx.guestVolumes.filter((g) => g.diskId === disk.id);
  const onDisk =
    volumesOnDisk.length > 0 ? ` (volumes ${listNames(volumesOnDisk.map((g) => g.mountPoint))})` : '';
  // The array method can still take the disk when its LUN is on an array the VM already uses.
  const methods =
    disk.arrayVolumeId === null && ctx.arrayVolumes.length > 0
      ? HOST_LEVEL_AND_ARRAY_METHODS
      : HOST_LEVEL_HYPERV_METHODS;
  return finding(
    ctx,
    'HV-PASSTHROUGH-DISK',
    'warning',
    `VM '${vm.name}' on host '${host.name}' has pass-through disk '${disk.name}'${onDisk}: the Hyper-V VSS writer cannot capture it, so host-level backup leaves it out.`,
    `guest-agent recommended for disk '${disk.name}': create a guest-agent job for VM '${vm.name}' covering '${disk.name}'${onDisk}, and keep the host-level job's pass-through policy on 'skip' so the rest of the VM is still captured ('fail' stops the VM until both are in place).`,
    [vmRef(vm), diskRef(disk), ...volumesOnDisk.map(guestVolumeRef)],
    methods,
  );
}

function checkHostVolumeVss(ctx: RuleContext): Finding[] {
  const { vm, host } = ctx;
  return hostVolumesOfVm(ctx)
    .filter((volume) => !volume.vssEnabled)
    .map((volume) =>
      finding(
        ctx,
        'HV-HOST-VOLUME-VSS-DISABLED',
        'blocker',
        `VSS is disabled on host volume '${volume.name}' of host '${host.name}', which holds files of VM '${vm.name}': host-level backup cannot shadow-copy it and cannot run.`,
        `On host '${host.name}' (elevated prompt): \`sc config VSS start= demand\` then \`vssadmin add shadowstorage /for=${volume.name} /on=${volume.name} /maxsize=10%\`.`,
        [vmRef(vm), hostVolumeRef(volume), hostRef(host)],
      ),
    );
}

function checkHostShadowStorage(ctx: RuleContext): Finding[] {
  const { vm, host, index } = ctx;
  const findings: Finding[] = [];
  for (const volume of hostVolumesOfVm(ctx)) {
    if (!volume.vssEnabled) continue; // the blocker above already says it cannot run
    const storage = volume.shadowStorageVolumeId
      ? (index.hostVolumesById.get(volume.shadowStorageVolumeId) ?? volume)
      : volume;
    const expectedChange = expectedChangeOnHostVolume(ctx, volume.id);
    const limit = volume.shadowStorageLimitBytes;
    const room = Math.min(limit ?? Number.POSITIVE_INFINITY, storage.freeBytes);
    if (room >= expectedChange) continue;
    const vmIds = index.vmIdsByHostVolume.get(volume.id) ?? [];
    const others = otherVmRefs(ctx, vmIds);
    const vmNames = [vm.name, ...others.map((o) => o.name)];
    const wanted = Math.ceil((expectedChange * SHADOW_STORAGE_HEADROOM) / 1024 ** 3);
    const limitText = limit === null ? 'no size limit' : `a limit of ${formatGiB(limit)}`;
    const remedies: string[] = [];
    if (limit !== null && limit < expectedChange) {
      remedies.push(
        `on host '${host.name}': \`vssadmin resize shadowstorage /for=${volume.name} /on=${storage.name} /maxsize=${wanted}GB\``,
      );
    }
    if (storage.freeBytes < expectedChange) {
      remedies.push(
        `free at least ${formatGiB(expectedChange * SHADOW_STORAGE_HEADROOM - storage.freeBytes)} on '${storage.name}' or move the shadow storage to a volume with room (\`vssadmin add shadowstorage /for=${volume.name} /on=<volume> /maxsize=${wanted}GB\`)`,
      );
    }
    findings.push(
      finding(
        ctx,
        'HV-HOST-SHADOW-STORAGE-LOW',
        'warning',
        `Host volume '${volume.name}' on host '${host.name}' keeps its shadow copies on '${storage.name}' with ${limitText} and ${formatGiB(storage.freeBytes)} free, but the ${vmNames.length} VM(s) on it (${listNames(quoted(vmNames))}) change about ${formatGiB(expectedChange)} a day: VSS may discard the shadow copy before the backup of '${vm.name}' finishes.`,
        `${remedies.join('; ')}.`.replace(/^./, (c) => c.toUpperCase()),
        [
          vmRef(vm),
          hostVolumeRef(volume),
          ...(storage === volume ? [] : [hostVolumeRef(storage)]),
          hostRef(host),
        ],
      ),
    );
  }
  return findings;
}

/**
 * Reported only where WSB is the host-level method in use (no VSS-aware product on the host):
 * elsewhere wsb-volume is a listed alternative, and its option already names the co-captured VMs.
 */
function checkWsbGranularity(ctx: RuleContext): Finding[] {
  const { vm, host, index } = ctx;
  if (host.hasVssAwareProduct) return [];
  return ctx.diskHostVolumes.map((volume) => {
    const others = otherVmRefs(ctx, index.vmIdsByHostVolume.get(volume.id) ?? []);
    const message =
      others.length > 0
        ? `Windows Server Backup on host '${host.name}' can only restore host volume '${volume.name}' as a whole: restoring VM '${vm.name}' also rolls back ${listNames(quoted(others.map((o) => o.name)))}.`
        : `Windows Server Backup on host '${host.name}' can only restore host volume '${volume.name}' as a whole; no other VM is on it today, but any VM placed there later would roll back with '${vm.name}'.`;
    return finding(
      ctx,
      'WSB-VOLUME-GRANULARITY',
      others.length > 0 ? 'warning' : 'info',
      message,
      `Install a VSS-aware product (the Migawka agent) on host '${host.name}' to back up and restore VMs one by one with hyperv-vss; until then restore '${volume.name}' to a scratch location and copy out only '${vm.name}' (staged restore).`,
      [vmRef(vm), hostVolumeRef(volume), hostRef(host), ...others],
      WSB_METHODS,
    );
  });
}

function summariseOfflineBackup(ctx: RuleContext, prerequisiteFindings: Finding[]): Finding[] {
  const { vm, host } = ctx;
  if (!ctx.isRunning) return [];
  const failed = prerequisiteFindings.filter(
    (f) => ONLINE_PREREQUISITE_RULES.has(f.ruleId) && f.severity !== 'info',
  );
  if (failed.length === 0) return [];
  const reasons = failed.map((f) => {
    const names = f.objects.filter((o) => o.kind !== 'vm' && o.kind !== 'host').map((o) => o.name);
    return names.length > 0 ? `${f.ruleId} (${names.join(', ')})` : f.ruleId;
  });
  return [
    finding(
      ctx,
      'HV-OFFLINE-BACKUP',
      'warning',
      `VM '${vm.name}' on host '${host.name}' is running but cannot be backed up online: ${reasons.join('; ')}. Hyper-V will put it into saved state for about ${SAVED_STATE_DOWNTIME_SECONDS} s during each backup (downtime).`,
      `Fix the failed prerequisites of '${vm.name}' (each finding carries its remedy) to back it up online; until then schedule its backups in a maintenance window.`,
      [vmRef(vm), hostRef(host)],
    ),
  ];
}

/** Every Hyper-V rule for one VM; nothing for VMs on other hypervisors. */
export function evaluateHypervRules(ctx: RuleContext): Finding[] {
  if (ctx.host.kind !== 'hyperv') return [];
  const prerequisites = [
    ...checkBackupIntegrationService(ctx),
    ...reportUnknownGuestVolumes(ctx),
    ...ctx.guestVolumes.flatMap((volume) => checkGuestVolume(ctx, volume)),
    ...checkSnapshotLocation(ctx),
  ];
  return [
    ...prerequisites,
    ...summariseOfflineBackup(ctx, prerequisites),
    ...ctx.passthroughDisks.map((disk) => checkPassthroughDisk(ctx, disk)),
    ...checkHostVolumeVss(ctx),
    ...checkHostShadowStorage(ctx),
    ...checkWsbGranularity(ctx),
  ];
}
