/**
 * The review asks whose facts may be out of date about the VMs its plan was made from: those the
 * scope names and those the plan captures, each once, in one order whatever the scope's.
 */
import { describe, expect, it } from 'vitest';
import type { BackupRequestInput } from '@/server/schemas/operations';
import { vmIdsBehindPlan } from './wizard-model';

const planned = (...vmIds: string[]) => vmIds.map((vmId) => ({ vmId }));

const cases: {
  name: string;
  scope: BackupRequestInput['scope'];
  planned: { vmId: string }[];
  vmIds: string[];
}[] = [
  {
    name: 'the VMs chosen, sorted',
    scope: { kind: 'vms', vmIds: ['vm-web-01', 'vm-sql-01'] },
    planned: planned('vm-web-01', 'vm-sql-01'),
    vmIds: ['vm-sql-01', 'vm-web-01'],
  },
  {
    name: 'a chosen VM the plan could not capture is still asked about',
    scope: { kind: 'vms', vmIds: ['vm-web-01', 'vm-gone-01'] },
    planned: planned('vm-web-01'),
    vmIds: ['vm-gone-01', 'vm-web-01'],
  },
  {
    name: 'a VM captured with the chosen ones is asked about too, once',
    scope: { kind: 'vms', vmIds: ['vm-fs-01'] },
    planned: planned('vm-fs-01', 'vm-app-01', 'vm-fs-01'),
    vmIds: ['vm-app-01', 'vm-fs-01'],
  },
  {
    name: 'a volume: the VMs the plan captures on it',
    scope: { kind: 'host-volume', hostVolumeId: 'hv-d' },
    planned: planned('vm-b', 'vm-a'),
    vmIds: ['vm-a', 'vm-b'],
  },
  {
    name: 'a volume the plan found no VM on: nothing to ask',
    scope: { kind: 'array-volume', arrayVolumeId: 'lun-1' },
    planned: [],
    vmIds: [],
  },
];

describe('the VMs a reviewed plan was made from', () => {
  it.each(cases)('$name', ({ scope, planned: vms, vmIds }) => {
    expect(vmIdsBehindPlan(scope, vms)).toEqual(vmIds);
  });
});
