/**
 * Hyper-V's VMState values as power states: one row per value the VMState enum names, and values
 * it does not. A state not listed is never read: the sync plans the VM as running for safety and
 * records what Hyper-V reported (`powerStateUnknown`), by name and number where the name is known.
 */
import { describe, expect, it } from 'vitest';
import type { PowerState } from '../../engine/inventory';
import {
  powerStateUnknownOf,
  unknownStateWords,
  VM_STATE_NAMES,
  VM_STATES,
  vmStateLabel,
} from './hyperv-records';

interface Row {
  state: number;
  /** Its name in Hyper-V's VMState enum; null for a value the enum does not name. */
  name: string | null;
  /** The power state it is read as; null when it is not read. */
  power: PowerState | null;
}

const ROWS: Row[] = [
  { state: 1, name: 'Other', power: null },
  { state: 2, name: 'Running', power: 'running' },
  { state: 3, name: 'Off', power: 'off' },
  { state: 4, name: 'Stopping', power: 'running' },
  { state: 6, name: 'Saved', power: 'saved' },
  { state: 9, name: 'Paused', power: 'paused' },
  { state: 10, name: 'Starting', power: 'running' },
  { state: 11, name: 'Reset', power: 'running' },
  { state: 32773, name: 'Saving', power: 'saved' },
  { state: 32776, name: 'Pausing', power: 'paused' },
  { state: 32777, name: 'Resuming', power: 'running' },
  { state: 32779, name: 'FastSaved', power: 'saved' },
  { state: 32780, name: 'FastSaving', power: 'saved' },
  { state: 32781, name: 'ForceShutdown', power: 'running' },
  { state: 32782, name: 'ForceReboot', power: 'running' },
  { state: 32783, name: 'Hibernated', power: null },
  { state: 32784, name: 'ComponentServicing', power: null },
  { state: 32785, name: 'RunningCritical', power: 'running' },
  { state: 32786, name: 'OffCritical', power: 'off' },
  { state: 32787, name: 'StoppingCritical', power: 'running' },
  { state: 32788, name: 'SavedCritical', power: 'saved' },
  { state: 32789, name: 'PausedCritical', power: 'paused' },
  { state: 32790, name: 'StartingCritical', power: 'running' },
  { state: 32791, name: 'ResetCritical', power: 'running' },
  { state: 32792, name: 'SavingCritical', power: 'saved' },
  { state: 32793, name: 'PausingCritical', power: 'paused' },
  { state: 32794, name: 'ResumingCritical', power: 'running' },
  { state: 32795, name: 'FastSavedCritical', power: 'saved' },
  { state: 32796, name: 'FastSavingCritical', power: 'saved' },
  // Values the enum does not name: CIM's Unknown and Not Applicable, a gap, a newer release's.
  { state: 0, name: null, power: null },
  { state: 5, name: null, power: null },
  { state: 32778, name: null, power: null },
  { state: 32797, name: null, power: null },
  { state: 40000, name: null, power: null },
];

describe('Hyper-V VMState values', () => {
  it.each(ROWS.filter((row) => row.power !== null))(
    '$name ($state) is read as $power, with nothing unknown',
    ({ state, power }) => {
      expect(VM_STATES[state]).toBe(power);
      expect(powerStateUnknownOf(state)).toBeNull();
    },
  );

  it.each(ROWS.filter((row) => row.power === null))(
    'state $state ($name) is not read: the sync records what Hyper-V reported, by name and number',
    ({ state, name }) => {
      expect(VM_STATES[state]).toBeUndefined();
      const label = name ? `${name} (${state})` : String(state);
      expect(vmStateLabel(state)).toBe(label);
      expect(powerStateUnknownOf(state)).toBe(`Hyper-V reports state ${label}, which Migawka does not know`);
      expect(unknownStateWords('sql01', state)).toBe(
        `sql01 is in Hyper-V state ${label}, which Migawka does not know`,
      );
    },
  );

  it('names every value of the enum, and lists every value it reads', () => {
    const named = ROWS.filter((row) => row.name !== null);
    expect(Object.fromEntries(named.map((row) => [row.state, row.name]))).toEqual(VM_STATE_NAMES);
    expect(Object.keys(VM_STATES).sort()).toEqual(
      ROWS.filter((row) => row.power !== null)
        .map((row) => String(row.state))
        .sort(),
    );
  });

  it('reads off only from Off and OffCritical: an unknown or live state is never taken for off', () => {
    const off = Object.entries(VM_STATES)
      .filter(([, power]) => power === 'off')
      .map(([state]) => VM_STATE_NAMES[Number(state)]);
    expect(off).toEqual(['Off', 'OffCritical']);
  });
});
