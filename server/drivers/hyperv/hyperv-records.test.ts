/**
 * Hyper-V's VMState as power states: one row per name of the enum, with its number on Windows
 * Server 2016 and on 2019 and later (they differ from 32783 up). A state is read by the name the
 * script sends; without a name only by a number every release gives alike; a state not read is
 * planned as running by the sync, which records what Hyper-V reported (`powerStateUnknown`).
 */
import { describe, expect, it } from 'vitest';
import type { PowerState } from '../../engine/inventory';
import { VM_STATE_ENUM_2016, VM_STATE_ENUM_2019 } from './fake/fake-vm-states';
import {
  LAST_STABLE_VM_STATE,
  powerStateOf,
  powerStateUnknownOf,
  STABLE_VM_STATE_NAMES,
  unknownStateWords,
  VM_STATES_BY_NAME,
  type VmStateReport,
  vmStateLabel,
} from './hyperv-records';

interface Row {
  name: string;
  /** Its number on Windows Server 2016, and on 2019 and later; null where that enum lacks it. */
  ws2016: number | null;
  ws2019: number;
  /** The power state it is read as; null when it is not read. */
  power: PowerState | null;
}

const ROWS: Row[] = [
  { name: 'Other', ws2016: 1, ws2019: 1, power: null },
  { name: 'Running', ws2016: 2, ws2019: 2, power: 'running' },
  { name: 'Off', ws2016: 3, ws2019: 3, power: 'off' },
  { name: 'Stopping', ws2016: 4, ws2019: 4, power: 'running' },
  { name: 'Saved', ws2016: 6, ws2019: 6, power: 'saved' },
  { name: 'Paused', ws2016: 9, ws2019: 9, power: 'paused' },
  { name: 'Starting', ws2016: 10, ws2019: 10, power: 'running' },
  { name: 'Reset', ws2016: 11, ws2019: 11, power: 'running' },
  { name: 'Saving', ws2016: 32773, ws2019: 32773, power: 'saved' },
  { name: 'Pausing', ws2016: 32776, ws2019: 32776, power: 'paused' },
  { name: 'Resuming', ws2016: 32777, ws2019: 32777, power: 'running' },
  { name: 'FastSaved', ws2016: 32779, ws2019: 32779, power: 'saved' },
  { name: 'FastSaving', ws2016: 32780, ws2019: 32780, power: 'saved' },
  { name: 'ForceShutdown', ws2016: 32781, ws2019: 32781, power: 'running' },
  { name: 'ForceReboot', ws2016: 32782, ws2019: 32782, power: 'running' },
  { name: 'Hibernated', ws2016: null, ws2019: 32783, power: null },
  { name: 'ComponentServicing', ws2016: null, ws2019: 32784, power: null },
  { name: 'RunningCritical', ws2016: 32783, ws2019: 32785, power: 'running' },
  { name: 'OffCritical', ws2016: 32784, ws2019: 32786, power: 'off' },
  { name: 'StoppingCritical', ws2016: 32785, ws2019: 32787, power: 'running' },
  { name: 'SavedCritical', ws2016: 32786, ws2019: 32788, power: 'saved' },
  { name: 'PausedCritical', ws2016: 32787, ws2019: 32789, power: 'paused' },
  { name: 'StartingCritical', ws2016: 32788, ws2019: 32790, power: 'running' },
  { name: 'ResetCritical', ws2016: 32789, ws2019: 32791, power: 'running' },
  { name: 'SavingCritical', ws2016: 32790, ws2019: 32792, power: 'saved' },
  { name: 'PausingCritical', ws2016: 32791, ws2019: 32793, power: 'paused' },
  { name: 'ResumingCritical', ws2016: 32792, ws2019: 32794, power: 'running' },
  { name: 'FastSavedCritical', ws2016: 32793, ws2019: 32795, power: 'saved' },
  { name: 'FastSavingCritical', ws2016: 32794, ws2019: 32796, power: 'saved' },
];

/** Every (release, name, number) a real host sends. */
const SENT = ROWS.flatMap((row) => [
  ...(row.ws2016 === null ? [] : [{ release: 'Windows Server 2016', state: row.ws2016, ...row }]),
  { release: 'Windows Server 2019+', state: row.ws2019, ...row },
]);

function expectUnknown(report: VmStateReport, label: string) {
  expect(powerStateOf(report)).toBeUndefined();
  expect(vmStateLabel(report)).toBe(label);
  expect(powerStateUnknownOf(report)).toBe(`Hyper-V reports state ${label}, which Migawka does not know`);
  expect(unknownStateWords('sql01', report)).toBe(
    `sql01 is in Hyper-V state ${label}, which Migawka does not know`,
  );
}

describe('Hyper-V VMState sent with its name', () => {
  it.each(SENT.filter((row) => row.power !== null))(
    '$release: $name ($state) is read as $power, with nothing unknown',
    ({ state, name, power }) => {
      expect(powerStateOf({ State: state, StateName: name })).toBe(power);
      expect(powerStateUnknownOf({ State: state, StateName: name })).toBeNull();
    },
  );

  it.each(SENT.filter((row) => row.power === null))(
    '$release: $name ($state) is not read: the sync records the name Hyper-V gave, and the number',
    ({ state, name }) => expectUnknown({ State: state, StateName: name }, `${name} (${state})`),
  );

  it('reads a Windows Server 2016 SavedCritical (32786) as saved, where 2019 numbers OffCritical', () => {
    expect(powerStateOf({ State: 32786, StateName: 'SavedCritical' })).toBe('saved');
    expect(powerStateOf({ State: 32786, StateName: 'OffCritical' })).toBe('off');
  });

  it.each([
    // A newer release's name, at a number our table knows by another name: the name Hyper-V gave.
    { report: { State: 32785, StateName: 'Quiescing' }, label: 'Quiescing (32785)' },
    { report: { State: 32797, StateName: 'Quiescing' }, label: 'Quiescing (32797)' },
    // Enum.ToString of a value the enum does not define gives its digits: that names nothing.
    { report: { State: 32800, StateName: '32800' }, label: '32800' },
    { report: { State: 0, StateName: '0' }, label: '0' },
  ])('a name it does not know ($label) is not read', ({ report, label }) => expectUnknown(report, label));
});

describe('Hyper-V VMState without its name (an older script or collector document)', () => {
  it.each(ROWS.filter((row) => row.ws2019 <= LAST_STABLE_VM_STATE))(
    '$name ($ws2019), numbered alike by every release, is read by its number',
    ({ ws2019, name, power }) => {
      for (const report of [
        { State: ws2019 },
        { State: ws2019, StateName: null },
        { State: ws2019, StateName: '' },
      ]) {
        if (power) expect(powerStateOf(report)).toBe(power);
        else expectUnknown(report, `${name} (${ws2019})`);
      }
    },
  );

  it.each([32783, 32784, 32786, 32788, 32794, 32796, 32797, 40000])(
    'state %i, numbered differently by each release, is not read and not named: never guessed',
    (state) => {
      expectUnknown({ State: state }, String(state));
      expectUnknown({ State: state, StateName: null }, String(state));
    },
  );

  it.each([0, 5, 32778])('state %i, which no release names, is not read', (state) =>
    expectUnknown({ State: state }, String(state)),
  );
});

describe('the VMState tables', () => {
  it('map every name that is read, and name by number only what every release numbers alike', () => {
    expect(VM_STATES_BY_NAME).toEqual(
      Object.fromEntries(ROWS.filter((row) => row.power !== null).map((row) => [row.name, row.power])),
    );
    expect(STABLE_VM_STATE_NAMES).toEqual(
      Object.fromEntries(
        ROWS.filter((row) => row.ws2016 === row.ws2019).map((row) => [row.ws2019, row.name]),
      ),
    );
    expect(Math.max(...Object.keys(STABLE_VM_STATE_NAMES).map(Number))).toBe(LAST_STABLE_VM_STATE);
  });

  it('read off only from Off and OffCritical: an unknown or live state is never taken for off', () => {
    const off = Object.entries(VM_STATES_BY_NAME).filter(([, power]) => power === 'off');
    expect(off.map(([name]) => name)).toEqual(['Off', 'OffCritical']);
  });

  it('are the enums the fake host names states by, release by release', () => {
    const enumOf = (release: 'ws2016' | 'ws2019') =>
      Object.fromEntries(ROWS.filter((row) => row[release] !== null).map((row) => [row.name, row[release]]));
    expect(VM_STATE_ENUM_2016).toEqual(enumOf('ws2016'));
    expect(VM_STATE_ENUM_2019).toEqual(enumOf('ws2019'));
  });
});
