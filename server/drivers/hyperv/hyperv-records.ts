/**
 * What each script answers, as Windows PowerShell 5.1 prints it (CONNECTORS.md §2.2), checked
 * with zod: a list may come as null (nothing), one object (one item) or an array; dates come as
 * `/Date(ms)/`; enums as numbers. The schemas accept exactly that and hand the code arrays,
 * Dates and numbers; extra properties (remoting's PSComputerName…) are ignored. A VM's state comes
 * with its name too (VMState's numbers differ between releases: see LAST_STABLE_VM_STATE).
 */
import { z } from 'zod';

/** A PS 5.1 pipeline value as a list: null → [], one object → [object]. */
export function listOf<S extends z.ZodType>(item: S) {
  return z.preprocess(
    (value) => (value === null || value === undefined ? [] : Array.isArray(value) ? value : [value]),
    z.array(item),
  );
}

/** `"\/Date(1732413605000)\/"` (JSON.parse leaves `/Date(…)/`); ISO strings are accepted too (PS 7). */
export const psDate = z.union([z.string(), z.date()]).transform((value, ctx) => {
  if (value instanceof Date) return value;
  const match = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(value);
  const date = match ? new Date(Number(match[1])) : new Date(value);
  if (Number.isNaN(date.getTime())) {
    ctx.addIssue({ code: 'custom', message: `not a date: ${value}` });
    return z.NEVER;
  }
  return date;
});

/** uint64 sizes arrive as JSON numbers (exact up to 2^53, 8 PiB). */
const bytes = z.number().nonnegative();

type VmPower = 'running' | 'off' | 'saved' | 'paused';

/**
 * Hyper-V's VMState (Get-VM's `State`) is printed by Windows PowerShell 5.1 as a number, and the
 * numbers from 32783 up differ between Windows releases: Windows Server 2019 and later have
 * Hibernated=32783 and ComponentServicing=32784, so RunningCritical=32785 … FastSavingCritical=32796;
 * Windows Server 2016's enum has neither, so RunningCritical=32783 … FastSavingCritical=32794 (its
 * SavedCritical, 32786, is 2019's OffCritical). The scripts therefore send the name beside the number
 * (`StateName = $vm.State.ToString()`, CONNECTORS.md §2.2), and a state is read by its name.
 *
 * Below 32783 the numbers are the same in every release: an answer without a name (a collector
 * document or a script output older than StateName) is read by its number there, and from 32783 up
 * it is not read at all — never guessed from one release's numbering.
 */
export const LAST_STABLE_VM_STATE = 32782;

/**
 * Hyper-V's VMState names as power states. The *Critical names are the same states with the VM's
 * storage unreachable: a RunningCritical VM still runs. A name not listed (Other, Hibernated,
 * ComponentServicing, a newer release's) is unknown: never read as off (unknownStateWords).
 */
export const VM_STATES_BY_NAME: Record<string, VmPower> = {
  Running: 'running',
  Off: 'off',
  Stopping: 'running',
  Saved: 'saved',
  Paused: 'paused',
  Starting: 'running',
  Reset: 'running',
  Saving: 'saved',
  Pausing: 'paused',
  Resuming: 'running',
  FastSaved: 'saved',
  FastSaving: 'saved',
  ForceShutdown: 'running',
  ForceReboot: 'running',
  RunningCritical: 'running',
  OffCritical: 'off',
  StoppingCritical: 'running',
  SavedCritical: 'saved',
  PausedCritical: 'paused',
  StartingCritical: 'running',
  ResetCritical: 'running',
  SavingCritical: 'saved',
  PausingCritical: 'paused',
  ResumingCritical: 'running',
  FastSavedCritical: 'saved',
  FastSavingCritical: 'saved',
};

/**
 * The VMState values every release numbers alike (up to LAST_STABLE_VM_STATE), by number: how an
 * answer without StateName is named. Values from 32783 up are deliberately absent.
 */
export const STABLE_VM_STATE_NAMES: Record<number, string> = {
  1: 'Other',
  2: 'Running',
  3: 'Off',
  4: 'Stopping',
  6: 'Saved',
  9: 'Paused',
  10: 'Starting',
  11: 'Reset',
  32773: 'Saving',
  32776: 'Pausing',
  32777: 'Resuming',
  32779: 'FastSaved',
  32780: 'FastSaving',
  32781: 'ForceShutdown',
  32782: 'ForceReboot',
};

/** What a script says of a VM's state: the VMState number and, from the scripts that send it, its name. */
export interface VmStateReport {
  State: number;
  /** `$vm.State.ToString()`; absent from older scripts' answers and collector documents. */
  StateName?: string | null;
}

/**
 * The name of the state Hyper-V reported: the name it sent (an enum's ToString gives the
 * identifier, never localized; for a value the enum does not define it gives the digits, which
 * name nothing), else the name every release gives the number, else null.
 */
export function vmStateNameOf(report: VmStateReport): string | null {
  const sent = report.StateName?.trim();
  if (sent && !/^-?\d+$/.test(sent)) return sent;
  return report.State <= LAST_STABLE_VM_STATE ? (STABLE_VM_STATE_NAMES[report.State] ?? null) : null;
}

/** The power state a report is read as, by name; undefined when it is not read (unknownStateWords). */
export function powerStateOf(report: VmStateReport): VmPower | undefined {
  const name = vmStateNameOf(report);
  return name && Object.hasOwn(VM_STATES_BY_NAME, name) ? VM_STATES_BY_NAME[name] : undefined;
}

/** A VMState as an operator reads it: "Hibernated (32783)" by the name Hyper-V gave, or the bare number. */
export function vmStateLabel(report: VmStateReport): string {
  const name = vmStateNameOf(report);
  return name ? `${name} (${report.State})` : String(report.State);
}

/** Why a VM's power state is not known: its state is not one VM_STATES_BY_NAME lists. */
export function unknownStateWords(vmName: string, report: VmStateReport): string {
  return `${vmName} is in Hyper-V state ${vmStateLabel(report)}, which Migawka does not know`;
}

/**
 * What a sync records as `Vm.powerStateUnknown` for a state it does not read (null for one it
 * does): what Hyper-V reported, since the power state itself was not read.
 */
export function powerStateUnknownOf(report: VmStateReport): string | null {
  if (powerStateOf(report)) return null;
  return `Hyper-V reports state ${vmStateLabel(report)}, which Migawka does not know`;
}

export const CHECKPOINT_TYPES: Record<number, string> = {
  2: 'Disabled',
  3: 'Production',
  4: 'ProductionOnly',
  5: 'Standard',
};
export const VHD_TYPES: Record<number, string> = { 2: 'Fixed', 3: 'Dynamic', 4: 'Differencing' };
export const VHD_FORMATS: Record<number, string> = { 2: 'VHD', 3: 'VHDX', 4: 'VHDSet' };

const shadowStorageSchema = z.object({
  Volume: z.string(),
  DiffVolume: z.string(),
  UsedSpace: bytes,
  AllocatedSpace: bytes,
  MaxSpace: bytes,
});
export type ShadowStorageRecord = z.infer<typeof shadowStorageSchema>;

export const hostFactsSchema = z.object({
  ComputerName: z.string(),
  OsVersion: z.string(),
  PSVersion: z.string(),
  IsElevated: z.boolean(),
  HasHyperVModule: z.boolean(),
  VMHost: z.object({ ComputerName: z.string() }).nullable(),
  Volumes: listOf(
    z.object({
      DeviceID: z.string(),
      Name: z.string().nullable(),
      Label: z.string().nullable(),
      FileSystem: z.string().nullable(),
      Capacity: bytes.nullable(),
      FreeSpace: bytes.nullable(),
      /** The UniqueId of the disk under the volume (absent from collectors older than this field). */
      DiskUniqueId: z.string().nullable().optional(),
    }),
  ),
  ShadowStorage: listOf(shadowStorageSchema),
  ClusterSharedVolumes: listOf(z.object({ Name: z.string(), Path: z.string() })),
  VssWriters: z.string().nullable(),
  WindowsServerBackupInstalled: z.boolean().nullable(),
});
export type HostFactsRecord = z.infer<typeof hostFactsSchema>;

/** A VM's state: the VMState number, and its name (optional: older answers lack it). */
const vmState = { State: z.number().int(), StateName: z.string().nullable().optional() };

const slot = {
  ControllerType: z.number().int(),
  ControllerNumber: z.number().int(),
  ControllerLocation: z.number().int(),
};

export const vmRecordSchema = z.object({
  Id: z.string(),
  Name: z.string(),
  ...vmState,
  Generation: z.number().int(),
  Version: z.string(),
  CheckpointType: z.number().int(),
  Path: z.string(),
  SnapshotFileLocation: z.string().nullable(),
  IsClustered: z.boolean(),
  HardDrives: listOf(
    z.object({
      ...slot,
      Path: z.string().nullable(),
      DiskNumber: z.number().int().nullable(),
      Vhd: z
        .object({
          VhdFormat: z.number().int(),
          VhdType: z.number().int(),
          ParentPath: z.string().nullable(),
          Size: bytes,
          FileSize: bytes,
        })
        .nullable(),
    }),
  ),
  IntegrationServices: listOf(
    z.object({
      Id: z.string(),
      Name: z.string(),
      Enabled: z.boolean(),
      /** CIM operational status: 2 = OK, 12 = No Contact, 13 = Lost Communication (language-neutral). */
      PrimaryOperationalStatus: z.number().int().nullable(),
      PrimaryStatusDescription: z.string().nullable(),
      SecondaryStatusDescription: z.string().nullable(),
    }),
  ),
  Checkpoints: listOf(
    z.object({ Id: z.string(), Name: z.string(), SnapshotType: z.number().int(), CreationTime: psDate }),
  ),
});
export type VmRecord = z.infer<typeof vmRecordSchema>;
export const vmListSchema = listOf(vmRecordSchema);

export const guestFactsSchema = z.object({
  Volumes: listOf(
    z.object({
      DeviceID: z.string(),
      DriveLetter: z.string(),
      FileSystem: z.string().nullable(),
      Capacity: bytes.nullable(),
      FreeSpace: bytes.nullable(),
      DiskNumber: z.number().int().nullable(),
      IsDynamic: z.boolean().nullable(),
    }),
  ),
  ShadowStorage: listOf(shadowStorageSchema),
  /** ServiceControllerStatus: 4 = Running; deserialized through remoting it may be the name. */
  Services: listOf(z.object({ Name: z.string(), Status: z.union([z.number(), z.string()]) })),
  VssWriters: z.string().nullable(),
});
export type GuestFactsRecord = z.infer<typeof guestFactsSchema>;

export const vmStateSchema = z.object({
  Id: z.string(),
  Name: z.string(),
  ...vmState,
  Generation: z.number().int(),
  DiskPaths: listOf(z.string()),
  CheckpointCount: z.number().int(),
});

export const checkpointSchema = z.object({
  Id: z.string(),
  Name: z.string(),
  SnapshotType: z.number().int(),
  CreationTime: psDate,
  HardDrives: listOf(z.object({ ...slot, Path: z.string(), FileSize: bytes.optional() })),
});
export type CheckpointRecord = z.infer<typeof checkpointSchema>;

export const removeCheckpointSchema = z.object({ Removed: z.boolean(), IsMerging: z.boolean() });
export const guestScriptSchema = z.object({
  TimedOut: z.boolean(),
  ExitCode: z.number().int().nullable(),
  Output: z.string().nullable(),
});
export const fileHashesSchema = listOf(z.object({ Path: z.string(), Hash: z.string() }));
export const folderSchema = z.object({ Path: z.string(), FreeSpace: bytes });
export const newVmSchema = z.object({
  Id: z.string(),
  Name: z.string(),
  ...vmState,
  HardDrives: listOf(z.object({ ...slot, Path: z.string() })),
});
/** restore-checkpoint.ps1: the reverted VM's state. */
export const revertedStateSchema = z.object(vmState);
export const inPlaceSchema = z.object({
  Name: z.string(),
  ...vmState,
  CheckpointCount: z.number().int(),
  HardDrives: listOf(z.object({ ...slot, Path: z.string() })),
});

/** `vssadmin list writers` blocks: name, id, the state number in brackets, last error. */
export interface VssWriter {
  name: string;
  id: string | null;
  state: number | null;
  lastError: string | null;
}

export function parseVssWriters(text: string | null): VssWriter[] {
  if (!text) return [];
  return text
    .split(/(?=Writer name:)/)
    .filter((block) => block.includes('Writer name:'))
    .map((block) => ({
      name: /Writer name:\s*'([^']*)'/.exec(block)?.[1] ?? '',
      id: /Writer Id:\s*\{([^}]*)\}/.exec(block)?.[1] ?? null,
      state: Number(/State:\s*\[(\d+)\]/.exec(block)?.[1] ?? Number.NaN) || null,
      lastError: /Last error:\s*(.*)/.exec(block)?.[1]?.trim() ?? null,
    }));
}
