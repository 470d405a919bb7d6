/**
 * The `hyperv` connector: the hypervisor role for every Hyper-V host an admin connected. A host
 * belongs to the connection whose sync listed it; one client (one SSH connection, one concurrency
 * limit) per connection serves it.
 *
 * Two ways to know the connections: a fixed list (`HypervConnector`, tests), or a lookup by host
 * id made at the first call of each driver method (`createStoredHypervConnector`, the process's
 * registry), because the registry asks for a driver synchronously and the store answers async.
 */
import { DriverError } from '../../engine/driver';
import type { Connector, ManagedObject } from '../registry';
import type { HypervisorDriver } from '../roles';
import type { HypervClient } from './hyperv-client';
import { type GuestCredential, HYPERV_CONNECTOR } from './hyperv-discovery';
import { HypervHypervisor } from './hyperv-hypervisor';

export interface ConnectedHost {
  /** The connection's name as the console shows it. */
  name: string;
  client: HypervClient;
  guestCredential: () => Promise<GuestCredential | null>;
  /** Windows Server Backup's target on the host (`E:`, `\\server\share`); absent: WSB calls fail saying so. */
  wsbBackupTarget?: () => Promise<string | null>;
  /** Inventory id of the host (`hv-host:<computer>`) as its last sync saw it. */
  hostId: string;
}

export class HypervConnector implements Connector {
  readonly name = HYPERV_CONNECTOR;
  private readonly drivers = new Map<string, HypervHypervisor>();

  constructor(private readonly hosts: () => readonly ConnectedHost[]) {}

  hypervisor(host: ManagedObject): HypervisorDriver {
    const connected = this.hosts().find((candidate) => candidate.hostId === host.id);
    if (!connected) {
      const names =
        this.hosts()
          .map((candidate) => candidate.name)
          .join(', ') || 'none';
      throw new DriverError(
        'connector-missing',
        `host ${host.name} is not behind any Hyper-V connection (connected: ${names}); add it or sync again`,
        { isRetryable: false },
      );
    }
    let driver = this.drivers.get(connected.name);
    if (!driver) {
      driver = new HypervHypervisor({
        client: connected.client,
        guestCredential: connected.guestCredential,
        wsbBackupTarget: connected.wsbBackupTarget,
      });
      this.drivers.set(connected.name, driver);
    }
    return driver;
  }
}

/** Resolves the connection serving a host (the store: the one whose last sync saw it). */
export type ConnectedHostLookup = (hostId: string) => Promise<ConnectedHost | null>;

/**
 * The connector of the process's registry: each driver resolves the connection serving its host at
 * every call, not once. An admin may disconnect a host and connect it again (another address,
 * another account) while the process runs: a driver kept from the first connection would send every
 * later step to a host that is no longer there. One HypervHypervisor is kept per client (the lookup
 * keeps one client per connection), so calls through one connection share it as before.
 */
export function createStoredHypervConnector(lookup: ConnectedHostLookup): Connector {
  const drivers = new Map<string, HypervisorDriver>();
  const hypervisors = new WeakMap<HypervClient, HypervHypervisor>();
  return {
    name: HYPERV_CONNECTOR,
    hypervisor(host: ManagedObject): HypervisorDriver {
      let driver = drivers.get(host.id);
      if (driver) return driver;
      const resolve = async (): Promise<HypervHypervisor> => {
        const connected = await lookup(host.id);
        if (!connected) {
          throw new DriverError(
            'connector-missing',
            `host ${host.name} is not behind any Hyper-V connection; add it or sync its connection again`,
            { isRetryable: false },
          );
        }
        let hypervisor = hypervisors.get(connected.client);
        if (!hypervisor) {
          hypervisor = new HypervHypervisor({
            client: connected.client,
            guestCredential: connected.guestCredential,
            wsbBackupTarget: connected.wsbBackupTarget,
          });
          hypervisors.set(connected.client, hypervisor);
        }
        return hypervisor;
      };
      driver = new Proxy({ connector: HYPERV_CONNECTOR } as HypervisorDriver, {
        get(target, property) {
          if (property === 'connector') return target.connector;
          // Only the driver's methods: anything else (above all `then`, which `await` and an async
          // function's return look up) must be absent, or the driver would pass for a promise.
          if (
            typeof property !== 'string' ||
            typeof Reflect.get(HypervHypervisor.prototype, property) !== 'function'
          )
            return undefined;
          return async (...args: unknown[]) => {
            const real = (await resolve()) as unknown as Record<
              string | symbol,
              (...a: unknown[]) => unknown
            >;
            return real[property](...args);
          };
        },
      });
      drivers.set(host.id, driver);
      return driver;
    },
  };
}
