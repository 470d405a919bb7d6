/**
 * Reading one VM's disks out of an array snapshot on its Hyper-V host (CONNECTORS.md §4): the
 * array has mapped a copy of the snapshot's LUNs to the host (ontap-exposure.ts); the host brings
 * the copies' disks online under a folder of its own (`mount-array-copy`), the VM's base VHDX
 * files are streamed from there through SFTP into the repository, and the disks go offline again
 * (`dismount-array-copy`) whatever happened, before the array unmaps them.
 *
 * The files read are the base VHDX under any checkpoint: for an array capture the guest was frozen
 * by a production checkpoint, so the base file on the snapshot is the state at the freeze, and the
 * AVHDX beside it (writes after the freeze) is left out.
 */
import { z } from 'zod';
import { DriverError } from '../../engine/driver';
import type { TransferOptions } from '../call';
import type { BackupRepository, CopyFromArrayRequest, CopyResult, DiskSource } from '../roles';
import type { HypervClient } from './hyperv-client';
import { diskInventoryId } from './hyperv-discovery';
import { listOf } from './hyperv-records';

const copyDrivesSchema = listOf(
  z.object({
    ControllerType: z.number().int(),
    ControllerNumber: z.number().int(),
    ControllerLocation: z.number().int(),
    Path: z.string(),
    CopyPath: z.string().nullable(),
    FileSize: z.number().nonnegative().nullable(),
  }),
);

/** Where the copies are mounted: one folder per restore point, so a retry finds its own. */
export const copyMountRoot = (restorePointId: string) =>
  `C:\\ProgramData\\Migawka\\array-copies\\${restorePointId.replace(/[^A-Za-z0-9_.-]/g, '_')}`;

export async function copyFromArrayLuns(
  client: HypervClient,
  vmGuid: string,
  request: CopyFromArrayRequest,
  repository: BackupRepository,
  options: TransferOptions,
): Promise<CopyResult> {
  const mountRoot = copyMountRoot(request.restorePointId);
  const copies = request.luns.map((lun) => lun.naaId.toUpperCase());
  try {
    const drives = await client.run(
      'mount-array-copy',
      {
        vmId: vmGuid,
        mountRoot,
        luns: request.luns.map((lun) => ({
          source: lun.sourceNaaId.toUpperCase(),
          copy: lun.naaId.toUpperCase(),
        })),
      },
      copyDrivesSchema,
      options,
    );
    const disks: DiskSource[] = [];
    for (const diskId of request.diskIds) {
      const drive = drives.find((candidate) => diskInventoryId(vmGuid, candidate) === diskId);
      if (!drive?.CopyPath) {
        throw new DriverError(
          'not-found',
          `${client.label}: ${drive ? drive.Path : diskId} is on none of the LUNs the array snapshot ${request.snapshotId} holds`,
          { isRetryable: false },
        );
      }
      const from = drive.CopyPath;
      disks.push({
        diskId,
        bytes: drive.FileSize ?? 0,
        origin: { location: drive.Path, hostVolumeId: null, arrayVolumeId: null },
        read: (signal: AbortSignal) => client.readFile(from, signal),
      });
    }
    return await repository.store(
      { restorePointId: request.restorePointId, vmId: request.vmId, snapshotId: request.snapshotId, disks },
      options,
    );
  } finally {
    // Offline before the array unmaps: a disk pulled from under a mounted volume is a surprise
    // removal for Windows. On a deadline of its own, since a cancel has aborted the copy's signal.
    await client
      .run('dismount-array-copy', { mountRoot, copies }, z.boolean(), {
        signal: AbortSignal.timeout(120_000),
        timeoutMs: 120_000,
      })
      .catch(() => undefined);
  }
}
