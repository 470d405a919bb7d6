/** Test wiring: a fake Windows host on loopback and a client pointed at it. */
import type { CallOptions } from '../call';
import { createFakeEstate } from './fake/fake-estate';
import { FakeWindowsHost, testKey } from './fake/fake-windows-host';
import { type HostKeyStore, HypervClient, type SshCredential } from './hyperv-client';

export const ADMIN = { username: 'HV01\\migawka', password: 'host-s3cret' };

export function memoryHostKeys(): HostKeyStore & {
  pins: Map<string, string>;
  refusedKeys: Map<string, string>;
} {
  const pins = new Map<string, string>();
  const refusedKeys = new Map<string, string>();
  return {
    pins,
    refusedKeys,
    pinned: async (endpoint) => pins.get(endpoint) ?? null,
    pin: async (endpoint, fingerprint) => {
      pins.set(endpoint, fingerprint);
      refusedKeys.delete(endpoint);
    },
    refused: async (endpoint, fingerprint) => {
      refusedKeys.set(endpoint, fingerprint);
    },
  };
}

export const callOptions = (timeoutMs = 10_000, signal = new AbortController().signal): CallOptions => ({
  signal,
  timeoutMs,
});

export async function startFakeHost(diskBytes?: number) {
  const estate = createFakeEstate(diskBytes);
  const clientKey = { private: testKey('client'), public: testKey('client', 'public') };
  const host = new FakeWindowsHost({
    model: estate.model,
    accounts: [ADMIN, { username: 'HV01\\keyuser', publicKey: clientKey.public }],
  });
  await host.start();
  const hostKeys = memoryHostKeys();
  const clients: HypervClient[] = [];
  const connect = (
    options: { credential?: SshCredential; maxConcurrent?: number; maxCommandLine?: number } = {},
  ) => {
    const client = new HypervClient({
      label: 'hyperv host hv01',
      host: '127.0.0.1',
      port: host.port,
      credential: async () => options.credential ?? ADMIN,
      hostKeys,
      maxConcurrent: options.maxConcurrent,
      maxCommandLine: options.maxCommandLine,
    });
    clients.push(client);
    return client;
  };
  return {
    host,
    model: estate.model,
    hostKeys,
    clientKey,
    connect,
    async dispose() {
      await Promise.all(clients.map((client) => client.close()));
      await host.stop();
      estate.dispose();
    },
  };
}
