/**
 * The copy-out of a staged restore of a Xen VM (CONNECTORS.md §1, §3): the array has cloned the
 * kept snapshot and mapped the clone's LUNs where the live LUNs are mapped (stageVolume,
 * stagedLuns), so the pool's hosts see it. XAPI cannot attach the clone (it carries the live SR's
 * and VG's uuids), so dom0 of a host with the SR plugged reads it over SSH, the backup copy's way
 * (xapi-array-copy.ts: rescan, `vgimportclone` under a name of its own, `lvchange -ay` of the
 * chosen VM's LVs only), and the worker writes what dom0 streams into the pool through XAPI:
 * - in place into the VM's own VDIs (`/import_raw_vdi`): the VM must be halted, read live before
 *   dom0 is asked anything, so a running VM is refused with nothing touched;
 * - as a new VM: a halted VM with one new VDI per disk on the disk's SR (the repository restore
 *   as new's `newVmTargets`), then `/import_raw_vdi` into each; a half-made VM is destroyed.
 * A disk is read from the clone as a backup's copy reads it (`openCloneDisk`): a raw LV
 * (`LV-<uuid>`) streamed by dom0, or a VHD LV (`VHD-<uuid>`, LVHD's default) whose chain is followed
 * in the imported VG only and decoded in the worker (xapi-array-vhd.ts). Before any byte is written,
 * each disk is hashed and compared with the point's sha256: a raw LV in dom0 (`head -c <size> <lv> |
 * sha256sum`, no bytes leave dom0), a VHD's decoded image in the worker (its chain is read twice);
 * a clone that does not hold the point overwrites nothing. After, each written VDI is read back from the pool
 * (`/export_raw_vdi`) and compared with the point again. The other VMs on the LUN are never touched:
 * only this VM's LVs are activated on the clone, and only its VDIs (or the new ones) are written.
 * Whatever happened, the imported VG is deactivated and removed on a deadline of its own (it is on
 * the clone's PV), before discard-staging has the array unmap and delete the clone. The VG is named
 * after the staging, so a retried copy-out finds its import again.
 * A clone the host must log in to as an iSCSI target of its own (EqualLogic) is refused
 * `connector-missing`.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DriverError } from '../../engine/driver';
import type { CallOptions, TransferOptions } from '../call';
import type {
  BackupRepository,
  CopyOutVmRequest,
  ExposedLun,
  RestoreResult,
  StoredPoint,
  StoredPointFile,
} from '../roles';
import {
  type ArrayCopyContext,
  type CloneDisk,
  cloneDevice,
  exposedLunOfSr,
  importClone,
  importedVgName,
  importedVgPrefix,
  must,
  openCloneDisk,
  removeImported,
  words,
} from './xapi-array-copy';
import { uuidOfXenId } from './xapi-discovery';
import { toDriverError } from './xapi-errors';
import type { Dom0Shell } from './xapi-guest-hook';
import { pluggedHosts } from './xapi-guest-targets';
import { verifyWrittenVdis } from './xapi-read-back';
import { srRecordSchema, vdiRecordSchema, vmRecordSchema } from './xapi-records';
import { createdVmIds, newVmTargets } from './xapi-restore-targets';

const refuse = (fault: 'not-found' | 'connector-missing' | 'invalid-state', text: string) =>
  new DriverError(fault, text, { isRetryable: false });

/** The imported VGs of one staging are named after it, not after a point (a backup's copy). */
const stagingKey = (stagingId: string) => `stage_${stagingId}`;

interface StagedDisk {
  file: StoredPointFile;
  vdiUuid: string;
  srId: string;
  lun: ExposedLun;
  /** The disk on the imported clone, once opened. */
  source?: CloneDisk;
}

async function mapped<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toDriverError(error, what);
  }
}

/** Each stored disk with the staged LUN under its SR (the SR's SCSIid is `3` + the live LUN's NAA id). */
async function stagedDisks(
  ctx: ArrayCopyContext,
  point: StoredPoint,
  luns: ExposedLun[],
  options: CallOptions,
): Promise<StagedDisk[]> {
  const disks: StagedDisk[] = [];
  for (const file of point.files) {
    const vdiUuid = uuidOfXenId(file.diskId);
    const srUuid = uuidOfXenId(file.origin.hostVolumeId ?? '');
    if (!vdiUuid || !srUuid) throw refuse('not-found', `${file.diskId} is not a XAPI disk on an SR`);
    const srRef = await ctx.client.call('SR.get_by_uuid', [srUuid], z.string(), options);
    const sr = await ctx.client.call('SR.get_record', [srRef], srRecordSchema, options);
    // As for a backup's copy: an `lvmohba` SR's rescan is not iscsiadm, a file SR has no LVs.
    if (sr.type !== 'lvmoiscsi')
      throw refuse(
        'connector-missing',
        `${file.origin.location} is on ${sr.name_label}, a ${sr.type} SR: only LVM over iSCSI SRs (lvmoiscsi) are copied out of a staged clone`,
      );
    const lun = await exposedLunOfSr(ctx, sr, luns, options);
    if (!lun)
      throw refuse('not-found', `${sr.name_label} is on none of the LUNs the array staged for this restore`);
    if (lun.iscsi)
      throw refuse(
        'connector-missing',
        `the staged clone of ${sr.name_label} is an iSCSI target of its own (${lun.iscsi.target}); dom0 does not log in to a clone's target yet, so a Xen VM cannot be copied out of it`,
      );
    disks.push({ file, vdiUuid, srId: file.origin.hostVolumeId as string, lun });
  }
  return disks;
}

/** In place: the VM is halted now (read live) and each stored disk's VDI is still its size. */
async function inPlaceTargets(
  ctx: ArrayCopyContext,
  vmId: string,
  disks: StagedDisk[],
  options: CallOptions,
): Promise<Map<string, string>> {
  const vmRef = await ctx.client.call('VM.get_by_uuid', [uuidOfXenId(vmId) ?? ''], z.string(), options);
  const vm = await ctx.client.call('VM.get_record', [vmRef], vmRecordSchema, options);
  if (vm.power_state !== 'Halted')
    throw refuse(
      'invalid-state',
      `${vm.name_label} is ${vm.power_state.toLowerCase()}: an in-place restore needs it off; nothing was written`,
    );
  const targets = new Map<string, string>();
  for (const { file, vdiUuid } of disks) {
    const ref = await ctx.client.call('VDI.get_by_uuid', [vdiUuid], z.string(), options);
    const vdi = await ctx.client.call('VDI.get_record', [ref], vdiRecordSchema, options);
    if (vdi.virtual_size !== file.bytes)
      throw refuse(
        'invalid-state',
        `${vdi.name_label} of ${vm.name_label} is ${vdi.virtual_size} bytes now, the point's disk ${file.bytes}: it was resized since; restore it as a new VM instead`,
      );
    targets.set(file.diskId, ref);
  }
  return targets;
}

/** Imports each staged LUN's clone once, activates this VM's LVs and checks them against the point. */
async function activateAndCheck(
  shell: Dom0Shell,
  stagingId: string,
  disks: StagedDisk[],
  imported: string[],
  options: CallOptions,
): Promise<void> {
  const prefix = importedVgPrefix(stagingKey(stagingId));
  for (const lun of new Set(disks.map((disk) => disk.lun))) {
    const vg = importedVgName(stagingKey(stagingId), lun.naaId);
    const device = await cloneDevice(shell, lun, options);
    await importClone(shell, device, vg, prefix, options);
    imported.push(vg);
    for (const disk of disks.filter((candidate) => candidate.lun === lun)) {
      const { vdiUuid, file } = disk;
      disk.source = await openCloneDisk(shell, vg, { vdiUuid, virtualSize: file.bytes }, options);
      if ((await cloneSha256(shell, disk.source, file.bytes, options)) !== file.sha256)
        throw new DriverError(
          'data-corrupt',
          `${shell.label}: disk ${disk.vdiUuid} on the staged clone does not match the restore point; nothing was written`,
          { isRetryable: false },
        );
    }
  }
}

/** A raw LV is hashed in dom0 (no bytes leave it); a VHD's image is decoded and hashed here. */
async function cloneSha256(shell: Dom0Shell, source: CloneDisk, bytes: number, options: CallOptions) {
  if (source.kind === 'raw')
    return words(await must(shell, `head -c ${bytes} ${source.path} | sha256sum`, options))[0];
  const hash = createHash('sha256');
  for await (const chunk of source.read(options.signal)) hash.update(chunk);
  return hash.digest('hex');
}

/** The clone (a raw LV streamed by dom0, a VHD decoded here) → `/import_raw_vdi`; each VDI read back. */
async function writeAndVerify(
  ctx: ArrayCopyContext,
  disks: StagedDisk[],
  targets: Map<string, string>,
  options: TransferOptions,
): Promise<number> {
  const total = disks.reduce((sum, disk) => sum + disk.file.bytes, 0);
  let done = 0;
  for (const { file, source } of disks) {
    const bytes = (source as CloneDisk).read(options.signal);
    await ctx.client.importVdi(targets.get(file.diskId) as string, file.bytes, bytes, options.signal);
    done += file.bytes;
    options.onProgress?.(done, total);
  }
  await verifyWrittenVdis(
    ctx.client,
    targets,
    disks.map((disk) => disk.file),
    options,
    (_, disk) => `${disk} read back from the pool after the copy-out does not match the restore point`,
  );
  return total;
}

/** A half-made new VM goes: the record, then its disks (a retry starts without a name clash). */
async function destroyCreated(
  ctx: ArrayCopyContext,
  created: { vmRef: string; targets: Map<string, string> },
) {
  const cleanup = { signal: AbortSignal.timeout(60_000), timeoutMs: 60_000 };
  await ctx.client.call('VM.destroy', [created.vmRef], z.unknown(), cleanup).catch(() => undefined);
  for (const vdiRef of created.targets.values())
    await ctx.client.call('VDI.destroy', [vdiRef], z.unknown(), cleanup).catch(() => undefined);
}

/** The whole copy-out of one Xen VM from an array-staged clone (see the file's head). */
export async function copyOutVmFromStagedLuns(
  ctx: ArrayCopyContext,
  request: CopyOutVmRequest,
  repository: BackupRepository,
  options: TransferOptions,
): Promise<RestoreResult> {
  const what = `${ctx.label} copy-out of ${request.vmId} from staging ${request.stagingId}`;
  const luns = request.luns ?? [];
  if (luns.length === 0)
    throw refuse(
      'connector-missing',
      `${ctx.label}: the volume was not staged by an array that maps its clone to the pool; a Xen VM is copied out of an array's clone only`,
    );
  const point = await repository.read(request.restorePointId, options);
  if (!point || point.files.length === 0)
    throw refuse('not-found', `restore point ${request.restorePointId} holds no disks`);
  const disks = await mapped(what, () => stagedDisks(ctx, point, luns, options));
  // In place: checked before dom0 is asked anything, so a running VM fails with nothing done.
  const inPlace =
    request.target === 'in-place'
      ? await mapped(what, () => inPlaceTargets(ctx, request.vmId, disks, options))
      : null;
  const { hosts } = await mapped(what, () => pluggedHosts(ctx.client, disks[0]?.srId ?? '', options));
  const host = hosts[0];
  if (!host) throw refuse('invalid-state', `${ctx.label}: the SR of ${request.vmId} is plugged into no host`);
  const shell = await ctx.dom0(host, `read the staged clone ${request.stagingId}`);
  const imported: string[] = [];
  try {
    await mapped(what, () => activateAndCheck(shell, request.stagingId, disks, imported, options));
    if (inPlace) {
      const bytes = await mapped(what, () => writeAndVerify(ctx, disks, inPlace, options));
      return { bytes, verified: true };
    }
    const created = await mapped(what, () =>
      newVmTargets(ctx.client, { ...request, target: 'as-new' }, point, options),
    );
    try {
      const bytes = await mapped(what, () => writeAndVerify(ctx, disks, created.targets, options));
      return { bytes, verified: true, createdVm: await createdVmIds(ctx.client, created, options) };
    } catch (error) {
      await destroyCreated(ctx, created);
      throw error;
    }
  } finally {
    // A cancel has aborted the step's signal: the VG goes on a deadline of its own.
    const cleanup = { signal: AbortSignal.timeout(120_000), timeoutMs: 120_000 };
    for (const vg of imported) await removeImported(shell, vg, cleanup).catch(() => undefined);
  }
}
