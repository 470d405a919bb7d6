import { describe, expect, it } from 'vitest';
import { describePlan } from './operation-rules';
import { makeOperationsIndex } from './operations-estate.fixture';
import type { RestoreMode } from './plan-types';
import { formatDuration, isConfirmationValid } from './restore-plan';
import { allOff, HOUR, keys, NOW, plan, point, ruleIds } from './restore-plan.fixture';
import { listRestoreModes, type RestorePointSummary } from './restore-points';
import { readStepParams } from './step-params';
import type { BackupMethod } from './types';

const POOL_SNAPSHOT = { kind: 'pool-snapshot', snapshotId: 'xen:5a1e', name: 'before patch' } as const;
const ARRAY_SNAPSHOT = { kind: 'array-snapshot', snapshotId: 'snap-9', name: 'migawka-0301' } as const;

describe('listRestoreModes', () => {
  const available = (method: BackupMethod, vmId: string, extra: Partial<RestorePointSummary> = {}) =>
    listRestoreModes(point({ id: 'rp', vmId, method, ...extra }), makeOperationsIndex())
      .filter((option) => option.isAvailable)
      .map((option) => option.mode);

  it.each<{ method: BackupMethod; vmId: string; extra?: Partial<RestorePointSummary>; modes: RestoreMode[] }>(
    [
      { method: 'hyperv-vss', vmId: 'web01', modes: ['in-place', 'as-new'] },
      { method: 'guest-agent', vmId: 'web01', modes: ['in-place', 'as-new'] },
      // A backup's snapshot is released once copied: nothing on the pool to revert to.
      { method: 'xen-snapshot', vmId: 'xlin01', modes: ['in-place', 'as-new'] },
      { method: 'xen-quiesced', vmId: 'xwin01', modes: ['in-place', 'as-new'] },
      // A snapshot kept on the pool has no copy in the repository: reverted to, or copied by the pool into a new VM.
      {
        method: 'xen-snapshot',
        vmId: 'xlin01',
        extra: { location: POOL_SNAPSHOT },
        modes: ['as-new', 'snapshot-revert'],
      },
      // Deleted on the pool outside Migawka: nothing to restore from.
      {
        method: 'xen-snapshot',
        vmId: 'xlin01',
        extra: { location: POOL_SNAPSHOT, goneReason: 'pool pool-lab no longer lists this snapshot' },
        modes: [],
      },
      {
        method: 'wsb-volume',
        vmId: 'wsb01',
        extra: { hostVolumeId: 'hv02:D:' },
        modes: ['as-new', 'volume-revert', 'staged'],
      },
      // Its array snapshot kept on the array: the array reverts to it or clones it.
      {
        method: 'array-snapshot',
        vmId: 'app01',
        extra: { hostVolumeId: 'hv01:G:', arrayVolumeId: 'lun-shared', location: ARRAY_SNAPSHOT },
        modes: ['as-new', 'volume-revert', 'staged'],
      },
      // Released once its disks were copied: only the repository's copy is left (a real array and the lab alike).
      {
        method: 'array-snapshot',
        vmId: 'app01',
        extra: { hostVolumeId: 'hv01:G:', arrayVolumeId: 'lun-shared' },
        modes: ['as-new'],
      },
      // A kept array snapshot still needs the LUN it was taken of.
      {
        method: 'array-snapshot',
        vmId: 'app01',
        extra: { hostVolumeId: 'hv01:G:', arrayVolumeId: 'lun-gone', location: ARRAY_SNAPSHOT },
        modes: ['as-new', 'staged'],
      },
    ],
  )('$method offers $modes', ({ method, vmId, extra, modes }) => {
    expect(available(method, vmId, extra)).toEqual(modes);
  });

  it.each([
    {
      method: 'wsb-volume' as const,
      description:
        "Copies only wsb01's disks out of the whole-volume capture into a new VM; the volume and the other VMs on it are not touched.",
    },
    {
      method: 'array-snapshot' as const,
      description:
        "Copies only wsb01's disks out of the whole-volume capture into a new VM; the volume and the other VMs on it are not touched.",
    },
    {
      method: 'hyperv-vss' as const,
      description: 'Creates a new VM from the point next to wsb01; nothing existing is touched.',
    },
  ])('as-new from a $method point is described as what it does', ({ method, description }) => {
    const modes = listRestoreModes(
      point({ id: 'rp', vmId: 'wsb01', method, hostVolumeId: 'hv02:D:', arrayVolumeId: 'lun-shared' }),
      makeOperationsIndex(),
    );
    expect(modes.find((option) => option.mode === 'as-new')?.description).toBe(description);
  });

  it('gives the reason for every mode it does not offer', () => {
    const options = listRestoreModes(point({ id: 'rp', vmId: 'web01' }), makeOperationsIndex());
    expect(Object.fromEntries(options.filter((o) => !o.isAvailable).map((o) => [o.mode, o.reason]))).toEqual({
      'snapshot-revert': 'Only XenServer snapshot points can be reverted as a snapshot',
      'volume-revert':
        'Only Windows Server Backup and array snapshot points hold a whole volume; this is a Hyper-V VSS point',
      staged:
        'Only Windows Server Backup and array snapshot points hold a whole volume; this is a Hyper-V VSS point',
    });
    const wsb = listRestoreModes(
      point({ id: 'rp', vmId: 'wsb01', method: 'wsb-volume', hostVolumeId: 'hv02:D:' }),
      makeOperationsIndex(),
    );
    expect(wsb.find((o) => o.mode === 'in-place')?.reason).toBe(
      'Points taken by Windows Server Backup restore whole volumes only; use a staged restore to bring back just wsb01',
    );
  });

  it.each<{ name: string; extra: Partial<RestorePointSummary>; reasons: Record<string, string> }>([
    {
      name: 'released',
      extra: {},
      reasons: {
        'in-place':
          'Points taken by array snapshot restore whole volumes only; restore app01 as a new VM from the copy',
        'volume-revert':
          'The array snapshot of this point was released once its disks were copied into the repository; restore app01 as a new VM from the copy',
        staged:
          'The array snapshot of this point was released once its disks were copied into the repository; restore app01 as a new VM from the copy',
      },
    },
    {
      name: 'kept on the array',
      extra: { location: ARRAY_SNAPSHOT },
      reasons: {
        'in-place':
          'Points taken by array snapshot restore whole volumes only; use a staged restore to bring back just app01',
      },
    },
  ])(
    'an array point whose snapshot was $name says why the array modes are (not) offered',
    ({ extra, reasons }) => {
      const options = listRestoreModes(
        point({
          id: 'rp',
          vmId: 'app01',
          method: 'array-snapshot',
          hostVolumeId: 'hv01:G:',
          arrayVolumeId: 'lun-shared',
          ...extra,
        }),
        makeOperationsIndex(),
      );
      const unavailable = Object.fromEntries(
        options.filter((o) => !o.isAvailable).map((o) => [o.mode, o.reason]),
      );
      expect(unavailable).toEqual({
        'snapshot-revert': 'Only XenServer snapshot points can be reverted as a snapshot',
        ...reasons,
      });
    },
  );

  it('a VM that no longer exists can only come back as a new VM', () => {
    const options = listRestoreModes(
      point({ id: 'rp', vmId: 'gone01', method: 'xen-snapshot' }),
      makeOperationsIndex(),
    );
    expect(options.filter((o) => o.isAvailable).map((o) => o.mode)).toEqual(['as-new']);
    expect(options.find((o) => o.mode === 'in-place')?.reason).toBe(
      'VM gone01 no longer exists; restore it as a new VM',
    );
  });

  it.each<{ method: BackupMethod; vmId: string; extra?: Partial<RestorePointSummary> }>([
    { method: 'hyperv-vss', vmId: 'web01' },
    { method: 'xen-snapshot', vmId: 'xlin01' },
    { method: 'wsb-volume', vmId: 'wsb01', extra: { hostVolumeId: 'hv02:D:' } },
  ])(
    'a $method point of a VM gone from its host restores it as a new VM, never over it',
    ({ method, vmId, extra }) => {
      const index = makeOperationsIndex((inventory) => {
        for (const vm of inventory.vms) if (vm.id === vmId) vm.goneSince = new Date('2026-03-27T10:00:00Z');
      });
      const options = listRestoreModes(point({ id: 'rp', vmId, method, ...extra }), index);
      const asNew = plan(
        point({ id: 'rp', vmId, method, ...extra }),
        { mode: 'as-new', newVmName: `${vmId}-back` },
        { index },
      );
      expect(asNew.blockedReasons).toEqual([]);
      expect(asNew.isRunnable).toBe(true);
      const available = options.filter((o) => o.isAvailable).map((o) => o.mode);
      expect(available).toContain('as-new');
      expect(available).not.toContain('in-place');
      expect(available).not.toContain('snapshot-revert');
      if (method !== 'wsb-volume') {
        const host = index.vmsById.get(vmId)?.hostId;
        expect(options.find((o) => o.mode === 'in-place')?.reason).toBe(
          `VM ${vmId} is gone from ${host} since 2026-03-27 10:00 UTC; restore it as a new VM`,
        );
      }
    },
  );

  it('a volume revert needs the volume to still exist', () => {
    const index = makeOperationsIndex((inventory) => {
      inventory.hostVolumes = inventory.hostVolumes.filter((v) => v.id !== 'hv02:D:');
    });
    const options = listRestoreModes(
      point({ id: 'rp', vmId: 'wsb01', method: 'wsb-volume', hostVolumeId: 'hv02:D:' }),
      index,
    );
    expect(options.find((o) => o.mode === 'volume-revert')?.reason).toBe(
      'The host volume this point was captured from no longer exists',
    );
  });
});

describe('planRestore — VM-level modes', () => {
  it.each<{ estate: string; rename: Record<string, string>; mode: RestoreMode; expected: string | null }>([
    { estate: 'no other VM named off01', rename: {}, mode: 'in-place', expected: 'off01' },
    // wsb01 runs on hv02: the name alone would confirm the overwrite of either.
    {
      estate: 'a VM named off01 on hv02',
      rename: { wsb01: 'off01' },
      mode: 'in-place',
      expected: 'off01 on hv01',
    },
    {
      estate: 'a VM named off01 on hv02',
      rename: { wsb01: 'off01' },
      mode: 'snapshot-revert',
      expected: 'off01 on hv01',
    },
    { estate: 'a VM named OFF01 on hv02', rename: { wsb01: 'OFF01' }, mode: 'in-place', expected: 'off01' },
    { estate: 'a VM named off01 on hv02', rename: { wsb01: 'off01' }, mode: 'as-new', expected: null },
  ])('$mode with $estate asks to type $expected', ({ rename, mode, expected }) => {
    const index = makeOperationsIndex((inventory) => {
      for (const vm of inventory.vms) {
        vm.powerState = 'off';
        vm.name = rename[vm.id] ?? vm.name;
      }
    });
    const request =
      mode === 'as-new' ? { mode, newVmName: 'off01-copy' } : { mode, confirmation: expected ?? '' };
    const result = plan(point({ id: 'rp-off01', vmId: 'off01' }), request, { index });
    expect(result.confirmationText).toBe(expected);
    if (expected === null) return;
    // The bare name no longer confirms the overwrite when a namesake exists.
    const bare = plan(point({ id: 'rp-off01', vmId: 'off01' }), { mode, confirmation: 'off01' }, { index });
    expect(bare.isRunnable).toBe(expected === 'off01');
  });

  it('in-place: verify the point, check power, restore, verify; confirmation is the VM name', () => {
    const result = plan(point({ id: 'rp-off01', vmId: 'off01' }), {
      mode: 'in-place',
      confirmation: 'off01',
    });
    expect(result.isRunnable, result.blockedReasons.join('\n')).toBe(true);
    expect(keys(result)).toEqual(['verify-point', 'power-off-check', 'restore-disks', 'verify-restored']);
    expect(readStepParams(result.steps[2], 'restore-disks')).toEqual({
      restorePointId: 'rp-off01',
      target: 'in-place',
      newVmName: null,
    });
    expect(result.confirmationText).toBe('off01');
    // The impact says what the restored VM itself loses, not only what its neighbours lose.
    expect(result.findings.map((f) => f.message)).toEqual([
      'off01 loses every change made since the point: 10 h of its work (since 2026-03-28T02:00:00.000Z)',
    ]);
    expect(result.collateral).toEqual([]);
    expect(result.lockKeys).toEqual(['vm:off01', 'point:rp-off01']);
    expect(result.hostIds).toEqual(['hv01']);
  });

  it('in-place on a running VM is blocked by RESTORE-VM-RUNNING', () => {
    const result = plan(point({ id: 'rp', vmId: 'web01' }), { mode: 'in-place', confirmation: 'web01' });
    expect(result.isRunnable).toBe(false);
    expect(ruleIds(result)).toEqual(['RESTORE-VM-RUNNING:blocker', 'RESTORE-TARGET-LOSES-CHANGES:warning']);
    expect(result.blockedReasons[0]).toMatch(
      /VM web01 is running; an in-place restore would overwrite a live VM/,
    ); // The remedy is the VM's own hypervisor's command, not both.
    const running = result.findings.find((finding) => finding.ruleId === 'RESTORE-VM-RUNNING');
    expect(running?.remedy).toBe(
      "Shut down web01 first (Stop-VM -Name 'web01' on its Hyper-V host), or restore it as a new VM.",
    );
  });

  it('as-new touches nothing: no confirmation, no power check', () => {
    const result = plan(point({ id: 'rp', vmId: 'web01' }), { mode: 'as-new', newVmName: 'web01-restored' });
    expect(result.isRunnable).toBe(true);
    expect(result.confirmationText).toBeNull();
    expect(keys(result)).toEqual(['verify-point', 'restore-disks', 'verify-restored']);
    expect(result.steps[1].params).toMatchObject({
      restorePointId: 'rp',
      target: 'as-new',
      newVmName: 'web01-restored',
    });
  });

  it.each([
    { name: 'no name', newVmName: undefined, reason: 'Name the new VM' },
    {
      name: 'a name already taken',
      newVmName: 'WEB01',
      reason: 'A VM named "web01" already exists; choose another name for the restored VM',
    },
  ])('as-new with $name is blocked', ({ newVmName, reason }) => {
    const result = plan(point({ id: 'rp', vmId: 'web01' }), { mode: 'as-new', newVmName });
    expect(result.isRunnable).toBe(false);
    expect(result.blockedReasons).toContain(reason);
  });

  it('a point kept on the pool says why each other mode is not offered, and why a gone one offers none', () => {
    const reasons = (extra: Partial<RestorePointSummary>) =>
      Object.fromEntries(
        listRestoreModes(
          point({ id: 'rp', vmId: 'xlin01', method: 'xen-snapshot', ...extra }),
          makeOperationsIndex(),
        )
          .filter((option) => !option.isAvailable)
          .map((option) => [option.mode, option.reason]),
      );
    expect(reasons({ location: POOL_SNAPSHOT })['in-place']).toBe(
      `The point is snapshot "before patch" kept on xlin01's pool, with no copy in the repository; revert xlin01 to it (snapshot revert) or restore it as a new VM from the snapshot`,
    );
    expect(reasons({ location: POOL_SNAPSHOT })['as-new']).toBeUndefined();
    expect(reasons({})['snapshot-revert']).toBe(
      'The snapshot of this point was released once copied into the repository; restore xlin01 in place instead',
    );
    expect(reasons({ location: POOL_SNAPSHOT, goneReason: 'deleted on the pool' })['snapshot-revert']).toBe(
      "The point's data is gone: deleted on the pool",
    );
  });

  it('snapshot revert to a snapshot kept on the pool: verify it live, check power, revert, power; newer points are kept', () => {
    const target = point({
      id: 'rp-1',
      vmId: 'xlin01',
      method: 'xen-snapshot',
      consistency: 'crash',
      createdAt: new Date(NOW.getTime() - 30 * HOUR),
      location: POOL_SNAPSHOT,
    });
    const newer = point({
      id: 'rp-2',
      vmId: 'xlin01',
      method: 'xen-snapshot',
      createdAt: new Date(NOW.getTime() - 5 * HOUR),
    });
    const result = plan(
      target,
      { mode: 'snapshot-revert', confirmation: 'xlin01' },
      { points: [target, newer], index: allOff() },
    );
    expect(result.isRunnable, result.blockedReasons.join('\n')).toBe(true);
    // VM.revert leaves the pool's other snapshots, and the repository's points, as they are.
    expect(result.discardedPointIds).toEqual([]);
    expect(ruleIds(result)).toEqual([
      'RESTORE-CRASH-CONSISTENT:warning',
      'RESTORE-TARGET-LOSES-CHANGES:warning',
    ]);
    expect(result.findings[1].message).toMatch(
      /^xlin01 loses every change made since the point: 1 d 6 h of its work/,
    );
    expect(result.confirmationText).toBe('xlin01');
    expect(keys(result)).toEqual([
      'verify-point',
      'power-off-check',
      'revert-pool-snapshot',
      'restore-power-state',
    ]);
    expect(result.steps[2]).toMatchObject({
      title: 'Revert xlin01 to its snapshot "before patch" on the pool',
      params: { restorePointId: 'rp-1', snapshotId: 'xen:5a1e' },
    });
    // Running now: refused, as an in-place restore is; the revert never stops a live VM unasked.
    const running = plan(target, { mode: 'snapshot-revert', confirmation: 'xlin01' }, { points: [target] });
    expect(running.blockedReasons.join('\n') + ruleIds(running).join(',')).toMatch(
      /RESTORE-VM-RUNNING:blocker/,
    );
  });

  it('as new from a snapshot kept on the pool: the pool copies it, nothing existing is touched, even a running VM', () => {
    const target = point({ id: 'rp-1', vmId: 'xlin01', method: 'xen-snapshot', location: POOL_SNAPSHOT });
    const result = plan(
      target,
      { mode: 'as-new', newVmName: 'xlin01-copy', powerOnAfterRestore: true },
      { points: [target] },
    );
    expect(result.isRunnable, result.blockedReasons.join('\n')).toBe(true);
    expect(result.confirmationText).toBeNull();
    expect(ruleIds(result)).not.toContain('RESTORE-VM-RUNNING:blocker');
    expect(keys(result)).toEqual(['verify-point', 'copy-pool-snapshot', 'verify-restored']);
    expect(result.steps[1]).toMatchObject({
      title:
        'Copy snapshot "before patch" into new VM xlin01-copy on the pool, powered on; xlin01 and the snapshot are not touched',
      params: { restorePointId: 'rp-1', snapshotId: 'xen:5a1e', newVmName: 'xlin01-copy', powerOn: true },
    });
    expect(result.steps[2]?.params).toEqual({ restoreStepKeys: ['copy-pool-snapshot'] });
    expect(
      listRestoreModes(target, makeOperationsIndex()).find((option) => option.mode === 'as-new')?.description,
    ).toMatch(
      /into a new VM \(full copies of its disks\); nothing existing is touched: xlin01 and the snapshot stay as they are\.$/,
    );
  });

  it('a crash-consistent point says why it is crash-consistent', () => {
    const result = plan(
      point({
        id: 'rp',
        vmId: 'web01',
        consistency: 'crash',
        consistencyReason: 'fallback: guest freeze timed out after 60 s',
      }),
      { mode: 'as-new', newVmName: 'web01-copy' },
    );
    expect(result.findings[0].message).toMatch(
      /crash-consistent \(fallback: guest freeze timed out after 60 s\)/,
    );
  });

  it.each([
    [
      'as a new VM, the new VM has no such disk',
      { mode: 'as-new', newVmName: 'file01-copy' } as const,
      /the restored VM gets no such disk/,
    ],
    [
      'in place, the disk is not brought back and keeps its current contents',
      { mode: 'in-place', confirmation: 'file01' } as const,
      /restoring in place does not bring that disk back: it keeps its current contents, newer than the restored disks/,
    ],
  ])('a partial point (no pass-through disk) restored %s', (_, request, consequence) => {
    const result = plan(
      point({ id: 'rp', vmId: 'file01', heldDiskIds: ['file01-os'], missingDiskIds: ['file01-pt'] }),
      request,
    );
    const finding = result.findings.find((f) => f.ruleId === 'RESTORE-POINT-PARTIAL');
    expect(finding?.severity).toBe('warning');
    expect(finding?.message).toMatch(/^The point is partial: it holds 1 of 2 disks of file01 and not /);
    expect(finding?.message).toMatch(consequence);
    // The step that writes the data back carries the same words: its warning once it has run.
    const restore = result.steps.find((step) => step.kind === 'restore-disks');
    expect(restore?.params.shortfall).toBe(finding?.message);
    expect(result.steps.filter((step) => step.params.shortfall !== undefined)).toEqual([restore]);
  });

  it('a complete point: no step of its restore carries a shortfall', () => {
    const result = plan(point({ id: 'rp', vmId: 'web01' }), { mode: 'as-new', newVmName: 'web01-copy' });
    expect(result.steps.some((step) => 'shortfall' in step.params)).toBe(false);
  });

  it('a mode the point does not offer is a blocker with the reason', () => {
    const result = plan(point({ id: 'rp', vmId: 'web01' }), { mode: 'volume-revert', confirmation: 'D:' });
    expect(result.isRunnable).toBe(false);
    expect(result.blockedReasons[0]).toBe(
      'Reverting the whole volume is not available for this point: Only Windows Server Backup and array snapshot points hold a whole volume; this is a Hyper-V VSS point',
    );
  });
});

describe('isConfirmationValid / formatDuration', () => {
  it.each([
    { expected: null, text: undefined, isValid: true },
    { expected: 'D:', text: 'D:', isValid: true },
    { expected: 'D:', text: '  D: ', isValid: true },
    { expected: 'D:', text: 'd:', isValid: false },
    { expected: 'D:', text: undefined, isValid: false },
  ])('"$text" for $expected → $isValid', ({ expected, text, isValid }) => {
    expect(isConfirmationValid({ confirmationText: expected }, text)).toBe(isValid);
  });

  it.each([
    { ms: 45_000, text: '45 s' },
    { ms: 5 * 60_000, text: '5 min' },
    { ms: 2 * HOUR + 15 * 60_000, text: '2 h 15 min' },
    { ms: 76 * HOUR, text: '3 d 4 h' },
  ])('$ms ms → $text', ({ ms, text }) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('restore titles', () => {
  it.each<[RestoreMode, string]>([
    ['as-new', 'Restore as a new VM from the 2026-03-28 11:00 UTC point of web01'],
    ['staged', 'Staged restore from the 2026-03-28 11:00 UTC point of web01'],
    ['in-place', 'Restore in place from the 2026-03-28 11:00 UTC point of web01'],
    ['snapshot-revert', 'Revert the VM to the 2026-03-28 11:00 UTC point of web01'],
    ['volume-revert', 'Revert the whole volume to the 2026-03-28 11:00 UTC point of web01'],
  ])('a %s restore is titled in words, naming its point by VM and time', (mode, title) => {
    const target = point({ id: 'rp-web01', vmId: 'web01', createdAt: new Date(NOW.getTime() - HOUR) });
    expect(describePlan(plan(target, { mode, newVmName: 'web01-restored', confirmation: 'web01' }))).toBe(
      title,
    );
  });
});
