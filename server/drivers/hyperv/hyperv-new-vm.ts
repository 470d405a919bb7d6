/**
 * Making a Hyper-V VM of restored disk files, shared by every restore as new (from the repository,
 * from Windows Server Backup's staging, from an array's clone): the VM is made left off unless the
 * restore asks to start it, with the original's generation where it is known (its disks must boot
 * the same way), and answered with the ids a sync will read it by and the state it is in.
 */
import type { PowerState } from '../../engine/inventory';
import type { CallOptions } from '../call';
import type { HypervClient } from './hyperv-client';
import { toDriverError } from './hyperv-errors';
import { newVmSchema, powerStateOf } from './hyperv-records';
import { createdVmIds } from './hyperv-restore-targets';

export interface NewVmFromDisks {
  name: string;
  /** 1 or 2; 2 when the original VM is gone and nothing says otherwise. */
  generation: number;
  folder: string;
  /** Point disk id → the file it was written to. */
  targets: Map<string, string>;
  /** Start it once made (Start-VM); absent: left off. */
  start?: boolean;
}

/** Fixed memory for a restored VM: the operator sizes it (before starting it, unless asked to start). */
const RESTORED_VM_MEMORY_BYTES = 2 * 1024 ** 3;

export async function createVmFromDisks(
  client: HypervClient,
  vm: NewVmFromDisks,
  options: CallOptions,
): Promise<{ vmId: string; diskIds: Record<string, string>; powerState: PowerState | undefined }> {
  const params = {
    name: vm.name,
    generation: vm.generation,
    folder: vm.folder,
    memoryBytes: RESTORED_VM_MEMORY_BYTES,
    disks: [...vm.targets.values()],
    start: vm.start === true,
  };
  try {
    const created = await client.run('new-vm-from-disks', params, newVmSchema, options);
    // The state the host answered after making (and starting) it; a value it does not know is unread.
    return { ...createdVmIds(created, vm.targets), powerState: powerStateOf(created) };
  } catch (error) {
    throw toDriverError(error, `${client.label} new VM ${vm.name}`);
  }
}
