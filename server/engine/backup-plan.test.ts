import { describe, expect, it } from 'vitest';
import { type BackupPlanRequest, GUEST_FREEZE_TIMEOUT_MS, planBackup } from './backup-plan';
import type { InventoryIndex } from './inventory';
import { makeIdSequence, makeOperationsIndex } from './operations-estate.fixture';
import { type BackupPlan, excludedDiskNamesOf, type PlanStep } from './plan-types';
import { readStepParams } from './step-params';

const NOW = new Date('2026-03-28T01:00:00Z');

type PlanRequest = Partial<BackupPlanRequest> & Pick<BackupPlanRequest, 'scope'>;

function plan(request: PlanRequest, index?: InventoryIndex, withJob = false) {
  return planBackup(
    index ?? makeOperationsIndex(),
    { consistencyPolicy: 'fallback', passthroughPolicy: 'skip', ...request },
    {
      now: NOW,
      newId: makeIdSequence(),
      job: withJob
        ? {
            id: 'job-nightly',
            retention: { keepLast: 7, daily: 7, weekly: 4, monthly: 6 },
            timeZone: 'Europe/Warsaw',
          }
        : undefined,
    },
  );
}
const vms = (...vmIds: string[]) => ({ kind: 'vms' as const, vmIds });
const keys = (p: BackupPlan) => p.steps.map((step) => step.key);
const stepByKey = (p: BackupPlan, key: string): PlanStep => {
  const step = p.steps.find((s) => s.key === key);
  if (!step) throw new Error(`no step ${key} in ${keys(p).join(', ')}`);
  return step;
};
const ruleIds = (p: BackupPlan) => p.findings.map((f) => `${f.ruleId}:${f.severity}`);

describe('planBackup — step sequences per method (docs/domain.md §7)', () => {
  it.each<{ name: string; request: PlanRequest; steps: string[] }>([
    {
      name: 'hyperv-vss online: the Hyper-V writer quiesces inside the snapshot',
      request: { scope: vms('web01') },
      steps: ['check', 'vss-snapshot', 'copy-to-repository', 'release-snapshot', 'catalog'].map(
        (k) => `vm:web01:${k}`,
      ),
    },
    {
      name: 'hyperv-vss offline: saved state, snapshot, resume at once (downtime = the snapshot, not the copy)',
      request: { scope: vms('legacy01') },
      steps: [
        'check',
        'save-state',
        'vss-snapshot',
        'resume',
        'copy-to-repository',
        'release-snapshot',
        'catalog',
      ].map((k) => `vm:legacy01:${k}`),
    },
    {
      name: 'xen-snapshot: regular snapshot, export, catalogue',
      request: { scope: vms('xlin01') },
      steps: ['check', 'xen-snapshot', 'copy-to-repository', 'release-snapshot', 'catalog'].map(
        (k) => `vm:xlin01:${k}`,
      ),
    },
    {
      name: 'guest-agent: the in-guest agent copies, no hypervisor snapshot',
      request: { scope: vms('web01'), methodByVm: { web01: 'guest-agent' as const } },
      steps: ['check', 'agent-copy', 'catalog'].map((k) => `vm:web01:${k}`),
    },
    {
      name: 'array-snapshot with scripts: pre-freeze, freeze, flush each host volume, one CG snapshot, thaw, post-thaw',
      request: {
        scope: vms('sql01'),
        methodByVm: { sql01: 'array-snapshot' as const },
        scripts: {
          sql01: {
            preFreeze: { command: 'C:\\scripts\\suspend-sql.cmd', timeoutSeconds: 30 },
            postThaw: { command: 'C:\\scripts\\resume-sql.cmd', timeoutSeconds: 30 },
          },
        },
      },
      steps: [
        'vm:sql01:check',
        'vm:sql01:pre-freeze-script',
        'vm:sql01:guest-freeze',
        'host-volume:hv01:E::flush-host-io',
        'host-volume:hv01:F::flush-host-io',
        'array-volumes:lun-sql,lun-logs:array-snapshot',
        'vm:sql01:guest-thaw',
        'vm:sql01:post-thaw-script',
        'vm:sql01:copy-to-repository',
        'array-volumes:lun-sql,lun-logs:release-snapshot',
        'vm:sql01:catalog',
      ],
    },
  ])('$name', ({ request, steps }) => {
    const result = plan(request);
    expect(result.isRunnable, result.blockedReasons.join('\n')).toBe(true);
    expect(keys(result)).toEqual(steps);
  });

  it('registers every cleanup after the step it undoes, and every undone step exists', () => {
    const result = plan({
      scope: vms('web01', 'legacy01', 'sql01', 'xwin01', 'wsb01'),
      methodByVm: { sql01: 'array-snapshot' },
      scripts: {
        sql01: {
          preFreeze: { command: 'pre', timeoutSeconds: 10 },
          postThaw: { command: 'post', timeoutSeconds: 10 },
        },
      },
    });
    const position = new Map(result.steps.map((step, i) => [step.key, i]));
    const cleanups = result.steps.filter((step) => step.undoes !== null);
    expect(cleanups.map((step) => `${step.kind} undoes ${step.undoes}`)).toEqual([
      'release-snapshot undoes vm:web01:vss-snapshot',
      'resume undoes vm:legacy01:save-state',
      'release-snapshot undoes vm:legacy01:vss-snapshot',
      'guest-thaw undoes vm:sql01:guest-freeze',
      'post-thaw-script undoes vm:sql01:pre-freeze-script',
      'release-snapshot undoes array-volumes:lun-sql,lun-logs:array-snapshot',
      'release-snapshot undoes vm:xwin01:xen-snapshot',
      'release-snapshot undoes host-volumes:hv02:D::vss-snapshot',
    ]);
    for (const step of cleanups)
      expect(position.get(step.undoes as string)).toBeLessThan(position.get(step.key) as number);
    expect(new Set(keys(result)).size).toBe(result.steps.length);
  });

  it('is deterministic: the same request and ids give the same plan', () => {
    const request = { scope: { kind: 'host-volume' as const, hostVolumeId: 'hv01:D:' } };
    expect(plan(request)).toEqual(plan(request));
  });
});

describe('planBackup — capture state and consistency per VM', () => {
  it.each([
    {
      vmId: 'web01',
      method: 'hyperv-vss',
      consistency: 'application',
      captureState: 'online',
      isQuiesced: true,
    },
    {
      vmId: 'legacy01',
      method: 'hyperv-vss',
      consistency: 'application',
      captureState: 'saved-state',
      isQuiesced: false,
    },
    {
      vmId: 'off01',
      method: 'hyperv-vss',
      consistency: 'filesystem',
      captureState: 'offline',
      isQuiesced: false,
    },
    {
      vmId: 'xlin01',
      method: 'xen-snapshot',
      consistency: 'crash',
      captureState: 'online',
      isQuiesced: false,
    },
    {
      vmId: 'xwin01',
      method: 'xen-quiesced',
      consistency: 'application',
      captureState: 'online',
      isQuiesced: true,
    },
  ])(
    '$vmId: $method, $consistency, $captureState',
    ({ vmId, method, consistency, captureState, isQuiesced }) => {
      const result = plan({ scope: vms(vmId) });
      expect(result.vms).toEqual([
        {
          vmId,
          vmName: vmId,
          method,
          expectedConsistency: consistency,
          excludedDiskIds: [],
          excludedDiskNames: [],
          captureState,
          isCoCaptured: false,
          restorePointId: expect.any(String),
          // Its own method, nothing left out: the point needs no note and has no shortfall.
          consistencyNote: null,
          shortfalls: [],
        },
      ]);
      const snapshot = result.steps.find(
        (step) => step.kind === 'vss-snapshot' || step.kind === 'xen-snapshot',
      );
      expect(snapshot?.params.isQuiesced).toBe(isQuiesced);
      const catalog = readStepParams(stepByKey(result, `vm:${vmId}:catalog`), 'catalog');
      expect(catalog.expectedConsistency).toBe(consistency);
      expect(catalog.captureState).toBe(captureState);
      // Only a quiesced snapshot can fall back, so only then does it lower the point's consistency.
      expect(catalog.consistencyStepKeys).toEqual(isQuiesced ? [snapshot?.key] : []);
    },
  );

  it('a SQL Server VM asked for a regular Xen snapshot gets an APP-CRASH-CONSISTENT warning', () => {
    const result = plan({ scope: vms('xwin01'), methodByVm: { xwin01: 'xen-snapshot' } });
    expect(result.isRunnable).toBe(true);
    expect(result.vms[0].expectedConsistency).toBe('crash');
    expect(ruleIds(result)).toContain('APP-CRASH-CONSISTENT:warning');
  });

  it('array-snapshot of SQL Server without scripts: crash-consistent, no pointless freeze, ARRAY-APP-NEEDS-SCRIPTS warning', () => {
    const result = plan({ scope: vms('sql01'), methodByVm: { sql01: 'array-snapshot' } });
    expect(result.isRunnable).toBe(true);
    expect(result.vms[0].expectedConsistency).toBe('crash');
    expect(keys(result)).not.toContain('vm:sql01:guest-freeze');
    expect(ruleIds(result)).toContain('ARRAY-APP-NEEDS-SCRIPTS:warning');
  });

  it('array-snapshot of SQL Server with the job’s scripts: application-consistent, the scripts finding is gone', () => {
    const result = plan({
      scope: vms('sql01'),
      methodByVm: { sql01: 'array-snapshot' },
      scripts: {
        sql01: {
          preFreeze: { command: 'pre', timeoutSeconds: 20 },
          postThaw: { command: 'post', timeoutSeconds: 20 },
        },
      },
    });
    expect(result.vms[0].expectedConsistency).toBe('application');
    expect(ruleIds(result)).not.toContain('ARRAY-APP-NEEDS-SCRIPTS:warning');
    expect(readStepParams(stepByKey(result, 'vm:sql01:pre-freeze-script'), 'pre-freeze-script')).toEqual({
      script: { command: 'pre', timeoutSeconds: 20 },
      consistencyPolicy: 'fallback',
    });
    expect(readStepParams(stepByKey(result, 'vm:sql01:guest-freeze'), 'guest-freeze').timeoutMs).toBe(
      GUEST_FREEZE_TIMEOUT_MS,
    );
    const snapshot = readStepParams(
      stepByKey(result, 'array-volumes:lun-sql,lun-logs:array-snapshot'),
      'array-snapshot',
    );
    expect(snapshot.scope).toEqual({
      kind: 'array-volumes',
      arrayVolumeIds: ['lun-sql', 'lun-logs'],
      consistencyGroupId: 'cg-sql',
    });
    expect(snapshot.diskIds).toEqual(['sql01-data', 'sql01-logs']);
    expect(readStepParams(stepByKey(result, 'vm:sql01:catalog'), 'catalog').consistencyStepKeys).toEqual([
      'vm:sql01:pre-freeze-script',
      'vm:sql01:guest-freeze',
    ]);
    expect(result.lockKeys).toEqual([
      'vm:sql01',
      'host-volume:hv01:E:',
      'host-volume:hv01:F:',
      'array-volume:lun-logs',
      'array-volume:lun-sql',
    ]);
    expect(result.arrayIds).toEqual(['netapp-01']);
  });

  it('scripts are not planned for a VM that is not running (nothing can run inside it)', () => {
    const result = plan({
      scope: vms('off01'),
      scripts: { off01: { preFreeze: { command: 'pre', timeoutSeconds: 5 } } },
    });
    expect(keys(result)).not.toContain('vm:off01:pre-freeze-script');
  });
});

describe('planBackup — consistency policy', () => {
  it.each(['require', 'fallback'] as const)(
    'records %s on every step that may fall back and on the point',
    (policy) => {
      const result = plan({
        scope: vms('app01'),
        methodByVm: { app01: 'array-snapshot' },
        consistencyPolicy: policy,
        scripts: { app01: { preFreeze: { command: 'pre', timeoutSeconds: 5 } } },
      });
      expect(result.isRunnable).toBe(true);
      for (const key of [
        'vm:app01:pre-freeze-script',
        'vm:app01:guest-freeze',
        'array-volumes:lun-shared:array-snapshot',
        'vm:app01:catalog',
      ]) {
        expect(stepByKey(result, key).params.consistencyPolicy).toBe(policy);
      }
    },
  );

  it('require blocks an array snapshot that could only be crash-consistent for SQL Server', () => {
    const result = plan({
      scope: vms('sql01'),
      methodByVm: { sql01: 'array-snapshot' },
      consistencyPolicy: 'require',
    });
    expect(result.isRunnable).toBe(false);
    expect(result.blockedReasons.join('\n')).toMatch(
      /Array snapshot cannot back up VM 'sql01'.*without pre-freeze\/post-thaw scripts/,
    );
  });

  it('require runs it when the job brings its own scripts (the inventory knows of none)', () => {
    const result = plan({
      scope: vms('sql01'),
      methodByVm: { sql01: 'array-snapshot' },
      consistencyPolicy: 'require',
      scripts: {
        sql01: {
          preFreeze: { command: 'pre', timeoutSeconds: 20 },
          postThaw: { command: 'post', timeoutSeconds: 20 },
        },
      },
    });
    expect(result.isRunnable).toBe(true);
    expect(result.vms[0].expectedConsistency).toBe('application');
    expect(ruleIds(result).filter((id) => id.startsWith('ARRAY-APP-NEEDS-SCRIPTS'))).toEqual([]);
  });

  it('require with only a post-thaw script in the job still blocks, and says the pre-freeze is missing', () => {
    const result = plan({
      scope: vms('sql01'),
      methodByVm: { sql01: 'array-snapshot' },
      consistencyPolicy: 'require',
      scripts: { sql01: { postThaw: { command: 'post', timeoutSeconds: 20 } } },
    });
    expect(result.isRunnable).toBe(false);
    expect(result.blockedReasons.join('\n')).toMatch(/sql01.*without a pre-freeze script/);
  });
});

describe('planBackup — pass-through policy', () => {
  it('skip: the VM is backed up without the pass-through disk, with a warning', () => {
    const result = plan({ scope: vms('file01'), passthroughPolicy: 'skip' });
    expect(result.isRunnable).toBe(true);
    expect(result.vms[0].excludedDiskIds).toEqual(['file01-pt']);
    expect(ruleIds(result)).toContain('HV-PASSTHROUGH-DISK:warning');
    const catalog = readStepParams(stepByKey(result, 'vm:file01:catalog'), 'catalog');
    expect(catalog.heldDiskIds).toEqual(['file01-os']);
    expect(catalog.missingDiskIds).toEqual(['file01-pt']);
  });

  it('names the disk it leaves out as the inventory does, beside its id', () => {
    const named = makeOperationsIndex((estate) => {
      const disk = estate.virtualDisks.find((candidate) => candidate.id === 'file01-pt');
      if (disk) disk.name = 'file01 E: (physical disk 3)';
    });
    const [vm] = plan({ scope: vms('file01'), passthroughPolicy: 'skip' }, named).vms;
    expect(vm.excludedDiskIds).toEqual(['file01-pt']);
    expect(vm.excludedDiskNames).toEqual(['file01 E: (physical disk 3)']);
    expect(excludedDiskNamesOf(vm)).toEqual(['file01 E: (physical disk 3)']);
    // A plan stored before names were kept still says which disks, by id.
    expect(excludedDiskNamesOf({ excludedDiskIds: ['file01-pt'] })).toEqual(['file01-pt']);
  });

  it('fail: a blocker for that VM makes the plan unrunnable and says why', () => {
    const result = plan({ scope: vms('file01', 'web01'), passthroughPolicy: 'fail' });
    expect(result.isRunnable).toBe(false);
    expect(ruleIds(result)).toContain('HV-PASSTHROUGH-DISK:blocker');
    expect(result.blockedReasons.join('\n')).toMatch(
      /pass-through policy is 'fail', so 'file01' is not backed up/,
    );
  });

  it('guest-agent holds the pass-through disk, so the policy does not apply', () => {
    const result = plan({
      scope: vms('file01'),
      methodByVm: { file01: 'guest-agent' },
      passthroughPolicy: 'fail',
    });
    expect(result.isRunnable).toBe(true);
    expect(readStepParams(stepByKey(result, 'vm:file01:agent-copy'), 'agent-copy').diskIds).toEqual([
      'file01-os',
      'file01-pt',
    ]);
  });
});

describe('planBackup — volume scopes and co-captured VMs', () => {
  it('host-volume scope with WSB: one VSS snapshot of the volume, one point per VM on it', () => {
    const result = plan({ scope: { kind: 'host-volume', hostVolumeId: 'hv02:D:' } });
    expect(result.isRunnable).toBe(true);
    expect(result.vms.map((v) => [v.vmId, v.method])).toEqual([
      ['wsb01', 'wsb-volume'],
      ['wsb02', 'wsb-volume'],
    ]);
    expect(result.steps.filter((step) => step.kind === 'vss-snapshot')).toHaveLength(1);
    expect(
      readStepParams(stepByKey(result, 'host-volumes:hv02:D::vss-snapshot'), 'vss-snapshot'),
    ).toMatchObject({
      scope: { kind: 'host-volumes', hostVolumeIds: ['hv02:D:'] },
      diskIds: ['wsb01-os', 'wsb02-os'],
      vmIds: ['wsb01', 'wsb02'],
    });
    const catalogs = result.steps
      .filter((step) => step.kind === 'catalog')
      .map((step) => readStepParams(step, 'catalog'));
    expect(catalogs.map((c) => [c.hostVolumeId, c.snapshotId])).toEqual([
      ['hv02:D:', catalogs[0].snapshotId],
      ['hv02:D:', catalogs[0].snapshotId],
    ]);
    expect(result.lockKeys).toEqual(['vm:wsb01', 'vm:wsb02', 'host-volume:hv02:D:']);
    expect(result.hostIds).toEqual(['hv02']);
  });

  it('backing up one VM with WSB captures the other VM on its volume too, marked co-captured', () => {
    const result = plan({ scope: vms('wsb01') });
    expect(result.vms.map((v) => [v.vmId, v.isCoCaptured])).toEqual([
      ['wsb01', false],
      ['wsb02', true],
    ]);
    expect(result.lockKeys).toContain('vm:wsb02');
  });

  it('host-volume scope with per-VM methods captures every VM on it, each by its recommendation', () => {
    const result = plan({ scope: { kind: 'host-volume', hostVolumeId: 'hv01:D:' } });
    expect(result.vms.map((v) => `${v.vmId}:${v.method}:${v.captureState}`)).toEqual([
      'web01:hyperv-vss:online',
      'legacy01:hyperv-vss:saved-state',
      'file01:hyperv-vss:online',
      'off01:hyperv-vss:offline',
    ]);
    expect(result.steps.filter((step) => step.kind === 'catalog')).toHaveLength(4);
    // Per-VM snapshots lock their VMs only: the volume itself stays free for other per-VM backups.
    expect(result.lockKeys).toEqual(['vm:file01', 'vm:legacy01', 'vm:off01', 'vm:web01']);
  });

  it('array-volume scope: one array snapshot for the shared LUN, every VM on it frozen and catalogued', () => {
    const result = plan({
      scope: { kind: 'array-volume', arrayVolumeId: 'lun-shared' },
      methodByVm: { app01: 'array-snapshot' },
    });
    expect(result.isRunnable, result.blockedReasons.join('\n')).toBe(true);
    expect(keys(result)).toEqual([
      'vm:app01:check',
      'vm:app02:check',
      'vm:app01:guest-freeze',
      'vm:app02:guest-freeze',
      'host-volume:hv01:G::flush-host-io',
      'array-volumes:lun-shared:array-snapshot',
      'vm:app01:guest-thaw',
      'vm:app02:guest-thaw',
      'vm:app01:copy-to-repository',
      'vm:app02:copy-to-repository',
      'array-volumes:lun-shared:release-snapshot',
      'vm:app01:catalog',
      'vm:app02:catalog',
    ]);
    expect(ruleIds(result)).toContain('ARRAY-SHARED-VOLUME:warning');
    expect(result.lockKeys).toEqual([
      'vm:app01',
      'vm:app02',
      'host-volume:hv01:G:',
      'array-volume:lun-shared',
    ]);
  });

  // app02 runs SQL Server with no scripts: under 'require' the array snapshot cannot back it up.
  const sqlOnSharedLun = makeOperationsIndex((inventory) => {
    const app02 = inventory.vms.find((candidate) => candidate.id === 'app02');
    if (app02) app02.applications = ['sqlserver'];
  });
  it.each<{ name: string; scope: string[]; isRunnable: boolean; catalogued: string[] }>([
    {
      name: 'only captured with the asked VM: left out with a warning, the asked VM is still backed up',
      scope: ['app01'],
      isRunnable: true,
      catalogued: ['vm:app01:catalog'],
    },
    {
      name: 'asked for itself: the plan is blocked',
      scope: ['app01', 'app02'],
      isRunnable: false,
      catalogued: [],
    },
  ])(
    'a VM on the snapshotted LUN that array-snapshot cannot back up, $name',
    ({ scope, isRunnable, catalogued }) => {
      const result = plan(
        {
          scope: vms(...scope),
          methodByVm: Object.fromEntries(scope.map((vmId) => [vmId, 'array-snapshot' as const])),
          consistencyPolicy: 'require',
        },
        sqlOnSharedLun,
      );
      expect(result.isRunnable, result.blockedReasons.join('\n')).toBe(isRunnable);
      if (!isRunnable) {
        expect(result.blockedReasons.join('\n')).toMatch(/cannot back up VM 'app02'/);
        return;
      }
      expect(keys(result).filter((key) => key.endsWith(':catalog'))).toEqual(catalogued);
      expect(keys(result)).not.toContain('vm:app02:guest-freeze');
      const leftOut = result.findings.find((f) => f.vmId === 'app02' && f.ruleId === 'ARRAY-SHARED-VOLUME');
      expect(leftOut?.severity).toBe('warning');
      expect(leftOut?.message).toMatch(
        /captures VM 'app02' with its volume, but cannot back it up, so this backup makes no restore point of it/,
      );
    },
  );

  it('a VM explicitly asked with another method than the volume snapshot that captures it is a blocker', () => {
    const result = plan({
      scope: vms('app01', 'app02'),
      methodByVm: { app01: 'array-snapshot', app02: 'hyperv-vss' },
    });
    expect(result.isRunnable).toBe(false);
    expect(result.blockedReasons.join('\n')).toMatch(
      /'app02' is asked with Hyper-V VSS, but capturing its volume by array snapshot takes it too/,
    );
  });

  it('applies the job’s retention after cataloguing, for every catalogued VM', () => {
    const result = plan({ scope: { kind: 'host-volume', hostVolumeId: 'hv02:D:' } }, undefined, true);
    expect(keys(result).at(-1)).toBe('apply-retention');
    expect(readStepParams(stepByKey(result, 'apply-retention'), 'apply-retention')).toEqual({
      jobId: 'job-nightly',
      policy: { keepLast: 7, daily: 7, weekly: 4, monthly: 6 },
      timeZone: 'Europe/Warsaw',
      vmIds: ['wsb01', 'wsb02'],
    });
    expect(keys(plan({ scope: vms('web01') }))).not.toContain('apply-retention');
  });
});

describe('planBackup — blockers', () => {
  it.each<{ name: string; request: PlanRequest; reason: RegExp }>([
    {
      name: 'unknown VM',
      request: { scope: vms('ghost01') },
      reason: /VM 'ghost01' is not in the inventory/,
    },
    { name: 'empty VM list', request: { scope: vms() }, reason: /Choose at least one VM/ },
    {
      name: 'unknown host volume',
      request: { scope: { kind: 'host-volume' as const, hostVolumeId: 'hv09:Z:' } },
      reason: /^The host volume this job backs up is no longer in the inventory/,
    },
    {
      name: 'a method not available for the VM names the reason',
      request: { scope: vms('web01'), methodByVm: { web01: 'xen-snapshot' as const } },
      reason: /XenServer snapshot cannot back up VM 'web01': XenServer snapshot needs a XenServer host/,
    },
    {
      name: 'hyperv-vss on a host with only WSB',
      request: { scope: vms('wsb01'), methodByVm: { wsb01: 'hyperv-vss' as const } },
      reason: /no VSS-aware backup product/,
    },
    {
      name: 'a method for a VM outside the scope',
      request: { scope: vms('web01'), methodByVm: { xlin01: 'xen-snapshot' as const } },
      reason: /chosen for VM 'xlin01', which is not in the backup scope/,
    },
  ])('$name', ({ request, reason }) => {
    const result = plan(request);
    expect(result.isRunnable).toBe(false);
    expect(result.blockedReasons.join('\n')).toMatch(reason);
  });

  it('a VM removed from the inventory is named as its restore points last knew it, not by its id', () => {
    const result = planBackup(
      makeOperationsIndex(),
      { scope: vms('web01', 'hv:0191-removed'), consistencyPolicy: 'fallback', passthroughPolicy: 'skip' },
      { now: NOW, newId: makeIdSequence(), lastKnownVmNames: new Map([['hv:0191-removed', 'old-sql']]) },
    );
    expect(result.isRunnable).toBe(false);
    expect(result.blockedReasons).toEqual([
      "VM 'old-sql' is no longer in the inventory: it was removed from it",
    ]);
  });

  it('a host volume with VSS disabled blocks the plan through the planner’s finding', () => {
    const index = makeOperationsIndex((inventory) => {
      const volume = inventory.hostVolumes.find((v) => v.id === 'hv01:D:');
      if (volume) volume.vssEnabled = false;
    });
    const result = plan({ scope: vms('web01') }, index);
    expect(result.isRunnable).toBe(false);
    expect(ruleIds(result)).toContain('HV-HOST-VOLUME-VSS-DISABLED:blocker');
  });
});
