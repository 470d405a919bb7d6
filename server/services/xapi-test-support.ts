/**
 * Set-up shared by the XAPI pool service suites (imported by tests only): the fake pool over
 * HTTPS, a store of the suite's dialect, a context signed in as an admin, and the vault's root
 * account for the pool. `closeXapiLabs()` in the suite's afterEach stops and closes what was opened.
 */
import type { DialectHandle, StoreDialect } from '../../db/stores/contract/dialects';
import { createServiceContext } from '../context';
import { fixturePool } from '../drivers/xapi/fake/fake-fixtures';
import { type FakeXapi, type FakeXapiOptions, startFakeXapi } from '../drivers/xapi/fake/fake-xapi-server';
import { memoryKeySource } from './vault-key';
import { createSecret } from './vault-service';

const fakes: FakeXapi[] = [];
const opened: DialectHandle[] = [];

export async function closeXapiLabs(): Promise<void> {
  await Promise.all(fakes.splice(0).map((fake) => fake.stop()));
  await Promise.all(opened.splice(0).map((handle) => handle.close()));
}

export interface XapiLabOptions {
  /** The vault account's password (the fake accepts 's3cret'). */
  password?: string;
  fake?: Partial<FakeXapiOptions>;
  /** The context's clock; by default a fixed instant. */
  now?: () => Date;
}

export async function openXapiLab(dialect: StoreDialect, options: XapiLabOptions = {}) {
  const fixture = fixturePool();
  const fake = await startFakeXapi({ pool: fixture.pool, ...options.fake });
  fakes.push(fake);
  const handle = await dialect.open();
  opened.push(handle);
  const stores = handle.stores;
  let counter = 0;
  const ctx = createServiceContext({
    now: options.now ?? (() => new Date('2026-11-24T02:00:00Z')),
    newId: () => `id-${++counter}`,
    actor: { kind: 'user', id: '1', name: 'Ada', email: 'ada@example.test', role: 'admin' },
  });
  const keys = memoryKeySource();
  const secret = await createSecret(stores, ctx, keys, {
    name: 'pool-lab root',
    kind: 'password',
    username: 'root',
    secret: options.password ?? 's3cret',
  });
  return { fixture, fake, handle, stores, ctx, keys, secret };
}

/** What a promise rejected with; a promise that fulfils fails the test. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
