import { describe, expect, it } from 'vitest';
import { checkRuleRow, findingsOf, makeXenEstate, type RuleRow } from '../test-fixtures';

const rows: RuleRow[] = [
  {
    name: 'a Linux VM with quiesce asked gets crash-consistent snapshots only',
    build: () => makeXenEstate({ name: 'web01', osFamily: 'linux', hasXenVssProvider: false }),
    options: { quiesce: true },
    ruleId: 'XS-QUIESCE-UNSUPPORTED-OS',
    severity: 'warning',
    names: ["'web01'", "'xs01'", 'linux', 'crash-consistent'],
    remedy: ['fsfreeze'],
  },
  {
    name: 'a Linux VM running an application asks for quiesce by default',
    build: () => makeXenEstate({ name: 'pg01', osFamily: 'linux', applications: ['other'] }),
    ruleId: 'XS-QUIESCE-UNSUPPORTED-OS',
    severity: 'warning',
    names: ["'pg01'"],
  },
  {
    name: 'a Linux VM with quiesce required is a blocker: the job would fail it',
    build: () => makeXenEstate({ name: 'web01', osFamily: 'linux' }),
    options: { quiesce: true, consistencyPolicy: 'require' },
    ruleId: 'XS-QUIESCE-UNSUPPORTED-OS',
    severity: 'blocker',
    names: ["'web01'", 'would fail'],
  },
  {
    name: 'a Linux VM without applications and no quiesce asked is not flagged',
    build: () => makeXenEstate({ name: 'web01', osFamily: 'linux' }),
    ruleId: 'XS-QUIESCE-UNSUPPORTED-OS',
    severity: null,
  },
  {
    name: 'a powered-off Linux VM has nothing to quiesce',
    build: () => makeXenEstate({ name: 'web01', osFamily: 'linux', powerState: 'off' }),
    options: { quiesce: true },
    ruleId: 'XS-QUIESCE-UNSUPPORTED-OS',
    severity: null,
  },
  {
    name: 'a Windows SQL Server VM without the Xen VSS provider cannot be quiesced',
    build: () => makeXenEstate({ name: 'sql02', applications: ['sqlserver'], hasXenVssProvider: false }),
    ruleId: 'XS-QUIESCE-PROVIDER-MISSING',
    severity: 'warning',
    names: ["'sql02'", "'xs01'", 'Xen VSS provider'],
    remedy: ['install-XenProvider.cmd', 'vssadmin list providers'],
  },
  {
    name: 'a release without quiesced snapshots names the host and its version',
    build: () =>
      makeXenEstate(
        { name: 'sql03', applications: ['sqlserver'] },
        { offersQuiescedSnapshots: false, version: '8.2' },
      ),
    ruleId: 'XS-QUIESCE-UNAVAILABLE',
    severity: 'warning',
    names: ["'xs01'", 'XenServer 8.2', "'sql03'"],
    remedy: ['array snapshot', 'guest-agent job'],
  },
  {
    name: 'provider missing and release without quiesce are both reported',
    build: () =>
      makeXenEstate(
        { name: 'sql03', applications: ['sqlserver'], hasXenVssProvider: false },
        { offersQuiescedSnapshots: false },
      ),
    ruleId: 'XS-QUIESCE-PROVIDER-MISSING',
    severity: 'warning',
    names: ["'sql03'"],
  },
  {
    name: 'a quiesce that can happen warns about its performance cost (info)',
    build: () => makeXenEstate({ name: 'exch01', applications: ['exchange'] }),
    ruleId: 'XS-QUIESCE-PERFORMANCE',
    severity: 'info',
    names: ["'exch01'", 'may fail under load'],
    remedy: ['off-peak'],
  },
  {
    name: 'no performance note when quiesce is explicitly not asked',
    build: () => makeXenEstate({ name: 'exch01', applications: ['exchange'] }),
    options: { quiesce: false },
    ruleId: 'XS-QUIESCE-PERFORMANCE',
    severity: null,
  },
];

describe('XenServer rules', () => {
  it.each(rows)('$name', (row) => {
    const { matching } = checkRuleRow(row);
    if (row.severity === null) return;
    expect(matching).toHaveLength(1);
    const [finding] = matching;
    expect(finding.methods).toEqual(['xen-quiesced']);
    expect(finding.objects.map((o) => o.kind)).toEqual(['vm', 'host']);
  });

  it('quiesce rules stay silent for Hyper-V VMs', () => {
    const inventory = makeXenEstate({ name: 'web01', osFamily: 'linux' });
    inventory.hosts[0].kind = 'hyperv';
    const found = findingsOf(inventory, 'web01', { quiesce: true });
    expect(found.filter((f) => f.ruleId.startsWith('XS-'))).toEqual([]);
  });
});
