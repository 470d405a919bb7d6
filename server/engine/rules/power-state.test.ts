/**
 * VM-POWER-STATE-UNKNOWN and the words that follow from it: a VM whose power state was not read is
 * planned as running for safety, and nothing the engine says claims that state as read — the
 * finding names what the hypervisor reported, the offline-backup summary and the restore findings
 * that count it as running say its state was not read, and the console's label says "state not read".
 */
import { describe, expect, it } from 'vitest';
import { makeOperationsIndex } from '../operations-estate.fixture';
import { allOff, plan, point, wsbPoints } from '../restore-plan.fixture';
import { checkRuleRow, makeHypervEstate, makeXenEstate, type RuleRow } from '../test-fixtures';
import { powerStateInSentence, powerStateLabel } from '../words';

const REPORTED = 'Hyper-V reports state Hibernated (32783), which Migawka does not know';

interface Row extends RuleRow {
  check?: (found: ReturnType<typeof checkRuleRow>['found']) => void;
}

const ROWS: Row[] = [
  {
    name: 'a Hyper-V VM whose state was not read: info, naming what Hyper-V reported and that it is treated as running for safety',
    build: () => makeHypervEstate({ powerStateUnknown: REPORTED }),
    ruleId: 'VM-POWER-STATE-UNKNOWN',
    severity: 'info',
    names: [
      "The power state of VM 'app01' on host 'hv01' was not read",
      REPORTED,
      'treated as running for safety',
      'stops if that state still cannot be read',
    ],
    remedy: ["Get-VM -Name 'app01'", 'sync the host again'],
    check: (found) => {
      const [finding] = found.filter((f) => f.ruleId === 'VM-POWER-STATE-UNKNOWN');
      // Whichever method runs, its check reads the state again: it concerns every method.
      expect(finding.methods).toEqual([]);
      expect(finding.objects.map((o) => `${o.kind}:${o.name}`)).toEqual(['vm:app01', 'host:hv01']);
    },
  },
  {
    name: 'a VM whose state was read says nothing',
    build: () => makeHypervEstate({ powerStateUnknown: null }),
    ruleId: 'VM-POWER-STATE-UNKNOWN',
    severity: null,
  },
  {
    name: 'an inventory without the field says nothing (absent is read)',
    build: () => makeHypervEstate(),
    ruleId: 'VM-POWER-STATE-UNKNOWN',
    severity: null,
  },
  {
    name: 'a state stated as off but not read is planned off, and not said to be treated as running',
    build: () => makeHypervEstate({ powerState: 'off', powerStateUnknown: 'the file says so' }),
    ruleId: 'VM-POWER-STATE-UNKNOWN',
    severity: 'info',
    names: ['was not read: the file says so', 'It is planned as off, as stored.'],
    absent: ['treated as running'],
  },
  {
    name: 'a XenServer VM whose state was not read gets the generic remedy, not a Hyper-V command',
    build: () => makeXenEstate({ powerStateUnknown: 'the pool reports a state Migawka does not know' }),
    ruleId: 'VM-POWER-STATE-UNKNOWN',
    severity: 'info',
    remedy: ["Check 'xapp01' on host", 'sync its host again'],
    check: (found) =>
      expect(found.find((f) => f.ruleId === 'VM-POWER-STATE-UNKNOWN')?.remedy).not.toContain('Get-VM'),
  },
  {
    name: 'the saved-state summary of a VM whose state was not read does not say it is running',
    build: () => makeHypervEstate({ powerStateUnknown: REPORTED, backupIntegrationService: 'stopped' }),
    ruleId: 'HV-OFFLINE-BACKUP',
    severity: 'warning',
    names: ["VM 'app01' on host 'hv01' is treated as running for safety (its power state was not read"],
    absent: ['is running but'],
  },
  {
    name: 'the saved-state summary of a VM read running says so',
    build: () => makeHypervEstate({ backupIntegrationService: 'stopped' }),
    ruleId: 'HV-OFFLINE-BACKUP',
    severity: 'warning',
    names: ["VM 'app01' on host 'hv01' is running but cannot be backed up online"],
  },
];

describe('VM-POWER-STATE-UNKNOWN', () => {
  it.each(ROWS)('$name', (row) => {
    const { found } = checkRuleRow(row);
    row.check?.(found);
  });
});

describe('restore findings that count a VM whose state was not read as running', () => {
  it('an in-place restore is blocked, and its reason says the state was not read instead of "is running"', () => {
    const index = makeOperationsIndex((inventory) => {
      for (const vm of inventory.vms) if (vm.id === 'web01') vm.powerStateUnknown = REPORTED;
    });
    const result = plan(
      point({ id: 'rp', vmId: 'web01' }),
      { mode: 'in-place', confirmation: 'web01' },
      { index },
    );
    expect(result.isRunnable).toBe(false);
    expect(result.blockedReasons[0]).toBe(
      `VM web01 is treated as running for safety, its power state not read (${REPORTED}); an in-place restore would overwrite a live VM`,
    );
  });

  it('a volume revert names the VMs it stops and says whose state was not read', () => {
    const index = makeOperationsIndex((inventory) => {
      for (const vm of inventory.vms) if (vm.id === 'wsb02') vm.powerStateUnknown = REPORTED;
    });
    const result = plan(
      wsbPoints[0],
      { mode: 'volume-revert', confirmation: 'hv02 D:' },
      { index, points: wsbPoints },
    );
    expect(result.findings.find((f) => f.ruleId === 'RESTORE-VM-RUNNING')?.message).toBe(
      'wsb01 and wsb02 are running on D: on hv02 (the power state of wsb02 was not read: counted as running for safety); the revert stops them and leaves them off',
    );
  });

  it('a restore over VMs read off says nothing of power', () => {
    const result = plan(
      point({ id: 'rp', vmId: 'web01' }),
      { mode: 'in-place', confirmation: 'web01' },
      { index: allOff() },
    );
    expect(result.findings.map((f) => f.ruleId)).not.toContain('RESTORE-VM-RUNNING');
  });
});

describe('power state words', () => {
  it.each([
    { vm: { powerState: 'running' as const }, label: 'running', sentence: 'is running' },
    { vm: { powerState: 'off' as const, powerStateUnknown: null }, label: 'off', sentence: 'is off' },
    {
      vm: { powerState: 'running' as const, powerStateUnknown: REPORTED },
      label: `state not read — ${REPORTED}; treated as running for safety`,
      sentence: `is treated as running for safety, its power state not read (${REPORTED})`,
    },
    {
      vm: { powerState: 'saved' as const, powerStateUnknown: 'not in the file' },
      label: 'state not read — not in the file; treated as saved',
      sentence: 'is treated as saved, its power state not read (not in the file)',
    },
  ])('$label', ({ vm, label, sentence }) => {
    expect(powerStateLabel(vm)).toBe(label);
    expect(powerStateInSentence(vm)).toBe(sentence);
  });
});
