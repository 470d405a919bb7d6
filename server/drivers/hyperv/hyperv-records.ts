/**
 * What each script answers, as Windows PowerShell 5.1 prints it (CONNECTORS.md §2.2), checked
 * with zod: a list may come as null (nothing), one object (one item) or an array; dates come as
 * `/Date(ms)/`; enums as numbers. The schemas accept exactly that and hand the code arrays,
 * Dates and numbers; extra properties (remoting's PSComputerName…) are ignored.
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

/**
 * Hyper-V's VMState values as power states. The *Critical values are the same states with the
 * VM's storage unreachable: a RunningCritical VM still runs. A value not listed (Other, Hibernated,
 * ComponentServicing, a newer release's) is unknown: never read as off (unknownStateWords).
 */
export const VM_STATES: Record<number, 'running' | 'off' | 'saved' | 'paused'> = {
  2: 'running',
  3: 'off',
  4: 'running', // Stopping
  6: 'saved',
  9: 'paused',
  10: 'running', // Starting
  11: 'running', // Reset
  32773: 'saved', // Saving
  32776: 'paused', // Pausing
  32777: 'running', // Resuming
  32779: 'saved', // FastSaved
  32780: 'saved', // FastSaving
  32781: 'running', // ForceShutdown
  32782: 'running', // ForceReboot
  32785: 'running', // RunningCritical
  32786: 'off', // OffCritical
  32787: 'running', // StoppingCritical
  32788: 'saved', // SavedCritical
  32789: 'paused', // PausedCritical
  32790: 'running', // StartingCritical
  32791: 'running', // ResetCritical
  32792: 'saved', // SavingCritical
  32793: 'paused', // PausingCritical
  32794: 'running', // ResumingCritical
  32795: 'saved', // FastSavedCritical
  32796: 'saved', // FastSavingCritical
};

/**
 * The names of Hyper-V's VMState values (Microsoft.HyperV.PowerShell.VMState, the `State` that
 * Get-VM prints as a number in PS 5.1), for words only: a state is read through VM_STATES, never
 * by its name. Releases differ past ForceReboot (Windows Server 2016's module is said to lack
 * Hibernated and ComponentServicing, which would move the *Critical values), so a name is always
 * said beside the number Hyper-V gave.
 */
export const VM_STATE_NAMES: Record<number, string> = {
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
  32783: 'Hibernated',
  32784: 'ComponentServicing',
  32785: 'RunningCritical',
  32786: 'OffCritical',
  32787: 'StoppingCritical',
  32788: 'SavedCritical',
  32789: 'PausedCritical',
  32790: 'StartingCritical',
  32791: 'ResetCritical',
  32792: 'SavingCritical',
  32793: 'PausingCritical',
  32794: 'ResumingCritical',
  32795: 'FastSavedCritical',
  32796: 'FastSavingCritical',
};

/** A VMState value as an operator reads it: "Hibernated (32783)", or the bare number it has no name for. */
export function vmStateLabel(state: number): string {
  const name = VM_STATE_NAMES[state];
  return name ? `${name} (${state})` : String(state);
}

/** Why a VM's power state is not known: its VMState value is not one VM_STATES lists. */
export function unknownStateWords(vmName: string, state: number): string {
  return `${vmName} is in Hyper-V state ${vmStateLabel(state)}, which Migawka does not know`;
}

/**
 * What a sync records as `Vm.powerStateUnknown` for a VMState value VM_STATES does not list (null
 * for one it does): what Hyper-V reported, since the power state itself was not read.
 */
export function powerStateUnknownOf(state: number): string | null {
  if (VM_STATES[state]) return null;
  return `Hyper-V reports state ${vmStateLabel(state)}, which Migawka does not know`;
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

const slot = {
  ControllerType: z.number().int(),
  ControllerNumber: z.number().int(),
  ControllerLocation: z.number().int(),
};

export const vmRecordSchema = z.object({
  Id: z.string(),
  Name: z.string(),
  State: z.number().int(),
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
  State: z.number().int(),
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
  State: z.number().int(),
  HardDrives: listOf(z.object({ ...slot, Path: z.string() })),
});
export const inPlaceSchema = z.object({
  Name: z.string(),
  State: z.number().int(),
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
