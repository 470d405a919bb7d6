/**
 * Windows Server Backup on a Hyper-V host (DOMAIN.md §1.1, CONNECTORS.md §2.5–2.6), for hosts
 * where it is the only VSS-aware backup: it takes and restores whole volumes, never less.
 * - The snapshot (`wsb-volume`'s VSS snapshot step): `wbadmin start backup -include:<volumes>` to
 *   the connection's backup target. The version it made is kept under the engine's snapshot id on
 *   the host (wsb-backup.ps1), so a retried step finds it and never takes a second one.
 * - The copy into the repository: the VM's disk files recovered from that version
 *   (`-itemType:File`) into a scratch folder on its volume, streamed through SFTP and hashed by
 *   the repository, the scratch folder removed after (also when the copy fails).
 * - Volume revert: `-itemType:Volume` over the live volume from the points' version, every VM on
 *   it turned off first (every one of them rolls back: the engine's blast radius lists them);
 *   then each point's files on the volume are hashed on the host and compared with the point.
 * - Staged restore: the points' files recovered into a staging folder (nothing live touched),
 *   verified; `copyOutVm` copies one VM's files from there into place or into a new VM.
 */
import { z } from 'zod';
import { DriverError } from '../../engine/driver';
import type { CallOptions, TransferOptions } from '../call';
import type {
  BackupRepository,
  CopyOutVmRequest,
  CopyResult,
  CopyToRepositoryRequest,
  CreateSnapshotRequest,
  HostSnapshotScope,
  RestoreResult,
  RevertVolumeRequest,
  StageVolumeRequest,
  StoredPoint,
} from '../roles';
import type { HypervClient } from './hyperv-client';
import { diskInventoryId, hostInventoryId, vmGuidOf } from './hyperv-discovery';
import { toDriverError } from './hyperv-errors';
import { createVmFromDisks } from './hyperv-new-vm';
import {
  fileHashesSchema,
  folderSchema,
  hostFactsSchema,
  inPlaceSchema,
  listOf,
  powerStateOf,
  vmStateLabel,
} from './hyperv-records';
import { parseWsbVersions, type WsbVersion, wsbFailure } from './hyperv-wsb-text';

const backupSchema = z.object({
  IsInstalled: z.boolean(),
  ExitCode: z.number().int().nullable(),
  Output: z.string().nullable(),
  VersionId: z.string().nullable(),
});
const recoverSchema = z.object({
  ExitCode: z.number().int().nullable(),
  Output: z.string().nullable(),
  Files: listOf(z.object({ Path: z.string(), Length: z.number() })),
});
export const versionsSchema = z.object({
  IsInstalled: z.boolean(),
  ExitCode: z.number().int().nullable(),
  Output: z.string().nullable(),
});

const volumePath = (hostVolumeId: string): string => {
  const guid = /:([0-9a-f-]{36})$/i.exec(hostVolumeId)?.[1];
  if (!guid)
    throw new DriverError('not-found', `${hostVolumeId} is not a Hyper-V host volume id`, {
      isRetryable: false,
    });
  return `\\\\?\\Volume{${guid}}\\`;
};
const baseName = (windowsPath: string) => windowsPath.slice(windowsPath.lastIndexOf('\\') + 1);
const letterOf = (windowsPath: string) => windowsPath.slice(0, 2).toUpperCase();
const stagingFolder = (letter: string, stagingId: string, restorePointId: string) =>
  `${letter}\\Migawka-staging\\${stagingId}\\${restorePointId}`;

export interface HypervWsbOptions {
  client: HypervClient;
  /** Where wbadmin writes (`E:` or `\\server\share`); null when the connection names none. */
  backupTarget: () => Promise<string | null>;
}

export class HypervWsb {
  private readonly client: HypervClient;

  constructor(private readonly options: HypervWsbOptions) {
    this.client = options.client;
  }

  private async mapped<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toDriverError(error, `${this.client.label} ${what}`);
    }
  }

  private async target(): Promise<string> {
    const target = await this.options.backupTarget();
    if (!target) {
      throw new DriverError(
        'connector-missing',
        `${this.client.label}: the connection names no Windows Server Backup target (a volume such as E: or a share), so wbadmin has nowhere to write`,
        { isRetryable: false },
      );
    }
    return target;
  }

  private notInstalled(): DriverError {
    return new DriverError(
      'connector-missing',
      `${this.client.label}: Windows Server Backup is not installed (Install-WindowsFeature Windows-Server-Backup)`,
      { isRetryable: false },
    );
  }

  async backUpVolumes(
    request: CreateSnapshotRequest<HostSnapshotScope>,
    options: CallOptions,
  ): Promise<void> {
    if (request.scope.kind !== 'host-volumes') throw new Error('a WSB backup covers host volumes');
    const params = {
      snapshotId: request.snapshotId,
      backupTarget: await this.target(),
      volumes: request.scope.hostVolumeIds.map(volumePath),
      findOnly: false,
    };
    const result = await this.mapped('Windows Server Backup', () =>
      this.client.run('wsb-backup', params, backupSchema, options),
    );
    if (!result.IsInstalled && !result.VersionId) throw this.notInstalled();
    if (result.ExitCode !== 0 || !result.VersionId) {
      throw wsbFailure(`${this.client.label} Windows Server Backup`, result.ExitCode, result.Output);
    }
  }

  /** The versions on the backup target (`wbadmin get versions`): taken by Migawka or by anyone else. */
  async listVersions(options: CallOptions): Promise<WsbVersion[]> {
    const backupTarget = await this.target();
    const result = await this.mapped('Windows Server Backup versions', () =>
      this.client.run('wsb-versions', { backupTarget }, versionsSchema, options),
    );
    if (!result.IsInstalled) throw this.notInstalled();
    if (result.ExitCode !== 0) {
      throw wsbFailure(
        `${this.client.label} Windows Server Backup versions`,
        result.ExitCode,
        result.Output,
        'invalid-state',
      );
    }
    return parseWsbVersions(result.Output ?? '');
  }

  /** The version the backup under `snapshotId` made; null when it was not a WSB backup. */
  async versionOf(snapshotId: string, options: CallOptions): Promise<string | null> {
    const result = await this.mapped(`version of ${snapshotId}`, () =>
      this.client.run('wsb-backup', { snapshotId, findOnly: true }, backupSchema, options),
    );
    return result.VersionId;
  }

  private async recover(
    what: string,
    params: {
      versionId: string;
      itemType: 'Volume' | 'File';
      items: string[];
      recoveryTarget: string | null;
      stopVmIds: string[];
    },
    options: CallOptions,
  ) {
    const backupTarget = await this.target();
    const result = await this.mapped(what, () =>
      this.client.run('wsb-recover', { ...params, backupTarget }, recoverSchema, options),
    );
    if (result.ExitCode !== 0)
      throw wsbFailure(`${this.client.label} ${what}`, result.ExitCode, result.Output, 'invalid-state');
    return result.Files;
  }

  /** `hv-host:<computer>:<guid>` of the volume under each drive letter. */
  private async volumeIds(options: CallOptions): Promise<Map<string, string>> {
    const host = await this.mapped('host facts', () =>
      this.client.run('host-facts', {}, hostFactsSchema, options),
    );
    const hostId = hostInventoryId(host.ComputerName);
    return new Map(
      host.Volumes.filter((volume) => volume.Name && /^[A-Z]:/i.test(volume.Name)).map((volume) => [
        letterOf(volume.Name ?? ''),
        `${hostId}:${(/\{([0-9a-f-]+)\}/i.exec(volume.DeviceID)?.[1] ?? volume.DeviceID).toLowerCase()}`,
      ]),
    );
  }

  private async removeFolder(folder: string): Promise<void> {
    await this.client
      .run('remove-folder', { path: folder }, z.boolean(), {
        signal: new AbortController().signal,
        timeoutMs: 60_000,
      })
      .catch(() => {});
  }

  /** The VM's disks as the WSB version holds them, into the repository; null when `snapshotId` is no WSB backup. */
  async copyToRepository(
    request: CopyToRepositoryRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<CopyResult | null> {
    const versionId = await this.versionOf(request.snapshotId, options);
    if (!versionId) return null;
    const guid = vmGuidOf(request.vmId) as string;
    const vm = await this.mapped(`disks of ${request.vmId}`, () =>
      this.client.run('prepare-in-place', { vmId: guid }, inPlaceSchema, options),
    );
    const wanted = new Set(request.diskIds);
    const drives = vm.HardDrives.filter((drive) => wanted.has(diskInventoryId(guid, drive)));
    if (drives.length !== wanted.size) {
      throw new DriverError(
        'not-found',
        `${this.client.label}: ${vm.Name} no longer has every disk the backup names`,
        {
          isRetryable: false,
        },
      );
    }
    const volumes = await this.volumeIds(options);
    const scratch = `${letterOf(drives[0].Path)}\\Migawka-wsb\\${request.snapshotId}`;
    const folder = `${scratch}\\${guid}`;
    try {
      await this.mapped(`scratch folder ${folder}`, () =>
        this.client.run('prepare-folder', { path: folder, allowExisting: true }, folderSchema, options),
      );
      const files = await this.recover(
        `recovery of ${vm.Name}'s disks from version ${versionId}`,
        {
          versionId,
          itemType: 'File',
          items: drives.map((drive) => drive.Path),
          recoveryTarget: folder,
          stopVmIds: [],
        },
        options,
      );
      const sizeOf = new Map(files.map((file) => [baseName(file.Path).toLowerCase(), file.Length]));
      return await repository.store(
        {
          restorePointId: request.restorePointId,
          vmId: request.vmId,
          snapshotId: request.snapshotId,
          disks: drives.map((drive) => ({
            diskId: diskInventoryId(guid, drive),
            bytes: sizeOf.get(baseName(drive.Path).toLowerCase()) ?? 0,
            origin: {
              location: drive.Path,
              hostVolumeId: volumes.get(letterOf(drive.Path)) ?? null,
              arrayVolumeId: null,
            },
            read: (signal: AbortSignal) => this.client.readFile(`${folder}\\${baseName(drive.Path)}`, signal),
          })),
        },
        options,
      );
    } finally {
      await this.removeFolder(scratch);
    }
  }

  /** The one WSB version the points were copied from. */
  private async versionOfPoints(points: StoredPoint[], options: CallOptions): Promise<string> {
    const snapshotIds = [...new Set(points.map((point) => point.snapshotId))];
    const [snapshotId] = snapshotIds;
    if (snapshotIds.length !== 1 || !snapshotId) {
      throw new DriverError(
        'invalid-state',
        'a volume restore needs the points of one Windows Server Backup',
        {
          isRetryable: false,
        },
      );
    }
    const versionId = await this.versionOf(snapshotId, options);
    if (!versionId) {
      throw new DriverError(
        'not-found',
        `${this.client.label}: no Windows Server Backup version was taken as ${snapshotId}`,
        {
          isRetryable: false,
        },
      );
    }
    return versionId;
  }

  private async points(
    ids: string[],
    repository: BackupRepository,
    options: CallOptions,
  ): Promise<StoredPoint[]> {
    return Promise.all(
      ids.map(async (id) => {
        const point = await repository.read(id, options);
        if (!point)
          throw new DriverError('not-found', `restore point ${id} holds no data`, { isRetryable: false });
        return point;
      }),
    );
  }

  /** Hashes `pairs` (host path → expected sha256) on the host; any difference is `data-corrupt`. */
  private async verify(pairs: { path: string; sha256: string }[], options: CallOptions): Promise<void> {
    if (pairs.length === 0) return;
    const hashes = await this.mapped('hash of the restored files', () =>
      this.client.run('file-hashes', { paths: pairs.map((pair) => pair.path) }, fileHashesSchema, options),
    );
    for (const pair of pairs) {
      const hash = hashes.find((candidate) => candidate.Path.toLowerCase() === pair.path.toLowerCase())?.Hash;
      if (hash?.toLowerCase() !== pair.sha256) {
        throw new DriverError('data-corrupt', `${pair.path} on the host does not match the restore point`, {
          isRetryable: false,
        });
      }
    }
  }

  async revertVolume(
    request: RevertVolumeRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<RestoreResult> {
    if (request.volume.kind !== 'host-volume') throw new Error('Windows Server Backup reverts host volumes');
    const points = await this.points(request.restorePointIds, repository, options);
    const versionId = await this.versionOfPoints(points, options);
    await this.recover(
      `volume recovery from version ${versionId}`,
      {
        versionId,
        itemType: 'Volume',
        items: [volumePath(request.volume.id)],
        recoveryTarget: null,
        stopVmIds: request.vmIds.map((vmId) => vmGuidOf(vmId) ?? vmId),
      },
      options,
    );
    const volumeId = request.volume.id;
    const files = points
      .flatMap((point) => point.files)
      .filter((file) => file.origin.hostVolumeId === volumeId);
    await this.verify(
      files.map((file) => ({ path: file.origin.location, sha256: file.sha256 })),
      options,
    );
    return { bytes: files.reduce((sum, file) => sum + file.bytes, 0), verified: true };
  }

  async stageVolume(
    request: StageVolumeRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<RestoreResult> {
    const points = await this.points(request.restorePointIds, repository, options);
    const versionId = await this.versionOfPoints(points, options);
    let bytes = 0;
    for (const point of points) {
      const files = point.files.filter((file) => file.origin.hostVolumeId === request.volume.id);
      if (files.length === 0) continue;
      const folder = stagingFolder(
        letterOf(files[0].origin.location),
        request.stagingId,
        point.restorePointId,
      );
      await this.mapped(`staging folder ${folder}`, () =>
        this.client.run('prepare-folder', { path: folder, allowExisting: true }, folderSchema, options),
      );
      await this.recover(
        `staged recovery from version ${versionId}`,
        {
          versionId,
          itemType: 'File',
          items: files.map((file) => file.origin.location),
          recoveryTarget: folder,
          stopVmIds: [],
        },
        options,
      );
      await this.verify(
        files.map((file) => ({ path: `${folder}\\${baseName(file.origin.location)}`, sha256: file.sha256 })),
        options,
      );
      bytes += files.reduce((sum, file) => sum + file.bytes, 0);
    }
    return { bytes, verified: true };
  }

  async discardStaging(stagingId: string, options: CallOptions): Promise<void> {
    for (const letter of (await this.volumeIds(options)).keys()) {
      await this.mapped(`staging area ${stagingId}`, () =>
        this.client.run(
          'remove-folder',
          { path: `${letter}\\Migawka-staging\\${stagingId}` },
          z.boolean(),
          options,
        ),
      );
    }
  }

  async copyOutVm(
    request: CopyOutVmRequest,
    repository: BackupRepository,
    options: TransferOptions,
  ): Promise<RestoreResult> {
    const [point] = await this.points([request.restorePointId], repository, options);
    const [first] = point.files;
    if (!first)
      throw new DriverError('not-found', `restore point ${point.restorePointId} holds no disks`, {
        isRetryable: false,
      });
    const staged = stagingFolder(letterOf(first.origin.location), request.stagingId, point.restorePointId);
    const guid = vmGuidOf(request.vmId) as string;
    const targets = new Map<string, string>();
    let folder: string | null = null;
    if (request.target === 'in-place') {
      const live = await this.mapped(`in-place copy-out of ${request.vmId}`, () =>
        this.client.run('prepare-in-place', { vmId: guid }, inPlaceSchema, options),
      );
      const power = powerStateOf(live);
      if (power !== 'off') {
        throw new DriverError(
          'invalid-state',
          `${live.Name} is ${power ?? `in Hyper-V state ${vmStateLabel(live)}`}: an in-place restore needs it off`,
          {
            isRetryable: false,
          },
        );
      }
      for (const file of point.files) targets.set(file.diskId, file.origin.location);
    } else {
      if (!request.newVmName)
        throw new DriverError('invalid-state', 'a restore as new needs a new VM name', {
          isRetryable: false,
        });
      const original = first.origin.location.slice(0, first.origin.location.lastIndexOf('\\'));
      folder = `${original.slice(0, original.lastIndexOf('\\'))}\\${request.newVmName}`;
      const created = folder;
      await this.mapped(`restore folder ${created}`, () =>
        this.client.run('prepare-folder', { path: created, allowExisting: false }, folderSchema, options),
      );
      for (const file of point.files)
        targets.set(file.diskId, `${created}\\${baseName(file.origin.location)}`);
    }
    // Copied on the host: the staged bytes never travel through Migawka and back.
    const pairs = point.files.map((file) => ({
      from: `${staged}\\${baseName(file.origin.location)}`,
      to: targets.get(file.diskId) as string,
    }));
    await this.mapped(`copy-out of ${request.vmId}`, () =>
      this.client.run('copy-files', { pairs }, z.boolean(), options),
    );
    await this.verify(
      point.files.map((file) => ({ path: targets.get(file.diskId) as string, sha256: file.sha256 })),
      options,
    );
    const bytes = point.files.reduce((sum, file) => sum + file.bytes, 0);
    if (!folder || !request.newVmName) return { bytes, verified: true };
    const { powerState, ...createdVm } = await createVmFromDisks(
      this.client,
      { name: request.newVmName, generation: 2, folder, targets },
      options,
    );
    return { bytes, verified: true, createdVm, ...(powerState ? { powerState } : {}) };
  }
}
