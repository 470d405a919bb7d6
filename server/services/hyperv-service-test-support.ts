/**
 * What the Hyper-V connection services' tests share: a fake Windows host over real SSH, the stores
 * of one dialect, a service context on a fixed clock, the vault's accounts for the host and a
 * guest, and the connection to add. Each test's cleanups run after it (`cleanups`).
 */
import type { StoreDialect } from '../../db/stores/contract/dialects';
import { createServiceContext } from '../context';
import { GUEST_PASSWORD, GUEST_USER } from '../drivers/hyperv/fake/fake-estate';
import { ADMIN, startFakeHost } from '../drivers/hyperv/hyperv-test-support';
import { addHypervConnection } from './hyperv-connection-service';
import { memoryKeySource } from './vault-key';
import { createSecret } from './vault-service';

export async function setupHypervConnection(
  dialect: StoreDialect,
  cleanups: (() => Promise<void>)[],
  password = ADMIN.password,
) {
  const fake = await startFakeHost(4096);
  cleanups.push(() => fake.dispose());
  const handle = await dialect.open();
  cleanups.push(() => handle.close());
  const stores = handle.stores;
  let counter = 0;
  const ctx = createServiceContext({
    now: () => new Date('2026-11-24T02:00:00Z'),
    newId: () => `id-${++counter}`,
    actor: { kind: 'user', id: '1', name: 'Ada', email: 'ada@example.test', role: 'admin' },
  });
  const keys = memoryKeySource();
  const host = await createSecret(stores, ctx, keys, {
    name: 'hv01 admin',
    kind: 'password',
    username: ADMIN.username,
    secret: password,
  });
  const guest = await createSecret(stores, ctx, keys, {
    name: 'sql01 guest',
    kind: 'password',
    username: GUEST_USER,
    secret: GUEST_PASSWORD,
  });
  const connection = () =>
    addHypervConnection(stores, ctx, keys, {
      name: 'hv01',
      address: '127.0.0.1',
      port: fake.host.port,
      hostAccountId: host.id,
      guestAccountId: guest.id,
    });
  return { fake, stores, ctx, keys, host, guest, connection };
}

/** What `promise` rejected with; a promise that resolves fails the test. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
