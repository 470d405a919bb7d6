/**
 * Clones of an EqualLogic snapshot that a Hyper-V host reads a VM out of: a backup's copy
 * (`mgw-copy-<restore point>`, exposeSnapshot) and a staged restore's copy-out
 * (`mgw-stage-<staging id>`, stagedLuns). The group has no LUN maps: every volume is an iSCSI
 * target, and its access control records say which initiators may log in. So a clone is given the
 * access records of the live volume (the hosts that run its VMs), and each copy is handed to the
 * host with its target name and the group address, where the host logs in, finds the disk by its
 * NAA id (eql-naa.ts), and logs out again when it dismounts the copy. Deleting the clone withdraws
 * its access records first, then takes it offline (a host still logged in loses it).
 */
import { DriverError } from '../../engine/driver';
import type { CallOptions } from '../call';
import type { ExposedLun } from '../roles';
import { naaFromEqlTarget } from './eql-naa';
import type { EqlOperations } from './eql-operations';

function naaOf(label: string, volume: string, iscsiName: string): string {
  const naa = naaFromEqlTarget(iscsiName);
  if (!naa) {
    throw new DriverError(
      'invalid-state',
      `${label}: the target name of ${volume} ("${iscsiName}") carries no EqualLogic device id`,
      { isRetryable: false },
    );
  }
  return naa;
}

/**
 * Clones the snapshot into `cloneName` (once) and gives the clone the live volume's access
 * records, so the hosts that see the live volume may log in to the copy. A live volume no
 * initiator may log in to has no host to read its copy: refused before anything is made.
 */
export async function cloneForHosts(
  operations: EqlOperations,
  label: string,
  request: { volume: string; snapshotName: string; cloneName: string },
  options: CallOptions,
): Promise<void> {
  const initiators = [
    ...new Set((await operations.accessRecords(request.volume, options)).map((record) => record.initiator)),
  ];
  if (initiators.length === 0) {
    throw new DriverError(
      'invalid-state',
      `${label}: ${request.volume} has no access record with an initiator name, so no host could log in to its copy; add the hosts' initiators to the volume's access records`,
      { isRetryable: false },
    );
  }
  await operations.cloneSnapshot(request.volume, request.snapshotName, request.cloneName, options);
  await operations.grantAccess(request.cloneName, initiators, options);
}

/** The clone as the host finds it: the live volume's NAA id, the clone's, and the target to log in to. */
export async function cloneLun(
  operations: EqlOperations,
  label: string,
  request: { arrayVolumeId: string; volume: string; cloneName: string },
  options: CallOptions,
): Promise<ExposedLun> {
  const live = await operations.volumeInfo(request.volume, options);
  let clone: Awaited<ReturnType<EqlOperations['volumeInfo']>>;
  try {
    clone = await operations.volumeInfo(request.cloneName, options);
  } catch (error) {
    if (error instanceof DriverError && error.faultCode === 'not-found') {
      throw new DriverError(
        'not-found',
        `${label}: the clone ${request.cloneName} of ${request.volume} is gone`,
        { isRetryable: false },
      );
    }
    throw error;
  }
  const portal = await operations.groupAddress(options);
  if (!portal) {
    throw new DriverError('invalid-state', `${label}: grpparams show names no Group-Ipaddress`, {
      isRetryable: false,
    });
  }
  return {
    arrayVolumeId: request.arrayVolumeId,
    sourceNaaId: naaOf(label, request.volume, live.iscsiName),
    naaId: naaOf(label, request.cloneName, clone.iscsiName),
    iscsi: { portal, target: clone.iscsiName },
  };
}
