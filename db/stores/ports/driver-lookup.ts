/**
 * The lookups drivers make while they run: which connector manages the host of a VM or the array
 * of a LUN (the driver registry), and the few facts about one VM the lab connector needs. Each
 * answers for the objects one driver call touches — by primary key or an indexed column — so a
 * worker never loads (or caches) the whole inventory to run a step.
 */
import type { PowerState, VirtualDisk } from '../../../server/engine/inventory';

/** A host or array with the connector that manages it. */
export interface ConnectorManaged {
  id: string;
  name: string;
  connector: string;
}

export interface DriverLookupStore {
  host(hostId: string): Promise<ConnectorManaged | null>;
  hostOfVm(vmId: string): Promise<ConnectorManaged | null>;
  hostOfHostVolume(hostVolumeId: string): Promise<ConnectorManaged | null>;
  array(arrayId: string): Promise<ConnectorManaged | null>;
  arrayOfArrayVolume(arrayVolumeId: string): Promise<ConnectorManaged | null>;
  vm(vmId: string): Promise<{ id: string; name: string; powerState: PowerState } | null>;
  disksOfVm(vmId: string): Promise<VirtualDisk[]>;
  /** The disks that exist among `diskIds` (unknown ids are left out). */
  disks(diskIds: string[]): Promise<VirtualDisk[]>;
  arrayVolumeOfHostVolume(hostVolumeId: string): Promise<string | null>;
}
