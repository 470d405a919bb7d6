/**
 * Windows Server Backup on the fake host: `wbadmin start backup` copies whole volumes (real bytes)
 * into a version on the backup target, `wbadmin get versions` lists them, `wbadmin start recovery`
 * puts a volume or files back. What it prints follows wbadmin's English output as seen on real
 * hosts (version blocks, backup and recovery summaries); the version identifier is the host
 * clock's UTC minute, as wbadmin's is. The clock is the test's (`wsb.now`), never the wall clock.
 */
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { versionIdOf } from '../hyperv-wsb-text';
import type { FakeHypervModel, FakeVolume } from './fake-hyperv-model';
import { FakePsError, VM_STATE } from './fake-hyperv-model';
import { pipelineValue } from './ps-json';

export interface FakeWsbVersion {
  versionId: string;
  snapshotId: string;
  /** `E:` as given to -backupTarget. */
  target: string;
  /** Drive letters (`D:`) the version holds. */
  volumes: string[];
  /** Where the version's copy of each volume lives on this machine (`<dir>/D/…`). */
  folder: string;
  backedUpAt: Date;
}

export interface FakeWsbState {
  /** The host clock a backup is stamped with; tests move it. */
  now: Date;
  versions: FakeWsbVersion[];
  /** The next `wbadmin` run fails with this exit code and output (then the switch clears). */
  nextFailure: { exitCode: number; output: string } | null;
}

export const emptyWsb = (): FakeWsbState => ({
  now: new Date(Date.UTC(2026, 10, 24, 2, 0)),
  versions: [],
  nextFailure: null,
});

const HEADER =
  'wbadmin 1.0 - Backup command-line tool\r\n(C) Copyright Microsoft Corporation. All rights reserved.\r\n\r\n';
const lines = (...text: string[]) => `${HEADER}${text.join('\r\n')}\r\n`;

/** "11/24/2026 2:00 AM", the way wbadmin prints a backup time (host at UTC, en-US). */
function shownTime(time: Date): string {
  const hours = time.getUTCHours();
  const minutes = String(time.getUTCMinutes()).padStart(2, '0');
  const twelve = hours % 12 === 0 ? 12 : hours % 12;
  return `${time.getUTCMonth() + 1}/${time.getUTCDate()}/${time.getUTCFullYear()} ${twelve}:${minutes} ${hours < 12 ? 'AM' : 'PM'}`;
}

function logStamp(time: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(time.getUTCDate())}-${two(time.getUTCMonth() + 1)}-${time.getUTCFullYear()}_${two(time.getUTCHours())}-${two(time.getUTCMinutes())}-00`;
}

/** `D:` for `D:`, `D:\` or the volume's `\\?\Volume{…}\` path. */
function letterOf(model: FakeHypervModel, item: string): string | null {
  const volume: FakeVolume | undefined = model.state.volumes.find(
    (candidate) =>
      candidate.deviceId.toLowerCase() === item.toLowerCase() ||
      candidate.name.toLowerCase().startsWith(item.replace(/\\$/, '').toLowerCase()),
  );
  return volume ? volume.name.slice(0, 2).toUpperCase() : null;
}

const list = (value: unknown): string[] =>
  (Array.isArray(value) ? value : [value]).map(String).filter(Boolean);

function failure(model: FakeHypervModel) {
  const wsb = model.state.wsb;
  const failed = wsb.nextFailure;
  wsb.nextFailure = null;
  return failed ? { ExitCode: failed.exitCode, Output: `${HEADER}${failed.output}` } : null;
}

function backUp(model: FakeHypervModel, target: string, items: string[]) {
  const wsb = model.state.wsb;
  const letters = items.map((item) => letterOf(model, item));
  const missing = items.filter((_, index) => letters[index] === null);
  if (missing.length > 0 || !letterOf(model, target)) {
    return {
      ExitCode: 1,
      Output: lines(`ERROR - The system cannot find the volume specified: ${missing[0] ?? target}.`),
    };
  }
  const stamp = wsb.now;
  const version: FakeWsbVersion = {
    versionId: versionIdOf(stamp),
    snapshotId: randomUUID(),
    target,
    volumes: letters as string[],
    folder: model.localPath(
      `${target}\\WindowsImageBackup\\${model.state.computerName}\\Backup ${stamp.toISOString().replace(/[:.]/g, '-')}`,
    ),
    backedUpAt: stamp,
  };
  for (const letter of version.volumes) {
    const source = model.localPath(`${letter}\\`);
    const copy = path.join(version.folder, letter[0]);
    mkdirSync(copy, { recursive: true });
    if (existsSync(source)) cpSync(source, copy, { recursive: true });
  }
  wsb.versions.push(version);
  model.state.log.push(`wbadmin start backup ${version.volumes.join(',')} -> ${target}`);
  const named = version.volumes.map((letter) => `(${letter})`);
  return {
    ExitCode: 0,
    Output: lines(
      'Retrieving volume information...',
      `This will back up ${named.join(',')} to ${target}.`,
      `The backup operation to ${target} is starting.`,
      'Creating a shadow copy of the volumes specified for backup...',
      ...named.flatMap((name) => [
        `Creating a backup of volume ${name}, copied (100%).`,
        `The backup of volume ${name} completed successfully.`,
      ]),
      'Summary of the backup operation:',
      '------------------',
      '',
      'The backup operation successfully completed.',
      ...named.map((name) => `The backup of volume ${name} completed successfully.`),
      'Log of files successfully backed up:',
      `C:\\Windows\\Logs\\WindowsServerBackup\\Backup-${logStamp(stamp)}.log`,
    ),
  };
}

function versionsText(model: FakeHypervModel, target: string): string {
  const blocks = model.state.wsb.versions
    .filter((version) => version.target.toLowerCase() === target.toLowerCase())
    .map((version) =>
      [
        `Backup time: ${shownTime(version.backedUpAt)}`,
        `Backup target: Fixed Disk labeled Backup(${version.target})`,
        `Version identifier: ${version.versionId}`,
        'Can recover: Volume(s), File(s), Application(s), Bare Metal Recovery, System State',
        `Snapshot ID: {${version.snapshotId}}`,
      ].join('\r\n'),
    );
  return blocks.length > 0 ? `${HEADER}${blocks.join('\r\n\r\n')}\r\n` : lines('No backups were found.');
}

const markerPath = (snapshotId: unknown) => `C:\\ProgramData\\Migawka\\wsb\\${String(snapshotId)}.txt`;

function recoverFiles(model: FakeHypervModel, version: FakeWsbVersion, items: string[], target: string) {
  const recovered: { Path: string; Length: number }[] = [];
  for (const item of items) {
    const copy = path.join(version.folder, item[0].toUpperCase(), ...item.slice(3).split('\\'));
    if (!existsSync(copy)) {
      return { ExitCode: 1, Output: lines(`ERROR - The file ${item} was not found in the backup.`) };
    }
    const destination = model.localPath(`${target}\\${item.slice(item.lastIndexOf('\\') + 1)}`);
    mkdirSync(path.dirname(destination), { recursive: true });
    cpSync(copy, destination);
    const name = `${target}\\${item.slice(item.lastIndexOf('\\') + 1)}`;
    recovered.push({ Path: name, Length: model.fileSize(name) });
  }
  return {
    Files: pipelineValue(recovered),
    ExitCode: 0,
    Output: lines(
      'Retrieving volume information...',
      `You have chosen to recover the file(s) ${items.join(', ')} from the`,
      `backup created on ${shownTime(version.backedUpAt)} to ${target}.`,
      'Preparing to recover files...',
      ...items.map((item) => `Successfully recovered ${item} to ${target}.`),
      'The recovery operation completed.',
      'Summary of the recovery operation:',
      '--------------------',
      '',
      `Recovery of ${items.join(', ')} to ${target} successfully completed.`,
      `Total files recovered: ${items.length}`,
      'Total files failed: 0',
    ),
  };
}

function recoverVolumes(model: FakeHypervModel, version: FakeWsbVersion, items: string[]) {
  const letters = items.map((item) => letterOf(model, item));
  for (const letter of letters) {
    if (!letter || !version.volumes.includes(letter)) {
      return { ExitCode: 1, Output: lines(`ERROR - The backup does not hold volume ${letter ?? items[0]}.`) };
    }
    // A running VM keeps its VHDX open: the volume cannot be locked for the recovery.
    const busy = model.state.vms.find(
      (vm) => vm.state !== VM_STATE.Off && vm.path.toUpperCase().startsWith(letter),
    );
    if (busy) {
      return {
        ExitCode: 1,
        Output: lines(`ERROR - The volume ${letter} is in use by ${busy.name} and cannot be locked.`),
      };
    }
  }
  for (const letter of letters as string[]) {
    const live = model.localPath(`${letter}\\`);
    rmSync(live, { recursive: true, force: true });
    mkdirSync(live, { recursive: true });
    cpSync(path.join(version.folder, letter[0]), live, { recursive: true });
    model.state.log.push(`wbadmin start recovery volume ${letter} from ${version.versionId}`);
  }
  return {
    ExitCode: 0,
    Output: lines(
      'Retrieving volume information...',
      ...letters.map((letter) => `Running a recovery operation for volume (${letter}), copied (100%).`),
      'The recovery operation completed.',
      'Summary of the recovery operation:',
      '--------------------',
      '',
      ...letters.map((letter) => `Recovery of volume (${letter}) successfully completed.`),
    ),
  };
}

type Params = Record<string, unknown>;

export const WSB_FAKE_SCRIPTS = {
  'wsb-backup': (model: FakeHypervModel, params: Params) => {
    const installed = model.state.isWsbInstalled;
    const marker = markerPath(params.snapshotId);
    if (model.exists(marker)) {
      const found = model.readFile(marker).toString('utf8').trim();
      return { IsInstalled: installed, ExitCode: 0, Output: null, VersionId: found };
    }
    if (params.findOnly || !installed)
      return { IsInstalled: installed, ExitCode: null, Output: null, VersionId: null };
    const result = failure(model) ?? backUp(model, String(params.backupTarget), list(params.volumes));
    if (result.ExitCode !== 0) return { IsInstalled: true, ...result, VersionId: null };
    const newest = model.state.wsb.versions.at(-1) as FakeWsbVersion;
    model.writeFile(marker, Buffer.from(`${newest.versionId}\r\n`, 'utf8'));
    return { IsInstalled: true, ...result, VersionId: newest.versionId };
  },
  'copy-files': (model: FakeHypervModel, params: Params) => {
    const pairs = (Array.isArray(params.pairs) ? params.pairs : [params.pairs]) as {
      from: string;
      to: string;
    }[];
    for (const pair of pairs) {
      if (!model.exists(pair.from)) {
        throw new FakePsError(
          'ItemNotFoundException',
          `Cannot find path '${pair.from}' because it does not exist.`,
          'PathNotFound,Microsoft.PowerShell.Commands.CopyItemCommand',
          'ObjectNotFound',
        );
      }
      model.writeFile(pair.to, model.readFile(pair.from));
    }
    return true;
  },
  'wsb-versions': (model: FakeHypervModel, params: Params) => {
    if (!model.state.isWsbInstalled) return { IsInstalled: false, ExitCode: null, Output: null };
    return { IsInstalled: true, ExitCode: 0, Output: versionsText(model, String(params.backupTarget)) };
  },
  'wsb-recover': (model: FakeHypervModel, params: Params) => {
    for (const vmId of list(params.stopVmIds ?? [])) model.vmById(vmId).state = VM_STATE.Off;
    const failed = failure(model);
    if (failed) return failed;
    const version = model.state.wsb.versions.find(
      (candidate) =>
        candidate.versionId === params.versionId &&
        candidate.target.toLowerCase() === String(params.backupTarget).toLowerCase(),
    );
    if (!version) {
      return {
        ExitCode: 1,
        Output: lines(`ERROR - The backup version ${String(params.versionId)} was not found.`),
      };
    }
    const items = list(params.items);
    if (params.itemType === 'Volume') return recoverVolumes(model, version, items);
    if (params.itemType === 'File') return recoverFiles(model, version, items, String(params.recoveryTarget));
    throw new FakePsError(
      'ArgumentException',
      `unknown item type ${String(params.itemType)}`,
      'ArgumentException',
      'InvalidArgument',
    );
  },
};
