/**
 * Snapshots kept on a XenServer pool as restore points (location `pool-snapshot`): what their
 * consistency is, in words, and how a memory checkpoint Migawka keeps there is named. Pure: the
 * pool sync (services/xapi-pool-points.ts) and the checkpoint step (jobs/steps/pool-checkpoint.ts)
 * both write these points and must say the same of them.
 */
import type { CaptureState, Consistency } from './types';

/** Ends the name of every memory checkpoint a Migawka backup keeps on a pool. */
export const MIGAWKA_CHECKPOINT_SUFFIX = ' (Migawka)';

/** "sql01 memory checkpoint 2026-12-01 02:00 UTC (Migawka)": unique per VM and run, read by operators. */
export function checkpointName(vmName: string, runAt: Date): string {
  const stamp = runAt.toISOString().slice(0, 16).replace('T', ' ');
  return `${vmName} memory checkpoint ${stamp} UTC${MIGAWKA_CHECKPOINT_SUFFIX}`;
}

/** Who took a pool snapshot, read from its name. */
export function takenBy(snapshotName: string): string {
  return snapshotName.endsWith(MIGAWKA_CHECKPOINT_SUFFIX)
    ? 'kept by a Migawka backup'
    : 'taken outside Migawka';
}

/**
 * The consistency a pool snapshot has, and why. A checkpoint holds the RAM too: a revert resumes
 * the VM as it ran, with its unwritten buffers still in memory ("crash-consistent with memory").
 * Its disks alone (what a copy or a new VM made from them would read) are crash-consistent, so the
 * point says `crash` and names the memory it holds, never more than the disks give.
 */
export function poolSnapshotConsistency(
  snapshot: { name: string; isQuiesced: boolean; includesMemory: boolean },
  captureState: CaptureState,
  vmName: string,
  where: string,
): { consistency: Consistency; reason: string } {
  if (snapshot.includesMemory) {
    return {
      consistency: 'crash',
      reason: `a memory checkpoint ${where} ("${snapshot.name}"), ${takenBy(snapshot.name)}: a revert brings ${vmName} back running as it was (crash-consistent with memory); its disks alone are crash-consistent`,
    };
  }
  // A snapshot of a VM that was off holds its disks as they rest: file-system consistent. A running
  // VM's is crash-consistent unless the guest quiesced it (VSS, on releases before 8.1).
  const consistency = snapshot.isQuiesced
    ? 'application'
    : captureState === 'offline'
      ? 'filesystem'
      : 'crash';
  return { consistency, reason: `a snapshot ${where} ("${snapshot.name}"), ${takenBy(snapshot.name)}` };
}
