/**
 * A client of a fake group on loopback for driver tests: the group's account, and a host key
 * trusted on first use (kept per test in memory).
 */
import { EqlClient } from '../eql-client';
import type { FakeEqlGroup } from './fake-eql-group';

export function clientOfFakeGroup(group: FakeEqlGroup): EqlClient {
  const pins = new Map<string, string>();
  return new EqlClient({
    label: 'EqualLogic group1',
    host: '127.0.0.1',
    port: group.port,
    credential: async () => ({ username: 'grpadmin', password: 'eql-pass' }),
    hostKeys: {
      pinned: async (endpoint) => pins.get(endpoint) ?? null,
      pin: async (endpoint, fingerprint) => void pins.set(endpoint, fingerprint),
      refused: async () => undefined,
    },
  });
}
