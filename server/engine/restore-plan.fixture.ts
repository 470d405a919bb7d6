/**
 * Shared by the restore-plan tests: points of the operations estate (operations-estate.fixture.ts),
 * two WSB captures of hv02 D:, and planning one request at a fixed time.
 */
import type { InventoryIndex } from './inventory';
import { makeIdSequence, makeOperationsIndex } from './operations-estate.fixture';
import type { RestorePlan } from './plan-types';
import { planRestore, type RestorePlanRequest } from './restore-plan';
import type { RestorePointSummary } from './restore-points';

export const NOW = new Date('2026-03-28T12:00:00Z');
export const HOUR = 3_600_000;

export function point(
  overrides: Partial<RestorePointSummary> & Pick<RestorePointSummary, 'id' | 'vmId'>,
): RestorePointSummary {
  return {
    vmName: overrides.vmId,
    method: 'hyperv-vss',
    consistency: 'application',
    consistencyReason: null,
    captureState: 'online',
    createdAt: new Date(NOW.getTime() - 10 * HOUR),
    hostVolumeId: 'hv01:D:',
    arrayVolumeId: null,
    snapshotId: `snap-${overrides.id}`,
    heldDiskIds: [`${overrides.vmId}-os`],
    missingDiskIds: [],
    sizeBytes: 40 * 1024 ** 3,
    jobId: 'job-nightly',
    expiresAt: null,
    ...overrides,
  };
}

/** Two WSB captures of hv02 D: (10 h and 2 h ago), each with a point per VM. */
export const wsbPoints = [
  point({
    id: 'rp-wsb01-old',
    vmId: 'wsb01',
    method: 'wsb-volume',
    hostVolumeId: 'hv02:D:',
    snapshotId: 'snap-old',
  }),
  point({
    id: 'rp-wsb02-old',
    vmId: 'wsb02',
    method: 'wsb-volume',
    hostVolumeId: 'hv02:D:',
    snapshotId: 'snap-old',
  }),
  point({
    id: 'rp-wsb01-new',
    vmId: 'wsb01',
    method: 'wsb-volume',
    hostVolumeId: 'hv02:D:',
    snapshotId: 'snap-new',
    createdAt: new Date(NOW.getTime() - 2 * HOUR),
  }),
  point({
    id: 'rp-wsb02-new',
    vmId: 'wsb02',
    method: 'wsb-volume',
    hostVolumeId: 'hv02:D:',
    snapshotId: 'snap-new',
    createdAt: new Date(NOW.getTime() - 2 * HOUR),
  }),
];

export function plan(
  target: RestorePointSummary,
  request: Omit<RestorePlanRequest, 'restorePointId'>,
  options: { points?: RestorePointSummary[]; index?: InventoryIndex } = {},
): RestorePlan {
  return planRestore(
    options.index ?? makeOperationsIndex(),
    target,
    { restorePointId: target.id, ...request },
    { now: NOW, pointsOnSameScope: options.points ?? [target], newId: makeIdSequence('staging') },
  );
}
export const ruleIds = (p: RestorePlan) => p.findings.map((f) => `${f.ruleId}:${f.severity}`);
export const keys = (p: RestorePlan) => p.steps.map((step) => step.key);
/** The estate with every VM powered off, for restores that replace a VM. */
export const allOff = () =>
  makeOperationsIndex((inventory) => {
    for (const vm of inventory.vms) vm.powerState = 'off';
  });
