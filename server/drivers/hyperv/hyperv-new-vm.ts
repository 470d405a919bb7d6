/**
 * Making a Hyper-V VM of restored disk files, shared by every restore as new (from the repository,
 * from Windows Server Backup's staging, from an array's clone): the VM is made left off, with the
 * original's generation where it is known (its disks must boot the same way), and answered with
 * the ids a sync will read it by.
 */
import type { CallOptions } from '../call';
import type { HypervClient } from './hyperv-client';
import { toDriverError } from './hyperv-errors';
import { newVmSchema } from './hyperv-records';
import { createdVmIds } from './hyperv-restore-targets';

export interface NewVmFromDisks {
  name: string;
  /** 1 or 2; 2 when the original VM is gone and nothing says otherwise. */
  generation: number;
  folder: string;
  /** Point disk id → the file it was written to. */
  targets: Map<string, string>;
}

/** Fixed memory for a restored VM: the operator sizes it before starting it (it is made off). */
const RESTORED_VM_MEMORY_BYTES = 2 * 1024 ** 3;

export async function createVmFromDisks(
  client: HypervClient,
  vm: NewVmFromDisks,
  options: CallOptions,
): Promise<{ vmId: string; diskIds: Record<string, string> }> {
  const params = {
    name: vm.name,
    generation: vm.generation,
    folder: vm.folder,
    memoryBytes: RESTORED_VM_MEMORY_BYTES,
    disks: [...vm.targets.values()],
    start: false,
  };
  try {
    const created = await client.run('new-vm-from-disks', params, newVmSchema, options);
    return createdVmIds(created, vm.targets);
  } catch (error) {
    throw toDriverError(error, `${client.label} new VM ${vm.name}`);
  }
}
