/**
 * What the kept-snapshot and staged-restore tests of every array (ONTAP, EqualLogic) do alike: a
 * job that keeps its array snapshot, run to its end by a worker; a staged restore started as an
 * operator does (preview, then start with the preview's confirmation text); a fake Hyper-V VM's
 * power state set by name, as someone at the host would.
 */
import { expect } from 'vitest';
import type { BackupPlanRequest } from '../engine/backup-plan';
import type { Harness } from '../jobs/test-harness';
import { createBackupJob, runBackupJobNow } from '../services/backup-job-service';
import { previewRestore, startRestore } from '../services/operations-service';
import { getRestorePoint } from '../services/restore-point-service';
import type { FakeHypervModel } from './hyperv/fake/fake-hyperv-model';
import type { DriverRegistry } from './registry';

type Stores = Parameters<typeof previewRestore>[0];
type Context = Parameters<typeof previewRestore>[1];

export async function startStagedRestore(stores: Stores, ctx: Context, pointId: string, newVmName?: string) {
  const input = { restorePointId: pointId, mode: 'staged' as const, ...(newVmName ? { newVmName } : {}) };
  const plan = await previewRestore(stores, ctx, input);
  return startRestore(stores, ctx, { ...input, confirmation: plan.confirmationText ?? undefined });
}

export function setFakeVmPower(model: FakeHypervModel, name: string, state: number): void {
  const vm = model.state.vms.find((candidate) => candidate.name === name);
  if (vm) vm.state = state;
}

/** A job keeping the last point of each VM, its array snapshot kept on the array. */
export function createKeepingJob(h: Harness, ctx: Context, name: string, request: BackupPlanRequest) {
  return createBackupJob(h.stores, ctx, {
    name,
    request: { ...request, keepArraySnapshot: true },
    schedule: null,
    missedRunPolicy: 'skip',
    retention: { keepLast: 1, daily: 0, weekly: 0, monthly: 0 },
    rpoHours: 26,
    isEnabled: true,
  });
}

/** Runs the job now with a worker on `drivers` until it ends: its outcome, steps and catalogued points. */
export async function runJobToEnd(h: Harness, drivers: DriverRegistry, ctx: Context, jobId: string) {
  const started = await runBackupJobNow(h.stores, ctx, jobId);
  const [done] = await h.tickUntilFinal(h.createWorker({ drivers }), [started.operationId]);
  const steps = await h.stores.operations.steps(started.operationId);
  const pointIds = steps
    .filter((step) => step.kind === 'catalog' && step.status === 'succeeded')
    .map((step) => String((step.resultJson as { restorePointId: string }).restorePointId));
  return { done, steps, pointIds };
}

/** Every point is kept on the array under `name` and offers volume revert, staged and as new. */
export async function expectKeptPointsOfferArrayRestores(h: Harness, pointIds: string[], name: string) {
  for (const id of pointIds) {
    const detail = await getRestorePoint(h.stores, id);
    expect(detail.point).toMatchObject({ locationKind: 'array-snapshot', locationName: name });
    const modes = new Map(detail.restoreModes.map((mode) => [mode.mode, mode]));
    expect(modes.get('volume-revert')?.reason ?? null).toBeNull();
    expect(modes.get('staged')?.reason ?? null).toBeNull();
    expect(modes.get('as-new')?.isAvailable).toBe(true);
  }
}

/**
 * After a staged restore of one VM: its files hold the snapshot's bytes again, and every other file
 * on the volume (`collateral` among them) is byte for byte as `before`; `rewritten` were written
 * after the capture, so keeping them shows the newer writes survived. Maps are path → sha256.
 */
export function expectOnlyVmRestored(
  files: { restored: readonly string[]; collateral: readonly string[]; rewritten: readonly string[] },
  hashes: { atSnapshot: Map<string, string>; before: Map<string, string>; after: Map<string, string> },
) {
  const { atSnapshot, before, after } = hashes;
  for (const file of files.restored) expect(after.get(file)).toBe(atSnapshot.get(file));
  const others = [...before].filter(([file]) => !files.restored.includes(file));
  expect(others.map(([file]) => file)).toEqual(expect.arrayContaining([...files.collateral]));
  for (const [file, hash] of others) expect(after.get(file), file).toBe(hash);
  for (const file of files.rewritten) expect(after.get(file)).not.toBe(atSnapshot.get(file));
}
