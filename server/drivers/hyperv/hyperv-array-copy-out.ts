/**
 * The copy-out of a staged restore whose volume an array staged (ONTAP: a FlexClone of the
 * snapshot, its LUNs mapped to the VM's host as well as to the staging igroup): the VM's host
 * brings the clone's disk online under a folder of its own (`mount-array-copy`, the same as a
 * backup's copy out of an array snapshot), and copies only the chosen VM's base VHDX files from
 * there, on the host:
 * - in place over the VM's live files (the VM must be off and without checkpoints, checked live),
 * - as new into a folder beside the original VM's, then a new VM is made of them (left off).
 * The clone's files are hashed against the point before anything is written (a clone that does not
 * hold the point's data overwrites nothing), and every written file against the clone's after.
 * The other VMs on the LUN are never touched: the live volume is written only where this VM's
 * disks are. The clone's disk goes offline again whatever happened (`dismount-array-copy`, on a
 * deadline of its own), before discard-staging unmaps and deletes the clone. The mount folder is
 * named after the staging, so a retried copy-out finds its mount again.
 */
import { z } from 'zod';
import { DriverError } from '../../engine/driver';
import type { CallOptions, TransferOptions } from '../call';
import type { BackupRepository, CopyOutVmRequest, ExposedLun, RestoreResult, StoredPoint } from '../roles';
import { copyMountRoot, dismountArrayCopy, mountArrayCopy } from './hyperv-array-copy';
import type { HypervClient } from './hyperv-client';
import { diskInventoryId } from './hyperv-discovery';
import { toDriverError } from './hyperv-errors';
import { createVmFromDisks } from './hyperv-new-vm';
import { fileHashesSchema, folderSchema, inPlaceSchema, vmStateSchema } from './hyperv-records';
import { inPlaceTargets, splitPath } from './hyperv-restore-targets';

/** One mount folder per staging (`stage-<stagingId>`), beside the backups' copies. */
export const copyOutMountRoot = (stagingId: string) => copyMountRoot(`stage-${stagingId}`);

type ArrayCopyOutRequest = CopyOutVmRequest & { luns: ExposedLun[] };

async function mapped<T>(client: HypervClient, what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toDriverError(error, `${client.label} ${what}`);
  }
}

/** Host path → lower-case SHA-256, as Get-FileHash answers for `paths`. */
async function hashesOf(client: HypervClient, paths: string[], options: CallOptions) {
  const hashes = await mapped(client, 'hash of the copied files', () =>
    client.run('file-hashes', { paths }, fileHashesSchema, options),
  );
  return new Map(hashes.map((entry) => [entry.Path.toLowerCase(), entry.Hash.toLowerCase()]));
}

/** Where each of the point's disks is on the mounted clone, checked against the point's hashes. */
async function sourcesOnClone(
  client: HypervClient,
  guid: string,
  point: StoredPoint,
  mountRoot: string,
  request: ArrayCopyOutRequest,
  options: TransferOptions,
): Promise<Map<string, string>> {
  const drives = await mapped(client, `mount of the staged clone of ${request.vmId}`, () =>
    mountArrayCopy(client, guid, mountRoot, request.luns, options),
  );
  const sources = new Map<string, string>();
  for (const file of point.files) {
    const drive = drives.find((candidate) => diskInventoryId(guid, candidate) === file.diskId);
    if (!drive?.CopyPath) {
      throw new DriverError(
        'not-found',
        `${client.label}: ${drive?.Path ?? file.origin.location} is on none of the staged clone's LUNs`,
        { isRetryable: false },
      );
    }
    sources.set(file.diskId, drive.CopyPath);
  }
  const hashes = await hashesOf(client, [...sources.values()], options);
  for (const file of point.files) {
    const source = sources.get(file.diskId) as string;
    if (hashes.get(source.toLowerCase()) !== file.sha256) {
      throw new DriverError(
        'data-corrupt',
        `${client.label}: ${file.origin.location} on the staged clone does not match the restore point; nothing was overwritten`,
        { isRetryable: false },
      );
    }
  }
  return sources;
}

/** The VM's live files (in place), after checking it is off and has no checkpoints. */
async function inPlaceFiles(
  client: HypervClient,
  guid: string,
  point: StoredPoint,
  request: ArrayCopyOutRequest,
  options: CallOptions,
): Promise<Map<string, string>> {
  const live = await mapped(client, `in-place copy-out of ${request.vmId}`, () =>
    client.run('prepare-in-place', { vmId: guid }, inPlaceSchema, options),
  );
  return inPlaceTargets(live, point, guid);
}

/** `D:\Hyper-V\sql01\os.vhdx` restored as `sql01-restored` → `D:\Hyper-V\sql01-restored`. */
function newVmFolder(point: StoredPoint, newVmName: string | undefined): { name: string; folder: string } {
  if (!newVmName)
    throw new DriverError('invalid-state', 'a restore as new needs a new VM name', { isRetryable: false });
  const [originalFolder] = splitPath(point.files[0]?.origin.location ?? 'C:\\Hyper-V\\x');
  return { name: newVmName, folder: `${splitPath(originalFolder)[0]}\\${newVmName}` };
}

async function removeFolder(client: HypervClient, folder: string): Promise<void> {
  await client
    .run('remove-folder', { path: folder }, z.boolean(), {
      signal: AbortSignal.timeout(60_000),
      timeoutMs: 60_000,
    })
    .catch(() => undefined);
}

/** Copies on the host from the clone to `targets`, then compares each written file with its source. */
async function copyAndVerify(
  client: HypervClient,
  sources: Map<string, string>,
  targets: Map<string, string>,
  request: ArrayCopyOutRequest,
  options: CallOptions,
): Promise<void> {
  const pairs = [...sources].map(([diskId, from]) => ({ from, to: targets.get(diskId) as string }));
  await mapped(client, `copy-out of ${request.vmId} from the staged clone`, () =>
    client.run('copy-files', { pairs }, z.boolean(), options),
  );
  const hashes = await hashesOf(
    client,
    pairs.flatMap((pair) => [pair.from, pair.to]),
    options,
  );
  for (const pair of pairs) {
    const written = hashes.get(pair.to.toLowerCase());
    if (!written || written !== hashes.get(pair.from.toLowerCase())) {
      throw new DriverError(
        'data-corrupt',
        `${client.label}: ${pair.to} does not match the staged clone's copy`,
        {
          isRetryable: false,
        },
      );
    }
  }
}

/** The whole copy-out of one VM from an array-staged clone (see the file's head). */
export async function copyOutFromArrayLuns(
  client: HypervClient,
  guid: string,
  { luns = [], ...rest }: CopyOutVmRequest,
  repository: BackupRepository,
  options: TransferOptions,
): Promise<RestoreResult> {
  const request: ArrayCopyOutRequest = { ...rest, luns };
  const point = await repository.read(request.restorePointId, options);
  if (!point || point.files.length === 0) {
    throw new DriverError('not-found', `restore point ${request.restorePointId} holds no disks`, {
      isRetryable: false,
    });
  }
  const bytes = point.files.reduce((sum, file) => sum + file.bytes, 0);
  // In place: checked before the clone is mounted, so a running VM fails the step with nothing done.
  const liveFiles =
    request.target === 'in-place' ? await inPlaceFiles(client, guid, point, request, options) : null;
  const mountRoot = copyOutMountRoot(request.stagingId);
  try {
    const sources = await sourcesOnClone(client, guid, point, mountRoot, request, options);
    if (liveFiles) {
      await copyAndVerify(client, sources, liveFiles, request, options);
      return { bytes, verified: true };
    }
    return await copyOutAsNew(client, guid, point, sources, request, options);
  } finally {
    await dismountArrayCopy(client, mountRoot, request.luns);
  }
}

async function copyOutAsNew(
  client: HypervClient,
  guid: string,
  point: StoredPoint,
  sources: Map<string, string>,
  request: ArrayCopyOutRequest,
  options: CallOptions,
): Promise<RestoreResult> {
  const { name, folder } = newVmFolder(point, request.newVmName);
  const original = await mapped(client, `generation of ${request.vmId}`, () =>
    client.run('vm-state', { vmId: guid }, vmStateSchema, options),
  );
  await mapped(client, `restore folder ${folder}`, () =>
    client.run('prepare-folder', { path: folder, allowExisting: false }, folderSchema, options),
  );
  try {
    const targets = new Map(
      point.files.map((file) => [file.diskId, `${folder}\\${splitPath(file.origin.location)[1]}`]),
    );
    await copyAndVerify(client, sources, targets, request, options);
    const { powerState, ...createdVm } = await createVmFromDisks(
      client,
      { name, generation: original.Generation, folder, targets },
      options,
    );
    return {
      bytes: point.files.reduce((sum, file) => sum + file.bytes, 0),
      verified: true,
      createdVm,
      ...(powerState ? { powerState } : {}),
    };
  } catch (error) {
    // A half-made new VM's folder is removed, not left behind: a retry starts from an empty folder.
    await removeFolder(client, folder);
    throw error;
  }
}
