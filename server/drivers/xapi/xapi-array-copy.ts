/**
 * Reading a Xen VM's disks out of an array snapshot (CONNECTORS.md §1, §3): the array has mapped a
 * clone of the snapshot's LUN to the pool's hosts (ontap-exposure.ts). XAPI cannot attach it (an
 * LVM SR's clone carries the original's SR and VG uuids), so dom0 of a host that has the SR plugged
 * reads it over SSH, as root:
 * 1. `iscsiadm -m session -R` + `udevadm settle`: the clone's LUN appears as
 *    `/dev/disk/by-id/scsi-3<naa>` (checked to be another device than the live LUN's);
 * 2. `vgimportclone --basevgname MGW_<point>_<naa tail>`: the clone's VG gets new PV / VG uuids and
 *    a name of its own, so it is never activated under the original's name; a retry finds its VG
 *    already imported on the same device (`pvs`) and goes on with it;
 * 3. `lvchange -ay` of each wanted VDI's LV only: a raw one (`LV-<vdi uuid>`) streamed with
 *    `head -c <virtual size>` into the repository (which hashes it); a VHD one (`VHD-<vdi uuid>`,
 *    LVHD's default) decoded here to the raw image, its chain followed inside the imported VG only
 *    and read by `dd` ranges (xapi-array-vhd.ts);
 * 4. whatever happened, on a deadline of its own: `vgchange -an` and `vgremove -f` of the imported
 *    VG (on the clone's PV: the clone is deleted next by the array); and before step 2 the same for
 *    a VG of this point left on another device by a worker that died.
 * Only LVM over iSCSI SRs are read (an `lvmohba` SR's rescan is not iscsiadm, a file SR on a LUN is
 * not LVM): others are refused `connector-missing`, and the engine says it before a run
 * (XS-ARRAY-COPY-SR-TYPE; a disk format not read is XS-ARRAY-COPY-VHD's warning).
 */
import { z } from 'zod';
import { DriverError } from '../../engine/driver';
import type { CallOptions, TransferOptions } from '../call';
import type { BackupRepository, CopyFromArrayRequest, CopyResult, DiskSource, ExposedLun } from '../roles';
import { rawImage } from './vhd-image';
import { openVdiChain } from './xapi-array-vhd';
import type { XapiClient } from './xapi-client';
import { uuidOfXenId, xenId } from './xapi-discovery';
import type { Dom0Shell } from './xapi-guest-hook';
import { pluggedHosts } from './xapi-guest-targets';
import { pbdRecordSchema, srRecordSchema, vdiRecordSchema } from './xapi-records';

const LVM_SR_TYPES = new Set(['lvmoiscsi']);

export interface ArrayCopyContext {
  client: XapiClient;
  label: string;
  dom0(host: { name: string; address: string }, what: string): Promise<Dom0Shell>;
}

interface WantedDisk {
  diskId: string;
  vdiUuid: string;
  virtualSize: number;
  srId: string;
  lun: ExposedLun;
}

const refuse = (fault: 'not-found' | 'connector-missing' | 'invalid-state', text: string) =>
  new DriverError(fault, text, { isRetryable: false });

/** The VG name a point's clone of one LUN is imported under (LVM: `[A-Za-z0-9+_.-]`). */
export const importedVgName = (restorePointId: string, naaId: string) =>
  `${importedVgPrefix(restorePointId)}${naaId.toLowerCase().slice(-8)}`;
export const importedVgPrefix = (restorePointId: string) =>
  `MGW_${restorePointId.replace(/[^A-Za-z0-9_.-]/g, '_')}_`;

/** Which of `luns` an SR sits on: its PBDs' SCSIid is `3` + the live LUN's NAA id. */
export async function exposedLunOfSr(
  ctx: ArrayCopyContext,
  sr: z.infer<typeof srRecordSchema>,
  luns: ExposedLun[],
  options: CallOptions,
): Promise<ExposedLun | undefined> {
  const scsiIds = new Set<string>();
  for (const pbd of sr.PBDs) {
    const record = await ctx.client.call('PBD.get_record', [pbd], pbdRecordSchema, options);
    if (record.device_config.SCSIid) scsiIds.add(record.device_config.SCSIid.toLowerCase());
  }
  return luns.find((candidate) => scsiIds.has(`3${candidate.sourceNaaId.toLowerCase()}`));
}

/** Each wanted disk's VDI, its LVM SR and the exposed LUN under it (by the SR's SCSIid). */
async function wantedDisks(ctx: ArrayCopyContext, request: CopyFromArrayRequest, options: CallOptions) {
  const disks: WantedDisk[] = [];
  for (const diskId of request.diskIds) {
    const uuid = uuidOfXenId(diskId);
    if (!uuid) throw refuse('not-found', `${diskId} is not a XAPI disk id`);
    const ref = await ctx.client.call('VDI.get_by_uuid', [uuid], z.string(), options);
    const vdi = await ctx.client.call('VDI.get_record', [ref], vdiRecordSchema, options);
    const sr = await ctx.client.call('SR.get_record', [vdi.SR], srRecordSchema, options);
    if (!LVM_SR_TYPES.has(sr.type))
      throw refuse(
        'connector-missing',
        `${vdi.name_label} is on ${sr.name_label}, a ${sr.type} SR: only LVM over iSCSI SRs (lvmoiscsi) are read out of an array snapshot yet: back the VM up with a XenServer snapshot (xen-snapshot) instead`,
      );
    const lun = await exposedLunOfSr(ctx, sr, request.luns, options);
    if (!lun)
      throw refuse(
        'not-found',
        `${vdi.name_label} is on ${sr.name_label}, whose LUN is none of those the array snapshot ${request.snapshotId} holds`,
      );
    disks.push({ diskId, vdiUuid: vdi.uuid, virtualSize: vdi.virtual_size, srId: xenId(sr.uuid), lun });
  }
  return disks;
}

export async function must(shell: Dom0Shell, command: string, options: CallOptions): Promise<string> {
  const result = await shell.run(command, options);
  if (result.code !== 0)
    throw new DriverError(
      'invalid-state',
      `${shell.label}: ${command} exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`,
    );
  return result.stdout;
}

export const words = (text: string) => text.split(/\s+/).filter(Boolean);

/** The clone's device in dom0, after a rescan; never the live LUN's. */
export async function cloneDevice(shell: Dom0Shell, lun: ExposedLun, options: CallOptions): Promise<string> {
  await must(shell, 'iscsiadm -m session -R', options);
  await must(shell, 'udevadm settle', options);
  const resolve = async (naa: string) =>
    (await shell.run(`readlink -e /dev/disk/by-id/scsi-3${naa.toLowerCase()}`, options)).stdout.trim();
  const device = await resolve(lun.naaId);
  if (!device)
    throw new DriverError(
      'not-found',
      `${shell.label}: the snapshot's clone (scsi-3${lun.naaId}) did not appear after an iSCSI rescan`,
    );
  if (device === (await resolve(lun.sourceNaaId)))
    throw refuse('invalid-state', `${shell.label}: ${device} is the live LUN, not the snapshot's clone`);
  return device;
}

/** Imports the clone's VG under `vg` (once: a retry finds it imported) after removing stale ones. */
export async function importClone(
  shell: Dom0Shell,
  device: string,
  vg: string,
  prefix: string,
  options: CallOptions,
): Promise<void> {
  const current = words(await must(shell, `pvs --noheadings -o vg_name ${device}`, options))[0];
  if (current === vg) return;
  for (const stale of words(await must(shell, 'vgs --noheadings -o vg_name', options))) {
    if (stale.startsWith(prefix)) await removeImported(shell, stale, options);
  }
  await must(shell, `vgimportclone --basevgname ${vg} ${device}`, options);
  const imported = words(await must(shell, `pvs --noheadings -o vg_name ${device}`, options))[0];
  if (imported !== vg)
    throw new DriverError(
      'invalid-state',
      `${shell.label}: the clone's VG was imported as ${imported}, not ${vg}`,
    );
}

export async function removeImported(shell: Dom0Shell, vg: string, options: CallOptions): Promise<void> {
  await must(shell, `vgchange -an ${vg}`, options);
  await must(shell, `vgremove -f ${vg}`, options);
}

/**
 * A VDI's bytes in an imported clone VG: a raw LV (`LV-<uuid>`, activated, at `path` in dom0), or a
 * VHD chain (`VHD-<uuid>`) opened here and decoded to the raw image, its parents looked up in the
 * same VG only (xapi-array-vhd.ts). Shared by a backup's copy and a staged restore's copy-out.
 */
export type CloneDisk =
  | { kind: 'raw'; path: string; read: DiskSource['read'] }
  | { kind: 'vhd'; read: DiskSource['read'] };

/** Opens one VDI on the clone imported as `vg`; a damaged or foreign chain is refused here, before anything is written. */
export async function openCloneDisk(
  shell: Dom0Shell,
  vg: string,
  disk: { vdiUuid: string; virtualSize: number },
  options: CallOptions,
): Promise<CloneDisk> {
  const lvs = new Set(words(await must(shell, `lvs --noheadings -o lv_name ${vg}`, options)));
  const activated = new Set<string>();
  const activate = async (lv: string) => {
    if (activated.has(lv)) return;
    await must(shell, `lvchange -ay ${vg}/${lv}`, options);
    activated.add(lv);
  };
  const raw = `LV-${disk.vdiUuid}`;
  if (lvs.has(raw)) {
    await activate(raw);
    const path = `/dev/${vg}/${raw}`;
    const command = `head -c ${disk.virtualSize} ${path}`;
    return { kind: 'raw', path, read: (signal) => streamed(shell, command, signal) };
  }
  if (!lvs.has(`VHD-${disk.vdiUuid}`))
    throw refuse('not-found', `${shell.label}: the clone ${vg} holds no LV of disk ${disk.vdiUuid}`);
  await activate(`VHD-${disk.vdiUuid}`);
  const layers = await openVdiChain({ shell, vg, lvs, activate }, disk.vdiUuid, disk.virtualSize, options);
  return { kind: 'vhd', read: (signal) => rawImage(layers, signal) };
}

/** The whole copy (see the file's head). */
export async function copyVdisFromArrayLuns(
  ctx: ArrayCopyContext,
  request: CopyFromArrayRequest,
  repository: BackupRepository,
  options: TransferOptions,
): Promise<CopyResult> {
  const disks = await wantedDisks(ctx, request, options);
  const first = disks[0];
  if (!first) throw refuse('not-found', `no disk of ${request.vmId} to copy`);
  const { hosts } = await pluggedHosts(ctx.client, first.srId, options);
  const host = hosts[0];
  if (!host) throw refuse('invalid-state', `${ctx.label}: the SR of ${request.vmId} is plugged into no host`);
  const shell = await ctx.dom0(host, `read the array snapshot ${request.snapshotId}`);
  const prefix = importedVgPrefix(request.restorePointId);
  const imported: string[] = [];
  try {
    const sources: DiskSource[] = [];
    for (const lun of new Set(disks.map((disk) => disk.lun))) {
      const vg = importedVgName(request.restorePointId, lun.naaId);
      const device = await cloneDevice(shell, lun, options);
      await importClone(shell, device, vg, prefix, options);
      imported.push(vg);
      for (const disk of disks.filter((candidate) => candidate.lun === lun)) {
        const { read } = await openCloneDisk(shell, vg, disk, options);
        sources.push({
          diskId: disk.diskId,
          bytes: disk.virtualSize,
          origin: { location: `${disk.srId}/${disk.diskId}`, hostVolumeId: disk.srId, arrayVolumeId: null },
          read,
        });
      }
    }
    return await repository.store(
      {
        restorePointId: request.restorePointId,
        vmId: request.vmId,
        snapshotId: request.snapshotId,
        disks: sources,
      },
      options,
    );
  } finally {
    // A cancel has aborted the copy's signal: the VG goes on a deadline of its own.
    const cleanup = { signal: AbortSignal.timeout(120_000), timeoutMs: 120_000 };
    for (const vg of imported) await removeImported(shell, vg, cleanup).catch(() => undefined);
  }
}

export async function* streamed(
  shell: Dom0Shell,
  command: string,
  signal: AbortSignal,
): AsyncIterable<Uint8Array> {
  yield* await shell.stream(command, signal);
}
