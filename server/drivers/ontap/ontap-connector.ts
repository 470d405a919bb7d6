/**
 * The `ontap` connector: the array role for every ONTAP cluster this installation is connected to.
 * The registry asks for a driver by the inventory's array; the cluster serving it is looked up at
 * each call, so a reconnected cluster (new address, account or certificate: a new client) takes
 * effect at the next call without a restart.
 */
import { DriverError } from '../../engine/driver';
import type { Connector, ManagedObject } from '../registry';
import type { ArrayDriver } from '../roles';
import { OntapArray } from './ontap-array';
import type { OntapClient } from './ontap-client';
import { ONTAP_CONNECTOR } from './ontap-discovery';

export interface ConnectedCluster {
  /** The connection's name as the console shows it. */
  name: string;
  /** Inventory id of the array its discovery wrote. */
  arrayId: string;
  client: OntapClient;
  stagingIgroup: string;
}

export class OntapConnector implements Connector {
  readonly name = ONTAP_CONNECTOR;
  private readonly drivers = new WeakMap<OntapClient, OntapArray>();

  constructor(private readonly clusters: () => readonly ConnectedCluster[]) {}

  array(array: ManagedObject): ArrayDriver {
    const base = { connector: ONTAP_CONNECTOR } as ArrayDriver;
    return new Proxy(base, {
      get: (target, property) => {
        if (
          typeof property !== 'string' ||
          !(property in OntapArray.prototype) ||
          property === 'constructor'
        ) {
          return Reflect.get(target, property);
        }
        return async (...args: unknown[]) => {
          const driver = this.driverFor(array);
          return Reflect.apply(Reflect.get(driver, property) as (...a: unknown[]) => unknown, driver, args);
        };
      },
    });
  }

  private driverFor(array: ManagedObject): OntapArray {
    const cluster = this.clusters().find((candidate) => candidate.arrayId === array.id);
    if (!cluster) {
      const connected =
        this.clusters()
          .map((candidate) => candidate.name)
          .join(', ') || 'none';
      throw new DriverError(
        'connector-missing',
        `array ${array.name} is not behind any ONTAP connection (connected: ${connected}); add it or rediscover`,
        { isRetryable: false },
      );
    }
    let driver = this.drivers.get(cluster.client);
    if (!driver) {
      driver = new OntapArray({
        client: cluster.client,
        arrayId: cluster.arrayId,
        stagingIgroup: cluster.stagingIgroup,
      });
      this.drivers.set(cluster.client, driver);
    }
    return driver;
  }
}

/** Resolves the cluster serving an array (the store: the connection whose discovery wrote it). */
export type ConnectedClusterLookup = (arrayId: string) => Promise<ConnectedCluster | null>;

/**
 * The connector of the process's registry: the registry asks for a driver synchronously, the
 * store answers asynchronously, so each call resolves the array's connection first (a connection
 * added or rediscovered later is found without a restart).
 */
export function createStoredOntapConnector(lookup: ConnectedClusterLookup): Connector {
  const drivers = new WeakMap<OntapClient, OntapArray>();
  return {
    name: ONTAP_CONNECTOR,
    array(array: ManagedObject): ArrayDriver {
      const base = { connector: ONTAP_CONNECTOR } as ArrayDriver;
      return new Proxy(base, {
        get: (target, property) => {
          if (
            typeof property !== 'string' ||
            !(property in OntapArray.prototype) ||
            property === 'constructor'
          ) {
            return Reflect.get(target, property);
          }
          return async (...args: unknown[]) => {
            const cluster = await lookup(array.id);
            if (!cluster) {
              throw new DriverError(
                'connector-missing',
                `array ${array.name} is not behind any ONTAP connection; add it or run its discovery again`,
                { isRetryable: false },
              );
            }
            let driver = drivers.get(cluster.client);
            if (!driver) {
              driver = new OntapArray({
                client: cluster.client,
                arrayId: cluster.arrayId,
                stagingIgroup: cluster.stagingIgroup,
              });
              drivers.set(cluster.client, driver);
            }
            return Reflect.apply(Reflect.get(driver, property) as (...a: unknown[]) => unknown, driver, args);
          };
        },
      });
    },
  };
}
