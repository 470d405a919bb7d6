/**
 * Microsoft.HyperV.PowerShell.VMState as each Windows release's Hyper-V module defines it, so the
 * fake host names a VM's state as `$vm.State.ToString()` would on that release. The numbers from
 * 32783 up differ: Windows Server 2019 and later add Hibernated and ComponentServicing before the
 * *Critical values, Windows Server 2016 does not (the eryph project's enum notes: "the numerical
 * values might be different depending on the Windows version; hence the enum must be mapped by
 * name"). A fake host's release is its OsVersion build: before 17763 (Windows Server 2019) it
 * answers with the 2016 enum.
 */

const COMMON: Record<string, number> = {
  Other: 1,
  Running: 2,
  Off: 3,
  Stopping: 4,
  Saved: 6,
  Paused: 9,
  Starting: 10,
  Reset: 11,
  Saving: 32773,
  Pausing: 32776,
  Resuming: 32777,
  FastSaved: 32779,
  FastSaving: 32780,
  ForceShutdown: 32781,
  ForceReboot: 32782,
};

const CRITICAL = [
  'RunningCritical',
  'OffCritical',
  'StoppingCritical',
  'SavedCritical',
  'PausedCritical',
  'StartingCritical',
  'ResetCritical',
  'SavingCritical',
  'PausingCritical',
  'ResumingCritical',
  'FastSavedCritical',
  'FastSavingCritical',
];

const numbered = (names: string[], first: number) =>
  Object.fromEntries(names.map((name, index) => [name, first + index]));

/** Windows Server 2016 (build 14393): no Hibernated, no ComponentServicing. */
export const VM_STATE_ENUM_2016: Record<string, number> = { ...COMMON, ...numbered(CRITICAL, 32783) };

/** Windows Server 2019 (build 17763) and later. */
export const VM_STATE_ENUM_2019: Record<string, number> = {
  ...COMMON,
  ...numbered(['Hibernated', 'ComponentServicing', ...CRITICAL], 32783),
};

/** OsVersion of a Windows Server 2016 host, for tests that seed one. */
export const WINDOWS_SERVER_2016 = '10.0.14393';

/** The VMState enum of the release an OsVersion (`10.0.<build>`) names. */
export function vmStateEnumOf(osVersion: string): Record<string, number> {
  const build = Number(osVersion.split('.')[2]);
  return build < 17763 ? VM_STATE_ENUM_2016 : VM_STATE_ENUM_2019;
}

/** The number a state has on a host of that release (a test seeds a VM with it). */
export function vmStateValue(osVersion: string, name: string): number {
  const value = vmStateEnumOf(osVersion)[name];
  if (value === undefined) throw new Error(`VMState of ${osVersion} has no ${name}`);
  return value;
}

/**
 * `$vm.State.ToString()` on a host of that release: the enum's name for the value, or, for a value
 * the enum does not define, its digits (as .NET's Enum.ToString gives them).
 */
export function vmStateName(osVersion: string, state: number): string {
  const entry = Object.entries(vmStateEnumOf(osVersion)).find(([, value]) => value === state);
  return entry ? entry[0] : String(state);
}
