/**
 * The memory checkpoint a job keeps on a XenServer pool ("Keep a memory checkpoint on the pool"):
 * `VM.checkpoint` of the step's VM (disks + RAM; the VM pauses briefly), kept on the pool as a
 * restore point of location `pool-snapshot` marked as including memory. Nothing of it is exported:
 * its worth is the revert that resumes the VM as it ran. The task is journalled before the step
 * waits on it, and the checkpoint is named for the run, so a worker that died mid-checkpoint waits
 * on the same task, and one that died after it finds it by name: never a second checkpoint.
 */
import { poolSnapshotKeeper } from '../../drivers/pool-snapshots';
import { poolSnapshotConsistency } from '../../engine/pool-checkpoints';
import { HOUR, type StepHandler } from './context';

export const xenCheckpoint: StepHandler<'xen-checkpoint'> = {
  deadlineMs: 2 * HOUR,
  async run(step) {
    const vmId = step.vmId();
    const { vmName, checkpointName, jobId } = step.params;
    const keeper = poolSnapshotKeeper(await step.drivers.hypervisorForVm(vmId));
    const taken = await keeper.takeCheckpoint(vmId, checkpointName, {
      ...step.call,
      journalKey: `checkpoint:${step.operation.id}:${vmId}`,
    });
    const { consistency, reason } = poolSnapshotConsistency(
      { name: taken.name, isQuiesced: false, includesMemory: true },
      'online',
      vmName,
      'kept on its pool',
    );
    const pointId = `pool-${taken.snapshotId}`;
    // The same write as the pool sync's (insert once; a watcher that catalogued it first gets the
    // job here, so the job's retention prunes it). No host ids: this marks nothing gone.
    await step.stores.restorePoints.recordPoolSnapshots({
      hostIds: [],
      now: step.now(),
      goneReason: '',
      snapshots: [
        {
          snapshotRef: taken.snapshotId,
          snapshotName: taken.name,
          point: {
            id: pointId,
            vmId,
            vmName,
            // Not the operation's: its catalog step's point of the VM is the one (operation, VM) names.
            operationId: null,
            jobId,
            method: 'xen-snapshot',
            consistency,
            consistencyReason: reason,
            captureState: 'online',
            applicationState: null,
            createdAt: taken.takenAt ?? step.now(),
            hostVolumeId: null,
            arrayVolumeId: null,
            snapshotId: taken.snapshotId,
            heldDisksJson: taken.sourceDiskIds,
            missingDisksJson: [],
            isPartial: false,
            sizeBytes: taken.sizeBytes,
            includesMemory: true,
            repositoryPath: '',
          },
        },
      ],
    });
    step.log(
      'info',
      `memory checkpoint "${taken.name}" of ${vmName} kept on its pool (${taken.sourceDiskIds.length} disk(s) and a ${taken.memoryBytes}-byte memory image)`,
    );
    return {
      status: 'succeeded',
      bytes: taken.sizeBytes,
      result: { restorePointId: pointId, snapshot: taken.name, memoryBytes: taken.memoryBytes },
    };
  },
};
