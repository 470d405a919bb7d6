/**
 * Which driver serves what. Every host and storage array records the connector that manages it
 * (inventory column `connector`, 'lab' by default); the registry looks that up — one narrow query
 * per resolution, never the whole inventory — and hands out the connector's hypervisor or array
 * driver, wrapped so that every call keeps its deadline and cancel (call.ts). The backup
 * repository is one per installation.
 *
 * The runner asks the registry for every step; a new connector registers itself here (see
 * docs/drivers.md, "How to add a connector") and nothing else changes.
 */

import { DriverError } from '../engine/driver';
import { guardDriver } from './call';
import type { ArrayDriver, BackupRepository, HypervisorDriver } from './roles';

/** A host or array as the registry sees it: who it is (for messages) and which connector manages it. */
export interface ManagedObject {
  id: string;
  name: string;
  connector: string;
}

/** The narrow inventory lookups the registry makes (db/stores/sqlite/driver-lookup.ts answers them). */
export interface ConnectorLookup {
  host(hostId: string): Promise<ManagedObject | null>;
  hostOfVm(vmId: string): Promise<ManagedObject | null>;
  hostOfHostVolume(hostVolumeId: string): Promise<ManagedObject | null>;
  array(arrayId: string): Promise<ManagedObject | null>;
  arrayOfArrayVolume(arrayVolumeId: string): Promise<ManagedObject | null>;
}

/** A connector: the roles it can play. A connector without a role cannot manage that kind of object. */
export interface Connector {
  readonly name: string;
  /** The driver for one host (a connector may share one instance across its hosts). */
  hypervisor?(host: ManagedObject): HypervisorDriver;
  array?(array: ManagedObject): ArrayDriver;
}

export interface DriverRegistry {
  hypervisorForHost(hostId: string): Promise<HypervisorDriver>;
  /** The hypervisor driver of the host running the VM. */
  hypervisorForVm(vmId: string): Promise<HypervisorDriver>;
  hypervisorForHostVolume(hostVolumeId: string): Promise<HypervisorDriver>;
  arrayForArray(arrayId: string): Promise<ArrayDriver>;
  arrayForArrayVolume(arrayVolumeId: string): Promise<ArrayDriver>;
  repository(): BackupRepository;
}

export interface DriverRegistryOptions {
  lookup: ConnectorLookup;
  connectors: Connector[];
  repository: BackupRepository;
}

function notInInventory(what: string): DriverError {
  return new DriverError('not-found', `${what} is not in the inventory`, { isRetryable: false });
}

export function createDriverRegistry(options: DriverRegistryOptions): DriverRegistry {
  const connectors = new Map(options.connectors.map((connector) => [connector.name, connector]));
  const installed = [...connectors.keys()].join(', ') || 'none';
  const hypervisors = new Map<string, HypervisorDriver>();
  const arrays = new Map<string, ArrayDriver>();
  const repository = guardDriver(`repository (${options.repository.connector})`, options.repository);

  function connectorFor(object: ManagedObject, kind: 'host' | 'array', role: 'hypervisor' | 'array') {
    const connector = connectors.get(object.connector);
    if (!connector?.[role]) {
      const problem = connector
        ? `connector "${object.connector}" cannot manage ${kind === 'host' ? 'hosts' : 'storage arrays'}`
        : `connector "${object.connector}" is not installed (installed: ${installed})`;
      throw new DriverError('connector-missing', `${kind} ${object.name}: ${problem}`, {
        isRetryable: false,
      });
    }
    return connector;
  }

  function hypervisorOf(host: ManagedObject | null, what: string): HypervisorDriver {
    if (!host) throw notInInventory(what);
    const key = `${host.connector}\u0000${host.id}`;
    let driver = hypervisors.get(key);
    if (!driver) {
      const connector = connectorFor(host, 'host', 'hypervisor');
      driver = guardDriver(
        `${host.connector} hypervisor ${host.name}`,
        connector.hypervisor?.(host) as HypervisorDriver,
      );
      hypervisors.set(key, driver);
    }
    return driver;
  }

  function arrayOf(array: ManagedObject | null, what: string): ArrayDriver {
    if (!array) throw notInInventory(what);
    const key = `${array.connector}\u0000${array.id}`;
    let driver = arrays.get(key);
    if (!driver) {
      const connector = connectorFor(array, 'array', 'array');
      driver = guardDriver(`${array.connector} array ${array.name}`, connector.array?.(array) as ArrayDriver);
      arrays.set(key, driver);
    }
    return driver;
  }

  const { lookup } = options;
  return {
    hypervisorForHost: async (hostId) => hypervisorOf(await lookup.host(hostId), `host ${hostId}`),
    hypervisorForVm: async (vmId) => hypervisorOf(await lookup.hostOfVm(vmId), `VM ${vmId}`),
    hypervisorForHostVolume: async (hostVolumeId) =>
      hypervisorOf(await lookup.hostOfHostVolume(hostVolumeId), `host volume ${hostVolumeId}`),
    arrayForArray: async (arrayId) => arrayOf(await lookup.array(arrayId), `array ${arrayId}`),
    arrayForArrayVolume: async (arrayVolumeId) =>
      arrayOf(await lookup.arrayOfArrayVolume(arrayVolumeId), `array volume ${arrayVolumeId}`),
    repository: () => repository,
  };
}

/** Lookups answered from an in-memory inventory (tests and the in-memory harness). */
export function connectorLookupFromInventory(inventory: {
  hosts: readonly ManagedObject[];
  vms: readonly { id: string; hostId: string }[];
  hostVolumes: readonly { id: string; hostId: string }[];
  arrays: readonly ManagedObject[];
  arrayVolumes: readonly { id: string; arrayId: string }[];
}): ConnectorLookup {
  const managed = (object: ManagedObject | undefined): ManagedObject | null =>
    object ? { id: object.id, name: object.name, connector: object.connector } : null;
  const host = (hostId: string | undefined) =>
    managed(inventory.hosts.find((candidate) => candidate.id === hostId));
  const array = (arrayId: string | undefined) =>
    managed(inventory.arrays.find((candidate) => candidate.id === arrayId));
  return {
    host: async (hostId) => host(hostId),
    hostOfVm: async (vmId) => host(inventory.vms.find((vm) => vm.id === vmId)?.hostId),
    hostOfHostVolume: async (id) => host(inventory.hostVolumes.find((volume) => volume.id === id)?.hostId),
    array: async (arrayId) => array(arrayId),
    arrayOfArrayVolume: async (id) =>
      array(inventory.arrayVolumes.find((volume) => volume.id === id)?.arrayId),
  };
}
