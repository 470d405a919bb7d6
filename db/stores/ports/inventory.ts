/**
 * The inventory port: the estate (hosts, volumes, VMs, disks, arrays), its stored assessments,
 * and the read views the console lists and detail pages show.
 */
import type { Inventory, Vm } from '../../../server/engine/inventory';
import type { NeighbourhoodSeed } from '../../../server/engine/neighbourhood';

/** More starting points of a neighbourhood than VMs (a backup scoped to a volume or a LUN). */
export type { NeighbourhoodSeed };

export type InventorySection = keyof Inventory;
export type InventoryCounts = Record<InventorySection, number>;

export interface InventoryStore {
  /** The whole estate, each section in storage order. Only for work that truly spans the estate. */
  loadInventory(): Promise<Inventory>;
  /**
   * The part of the estate the planners look at for these VMs (unknown ids are skipped): the VMs,
   * their disks and guest volumes, the host volumes / SRs they sit on (with their checkpoint and
   * shadow-storage volumes), the LUNs behind them widened to whole consistency groups, every host
   * volume on those LUNs, the hosts and arrays of all of these, and — closed transitively — every
   * other VM with a disk on any of those volumes or LUNs, with its own disks, guest volumes and
   * storage. Planning over it gives the same plan as planning over the whole estate. Sections
   * keep storage order, like `loadInventory`.
   */
  loadNeighbourhood(vmIds: readonly string[], also?: NeighbourhoodSeed): Promise<Inventory>;
  /** VMs whose name equals one of `names`, ignoring case (a restore as a new VM must not clash). */
  findVmsByName(names: readonly string[]): Promise<Vm[]>;
  countInventory(): Promise<InventoryCounts>;
  isEmpty(): Promise<boolean>;
}
