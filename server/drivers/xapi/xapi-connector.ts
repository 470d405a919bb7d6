/**
 * The `xapi` connector: the hypervisor role for every host of the XAPI pools this installation is
 * connected to. A host belongs to the pool whose discovery listed it (`PoolWatcher` syncs keep the
 * map current); one client, hence one session, per pool serves all of its hosts.
 */
import { DriverError } from '../../engine/driver';
import type { Connector, ManagedObject } from '../registry';
import type { HypervisorDriver } from '../roles';
import type { XapiClient } from './xapi-client';
import { XAPI_CONNECTOR } from './xapi-discovery';
import type { XenSshAccess } from './xapi-guest-hook';
import { XapiHypervisor } from './xapi-hypervisor';
import { XapiPoolSnapshots } from './xapi-pool-snapshots';

export interface ConnectedPool {
  /** The pool's name as the console shows it. */
  name: string;
  client: XapiClient;
  /** Inventory ids (`xen:<uuid>`) of the pool's hosts, as its last discovery saw them. */
  hostIds: ReadonlySet<string>;
  /** The pool's guest and dom0 SSH accounts (guest hook, host flush); absent when none is set. */
  ssh?: XenSshAccess;
}

export class XapiConnector implements Connector {
  readonly name = XAPI_CONNECTOR;
  private readonly drivers = new WeakMap<XapiClient, XapiHypervisor>();
  private readonly snapshots = new WeakMap<XapiClient, XapiPoolSnapshots>();

  constructor(private readonly pools: () => readonly ConnectedPool[]) {}

  /**
   * The registry keeps the driver it is given per host, so this one finds the host's pool at each
   * call, not once: a pool removed, reconnected (new address or account, hence a new client) or a
   * host moved to another pool takes effect at the next call.
   */
  hypervisor(host: ManagedObject): HypervisorDriver {
    const base = { connector: XAPI_CONNECTOR } as HypervisorDriver;
    return new Proxy(base, {
      get: (target, property) => {
        if (typeof property !== 'string' || property === 'constructor') return Reflect.get(target, property);
        // The pool-snapshot role (server/drivers/pool-snapshots.ts) rides on the same driver.
        const role =
          property in XapiHypervisor.prototype
            ? 'hypervisor'
            : property in XapiPoolSnapshots.prototype
              ? 'snapshots'
              : null;
        if (role === null) return Reflect.get(target, property);
        return async (...args: unknown[]) => {
          const driver = role === 'hypervisor' ? this.driverFor(host) : this.snapshotsFor(host);
          return Reflect.apply(Reflect.get(driver, property) as (...a: unknown[]) => unknown, driver, args);
        };
      },
    });
  }

  private snapshotsFor(host: ManagedObject): XapiPoolSnapshots {
    const client = this.poolOf(host).client;
    let snapshots = this.snapshots.get(client);
    if (!snapshots) {
      snapshots = new XapiPoolSnapshots(client);
      this.snapshots.set(client, snapshots);
    }
    return snapshots;
  }

  private driverFor(host: ManagedObject): XapiHypervisor {
    const pool = this.poolOf(host);
    let driver = this.drivers.get(pool.client);
    if (!driver) {
      driver = new XapiHypervisor(pool.client, pool.ssh);
      this.drivers.set(pool.client, driver);
    }
    return driver;
  }

  private poolOf(host: ManagedObject): ConnectedPool {
    const pool = this.pools().find((candidate) => candidate.hostIds.has(host.id));
    if (!pool) {
      const connected =
        this.pools()
          .map((candidate) => candidate.name)
          .join(', ') || 'none';
      throw new DriverError(
        'connector-missing',
        `host ${host.name} is not in any connected XAPI pool (connected: ${connected}); add its pool or rediscover`,
        { isRetryable: false },
      );
    }
    return pool;
  }
}
