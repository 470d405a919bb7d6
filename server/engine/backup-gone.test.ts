/**
 * A VM a sync of its host no longer saw (`goneSince`) is not planned for backup: the plan names it
 * in words, backs up the rest, and no volume snapshot counts it as captured.
 */
import { describe, expect, it } from 'vitest';
import { type BackupPlanRequest, planBackup } from './backup-plan';
import { makeIdSequence, makeOperationsIndex } from './operations-estate.fixture';

const NOW = new Date('2026-03-28T01:00:00Z');
const SINCE = new Date('2026-03-27T10:00:00Z');

type Row = {
  name: string;
  gone: string[];
  request: Partial<BackupPlanRequest> & Pick<BackupPlanRequest, 'scope'>;
  /** The VMs the plan backs up, by name. */
  planned: string[];
  /** The VMs a BACKUP-VM-GONE finding names. */
  named: string[];
  isRunnable: boolean;
  blocker?: string;
};

const vms = (...vmIds: string[]) => ({ kind: 'vms' as const, vmIds });

describe('planBackup — a VM gone from its host', () => {
  it.each<Row>([
    {
      name: 'nothing gone: no finding',
      gone: [],
      request: { scope: vms('web01', 'legacy01') },
      planned: ['web01', 'legacy01'],
      named: [],
      isRunnable: true,
    },
    {
      name: 'one of two gone: the other is backed up, the gone one is named',
      gone: ['web01'],
      request: { scope: vms('web01', 'legacy01') },
      planned: ['legacy01'],
      named: ['web01'],
      isRunnable: true,
    },
    {
      name: 'every VM gone: nothing to back up, in words',
      gone: ['web01'],
      request: { scope: vms('web01') },
      planned: [],
      named: ['web01'],
      isRunnable: false,
      blocker: 'Nothing to back up: every VM of the scope is gone from its host (see the findings)',
    },
    {
      name: "a method chosen for the gone VM does not block the job's run",
      gone: ['web01'],
      request: { scope: vms('web01', 'legacy01'), methodByVm: { web01: 'hyperv-vss' } },
      planned: ['legacy01'],
      named: ['web01'],
      isRunnable: true,
    },
    {
      name: 'a host-volume scope leaves the gone VM out',
      gone: ['wsb02'],
      request: { scope: { kind: 'host-volume', hostVolumeId: 'hv02:D:' } },
      planned: ['wsb01'],
      named: ['wsb02'],
      isRunnable: true,
    },
    {
      name: 'nothing gone: the whole-volume (WSB) capture takes the neighbour along',
      gone: [],
      request: { scope: vms('wsb01') },
      planned: ['wsb01', 'wsb02'],
      named: [],
      isRunnable: true,
    },
    {
      name: 'nothing gone: the array snapshot takes the neighbour on its LUN along',
      gone: [],
      request: { scope: vms('app01'), methodByVm: { app01: 'array-snapshot' } },
      planned: ['app01', 'app02'],
      named: [],
      isRunnable: true,
    },
    {
      name: 'a whole-volume (WSB) capture does not count the gone neighbour as captured',
      gone: ['wsb02'],
      request: { scope: vms('wsb01') },
      planned: ['wsb01'],
      named: [],
      isRunnable: true,
    },
    {
      name: 'an array snapshot does not count the gone neighbour on its LUN as captured',
      gone: ['app02'],
      request: { scope: vms('app01'), methodByVm: { app01: 'array-snapshot' } },
      planned: ['app01'],
      named: [],
      isRunnable: true,
    },
  ])('$name', ({ gone, request, planned, named, isRunnable, blocker }) => {
    const index = makeOperationsIndex((inventory) => {
      for (const vm of inventory.vms) if (gone.includes(vm.id)) vm.goneSince = SINCE;
    });
    const plan = planBackup(
      index,
      { consistencyPolicy: 'fallback', passthroughPolicy: 'skip', ...request },
      { now: NOW, newId: makeIdSequence() },
    );
    expect(plan.vms.map((vm) => vm.vmName)).toEqual(planned);
    const findings = plan.findings.filter((finding) => finding.ruleId === 'BACKUP-VM-GONE');
    expect(findings.map((finding) => finding.objects[0]?.name)).toEqual(named);
    for (const finding of findings) {
      expect(finding).toMatchObject({ severity: 'warning', vmId: finding.objects[0]?.id });
      expect(finding.message).toBe(
        `VM '${finding.objects[0]?.name}' is gone from ${index.vmsById.get(finding.vmId ?? '')?.hostId} since 2026-03-27 10:00 UTC: it is not backed up; the other VMs are.`,
      );
    }
    expect(plan.isRunnable).toBe(isRunnable);
    if (blocker) expect(plan.blockedReasons).toContain(blocker);
    // No step touches a gone VM.
    for (const vmId of gone) expect(plan.steps.some((step) => step.key.includes(`:${vmId}:`))).toBe(false);
  });
});
