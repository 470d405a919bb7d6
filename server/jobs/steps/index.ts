/**
 * The handler of every step kind. The mapped type makes the table exhaustive: a new StepKind does
 * not compile until it has a handler here, so a new capture method is a planner stage plus a
 * handler file, nothing else.
 */
import type { StepKind } from '../../engine/plan-types';
import { arraySnapshot } from './array-snapshot';
import { catalog } from './catalog';
import type { StepHandler } from './context';
import { agentCopy, copyToRepository } from './copies';
import {
  check,
  flushHostIo,
  guestFreeze,
  guestThaw,
  postThawScript,
  powerOffCheck,
  preFreezeScript,
  resume,
  saveState,
} from './guest';
import { applyRetention, deletePointStep, discardNewerPoints, verifyPoint } from './points';
import { xenCheckpoint } from './pool-checkpoint';
import { copyPoolSnapshot, restorePowerState, revertPoolSnapshot } from './pool-points';
import {
  copyOutVm,
  discardStaging,
  restoreDisks,
  revertVolume,
  stageVolume,
  verifyRestored,
} from './restores';
import { releaseSnapshot, vssSnapshot, xenSnapshot } from './snapshots';

export const STEP_HANDLERS: { readonly [K in StepKind]: StepHandler<K> } = {
  // backup
  check,
  'pre-freeze-script': preFreezeScript,
  'save-state': saveState,
  'guest-freeze': guestFreeze,
  'flush-host-io': flushHostIo,
  'vss-snapshot': vssSnapshot,
  'xen-snapshot': xenSnapshot,
  'array-snapshot': arraySnapshot,
  'guest-thaw': guestThaw,
  'post-thaw-script': postThawScript,
  resume,
  'copy-to-repository': copyToRepository,
  'release-snapshot': releaseSnapshot,
  catalog,
  'xen-checkpoint': xenCheckpoint,
  'apply-retention': applyRetention,
  'agent-copy': agentCopy,
  // restore
  'verify-point': verifyPoint,
  'power-off-check': powerOffCheck,
  'restore-disks': restoreDisks,
  'revert-volume': revertVolume,
  'revert-pool-snapshot': revertPoolSnapshot,
  'restore-power-state': restorePowerState,
  'copy-pool-snapshot': copyPoolSnapshot,
  'stage-volume': stageVolume,
  'copy-out-vm': copyOutVm,
  'discard-staging': discardStaging,
  'verify-restored': verifyRestored,
  'discard-newer-points': discardNewerPoints,
  // stored points
  'delete-point': deletePointStep,
};

export type { StepContext, StepHandler, StepRun, StepStores } from './context';
