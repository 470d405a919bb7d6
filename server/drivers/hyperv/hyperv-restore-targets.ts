/**
 * Where a Hyper-V restore writes: the ids of a VM made from the disks, the folder of a path, and the
 * live VM's drives an in-place restore overwrites (checked first: off, no checkpoints, every disk
 * still there). Pure, so the checks are read in one place and the driver stays short.
 */
import type { z } from 'zod';
import { DriverError } from '../../engine/driver';
import type { StoredPoint } from '../roles';
import { diskInventoryId, vmInventoryId } from './hyperv-discovery';
import { type inPlaceSchema, type newVmSchema, powerStateOf, vmStateLabel } from './hyperv-records';

/**
 * The ids a sync reads the new VM by (`hv:<guid>`, its drives by slot), for each point disk by the
 * file it was written to: Hyper-V chooses the slots, so they come from the host's answer.
 */
export function createdVmIds(
  created: z.infer<typeof newVmSchema>,
  targets: Map<string, string>,
): { vmId: string; diskIds: Record<string, string> } {
  const slotOf = new Map(created.HardDrives.map((drive) => [drive.Path.toLowerCase(), drive]));
  const diskIds: Record<string, string> = {};
  for (const [pointDiskId, file] of targets) {
    const drive = slotOf.get(file.toLowerCase());
    if (drive) diskIds[pointDiskId] = diskInventoryId(created.Id, drive);
  }
  return { vmId: vmInventoryId(created.Id), diskIds };
}

/** `D:\Hyper-V\sql01\os.vhdx` → [`D:\Hyper-V\sql01`, `os.vhdx`]. */
export function splitPath(windowsPath: string): [string, string] {
  const index = windowsPath.lastIndexOf('\\');
  return [windowsPath.slice(0, index), windowsPath.slice(index + 1)];
}

/** The live drive each stored disk goes back to, after checking the VM can be overwritten. */
export function inPlaceTargets(
  live: z.infer<typeof inPlaceSchema>,
  point: StoredPoint,
  guid: string,
): Map<string, string> {
  const power = powerStateOf(live);
  if (power !== 'off') {
    throw new DriverError(
      'invalid-state',
      `${live.Name} is ${power ?? `in Hyper-V state ${vmStateLabel(live)}`}: an in-place restore needs it off`,
      {
        isRetryable: false,
      },
    );
  }
  if (live.CheckpointCount > 0) {
    throw new DriverError(
      'invalid-state',
      `${live.Name} has ${live.CheckpointCount} checkpoint(s): overwriting its disks would break their AVHDX chain; remove them first`,
      { isRetryable: false },
    );
  }
  const targets = new Map<string, string>();
  for (const file of point.files) {
    const drive = live.HardDrives.find((candidate) => diskInventoryId(guid, candidate) === file.diskId);
    if (!drive) {
      throw new DriverError(
        'invalid-state',
        `${live.Name} no longer has the disk that was ${file.origin.location} when the point was taken`,
        {
          isRetryable: false,
        },
      );
    }
    targets.set(file.diskId, drive.Path);
  }
  return targets;
}
