/**
 * The embedded lab connector: the three driver roles over real files (layout.ts), with a live
 * workload per running VM (workload.ts), injected faults (faults.ts) and a sandbox for guest
 * scripts (guest-script.ts). Everything an operation does here can be measured afterwards: hashes
 * in manifests, torn or clean application state, files really rolled back.
 *
 * One `LabDriver` serves every host and array whose connector is `lab` and is the default backup
 * repository; the registry (../registry.ts) hands its roles out.
 */
import type { InventoryIndex } from '../../engine/inventory';
import type { Connector } from '../registry';
import { LabArray } from './lab-array';
import { LabHypervisor } from './lab-hypervisor';
import { LabRepository } from './lab-repository';
import { type LabInventory, type LabOptions, LabWorld } from './lab-world';

export type { LabInventory, LabOptions } from './lab-world';

export class LabDriver implements Connector {
  readonly name = 'lab';
  readonly hypervisorRole: LabHypervisor;
  readonly arrayRole: LabArray;
  readonly repository: LabRepository;
  private readonly world: LabWorld;

  constructor(options: LabOptions) {
    this.world = new LabWorld(options);
    this.hypervisorRole = new LabHypervisor(this.world);
    this.arrayRole = new LabArray(this.world);
    this.repository = new LabRepository(this.world);
  }

  /** Every lab host shares one hypervisor role (the lab is one folder). */
  hypervisor(): LabHypervisor {
    return this.hypervisorRole;
  }

  array(): LabArray {
    return this.arrayRole;
  }

  get root(): string {
    return this.world.root;
  }

  get faults() {
    return this.world.faults;
  }

  /** Turns workloads on and starts them (the process that runs the worker calls this once). */
  enableWorkloads(): Promise<void> {
    return this.world.enableWorkloads();
  }

  /** Starts the workloads of the VMs whose files exist (a restarted process resumes writing). */
  start(): Promise<void> {
    return this.world.start();
  }

  /** Stops every workload after its in-flight transaction (graceful shutdown, end of a test). */
  stop(): void {
    this.world.stop();
  }

  /** Absolute paths of a VM's live disks, created on first use. */
  ensureVm(vmId: string): Promise<string[]> {
    return this.world.ensureVm(vmId);
  }

  liveDiskFile(diskId: string): Promise<string> {
    return this.world.liveDiskFile(diskId);
  }

  isWorkloadWriting(vmId: string): boolean {
    return this.world.isWorkloadWriting(vmId);
  }

  /** Tests: hold the VM's workload mid-transaction until the returned release() (workload.ts). */
  holdWorkloadMidTransaction(vmId: string): () => void {
    return this.world.holdWorkloadMidTransaction(vmId);
  }
}

/** Lab lookups answered from an in-memory inventory (tests; a provider may swap the index). */
export function labInventoryFromIndex(index: InventoryIndex | (() => InventoryIndex)): LabInventory {
  const current = typeof index === 'function' ? index : () => index;
  const disksById = new WeakMap<
    InventoryIndex,
    Map<string, InventoryIndex['inventory']['virtualDisks'][number]>
  >();
  const diskMap = () => {
    const value = current();
    let map = disksById.get(value);
    if (!map) {
      map = new Map(value.inventory.virtualDisks.map((disk) => [disk.id, disk]));
      disksById.set(value, map);
    }
    return map;
  };
  return {
    async vm(vmId) {
      const vm = current().vmsById.get(vmId);
      return vm ? { id: vm.id, name: vm.name, powerState: vm.powerState } : null;
    },
    async disksOfVm(vmId) {
      return current().disksByVm.get(vmId) ?? [];
    },
    async disks(diskIds) {
      const map = diskMap();
      return diskIds.flatMap((id) => map.get(id) ?? []);
    },
    async arrayVolumeOfHostVolume(hostVolumeId) {
      return current().hostVolumesById.get(hostVolumeId)?.arrayVolumeId ?? null;
    },
  };
}
