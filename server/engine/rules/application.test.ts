import { describe, expect, it } from 'vitest';
import type { Inventory } from '../inventory';
import type { PlanMethodsOptions } from '../planner';
import { backWithLun, findingsOf, makeHypervEstate, makeXenEstate } from '../test-fixtures';
import type { BackupMethod } from '../types';

interface Row {
  name: string;
  build: () => Inventory;
  options?: PlanMethodsOptions;
  /** The method the finding names (the recommended one), or null when APP-CRASH-CONSISTENT must not fire. */
  method: BackupMethod | null;
  names?: string[];
  remedy?: string[];
}

const rows: Row[] = [
  {
    name: 'SQL Server on Linux under XenServer only gets a crash-consistent snapshot',
    build: () => makeXenEstate({ name: 'sqllx', osFamily: 'linux', applications: ['sqlserver'] }),
    method: 'xen-snapshot',
    names: ["'sqllx'", 'SQL Server', 'XenServer snapshot', 'crash-consistent'],
    remedy: ['guest-agent'],
  },
  {
    name: 'Exchange on a release without quiesce only gets a crash-consistent snapshot',
    build: () =>
      makeXenEstate({ name: 'exch01', applications: ['exchange'] }, { offersQuiescedSnapshots: false }),
    method: 'xen-snapshot',
    names: ["'exch01'", 'Exchange'],
  },
  {
    name: 'the remedy offers the Xen VSS provider where the release still quiesces',
    build: () => makeXenEstate({ name: 'sql02', applications: ['sqlserver'], hasXenVssProvider: false }),
    method: 'xen-snapshot',
    remedy: ['Xen VSS provider', 'xen-quiesced'],
  },
  {
    name: 'SQL Server with quiesce turned off by the job gets crash only',
    build: () => makeXenEstate({ name: 'sql04', applications: ['sqlserver'] }),
    options: { quiesce: false },
    method: 'xen-snapshot',
    names: ["'sql04'"],
  },
  {
    name: 'a quiesced SQL Server VM is application-consistent: no finding',
    build: () => makeXenEstate({ name: 'sql05', applications: ['sqlserver'] }),
    method: null,
  },
  {
    name: 'a crash-consistent VM without critical applications is not flagged',
    build: () => makeXenEstate({ name: 'web01', osFamily: 'linux' }),
    method: null,
  },
  {
    name: 'SQL Server on Hyper-V backed up with hyperv-vss is not flagged',
    build: () => makeHypervEstate({ name: 'sql01', applications: ['sqlserver'] }),
    method: null,
  },
  {
    name: 'SQL Server whose only method is an array snapshot without scripts is flagged, with array remedy',
    build: () => {
      const inventory = makeHypervEstate({ name: 'sql06', applications: ['sqlserver'] });
      inventory.hostVolumes[0].vssEnabled = false; // host-level methods cannot run
      return backWithLun(inventory, 'hv01:D:');
    },
    method: 'array-snapshot',
    names: ["'sql06'", 'array snapshot'],
    remedy: ['pre-freeze/post-thaw scripts'],
  },
];

describe('application rule', () => {
  it.each(rows)('$name', (row) => {
    const inventory = row.build();
    const vmId = inventory.vms[0].id;
    const matching = findingsOf(inventory, vmId, row.options).filter(
      (f) => f.ruleId === 'APP-CRASH-CONSISTENT',
    );
    if (row.method === null) {
      expect(matching).toEqual([]);
      return;
    }
    expect(matching).toHaveLength(1);
    const [finding] = matching;
    expect(finding.severity).toBe('warning');
    expect(finding.methods).toEqual([row.method]);
    for (const name of row.names ?? []) expect(finding.message).toContain(name);
    for (const text of row.remedy ?? []) expect(finding.remedy).toContain(text);
  });
});
