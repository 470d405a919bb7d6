import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StoreDialect, storeDialects } from '../../db/stores/contract/dialects';
import { FakeLinuxMachine, linuxGuestMounts } from '../drivers/xapi/fake/fake-linux-ssh';
import { GUEST_SSH_KEY } from '../drivers/xapi/xapi-guest-hook';
import { isDomainError } from './errors';
import { createSecret } from './vault-service';
import { addXapiPool, listXapiPools, xapiSshAccessFor } from './xapi-pool-service';
import { setXapiPoolSshAccounts, testXapiPoolSshAccount } from './xapi-pool-ssh-accounts';
import { closeXapiLabs, openXapiLab, rejection } from './xapi-test-support';

const machines: FakeLinuxMachine[] = [];
afterEach(async () => {
  await Promise.all(machines.splice(0).map((machine) => machine.stop()));
  await closeXapiLabs();
});
const dialects = await storeDialects('xapisshaccounts');
let dialect: StoreDialect;

const call = () => ({ signal: new AbortController().signal, timeoutMs: 30_000 });

async function machine(...args: ConstructorParameters<typeof FakeLinuxMachine>) {
  const started = new FakeLinuxMachine(...args);
  await started.start();
  machines.push(started);
  return started;
}

/** A pool added without SSH accounts, the vault holding a guest, a dom0 and an API-token secret. */
async function setup() {
  const lab = await openXapiLab(dialect);
  const { stores, ctx, keys, secret, fake } = lab;
  const pool = await addXapiPool(stores, ctx, keys, {
    name: 'pool-lab',
    address: fake.address(),
    secretId: secret.id,
  });
  const store = (name: string, kind: 'password' | 'api-token', username: string, value: string) =>
    createSecret(stores, ctx, keys, { name, kind, username, secret: value });
  return {
    ...lab,
    pool,
    guestSecret: await store('linux guests', 'password', 'backup', 'g-s3cret'),
    dom0Secret: await store('dom0 root', 'password', 'root', 'd-s3cret'),
    tokenSecret: await store('ontap token', 'api-token', 'svc', 'tok-s3cret'),
  };
}

describe.each(dialects)('$name', (current) => {
  describe.skipIf(current.skip !== null)('the SSH accounts of a pool', () => {
    beforeEach(() => {
      dialect = current;
    });

    it('are changed by name, read by the hook at its next use, and come back as names only', async () => {
      const { stores, ctx, keys, pool, guestSecret, dom0Secret } = await setup();
      const access = xapiSshAccessFor(stores, ctx, keys, () => pool);
      expect(await access.guestCredential()).toBeNull();
      const changed = await setXapiPoolSshAccounts(stores, ctx, keys, {
        id: pool.id,
        guestSecretId: guestSecret.id,
        hostSshSecretId: dom0Secret.id,
      });
      expect(changed).toEqual({
        id: pool.id,
        name: 'pool-lab',
        guestAccountName: 'linux guests',
        hostSshAccountName: 'dom0 root',
        freezeWindowMinutes: 15,
      });
      expect(JSON.stringify(changed)).not.toContain('s3cret');
      const stored = await stores.xapiPools.get(pool.id);
      const fresh = xapiSshAccessFor(stores, ctx, keys, () => stored ?? pool);
      expect(await fresh.guestCredential()).toEqual({ username: 'backup', password: 'g-s3cret' });
      expect((await listXapiPools(stores))[0]).toMatchObject({
        guestAccountName: 'linux guests',
        hostSshAccountName: 'dom0 root',
      });
      // Back to none: no hook, no flush.
      await setXapiPoolSshAccounts(stores, ctx, keys, {
        id: pool.id,
        guestSecretId: null,
        hostSshSecretId: null,
      });
      expect(await stores.xapiPools.get(pool.id)).toMatchObject({
        guestSecretId: null,
        hostSshSecretId: null,
      });
    });

    it.each([
      [
        'a secret not in the vault',
        { guestSecretId: 'nope' },
        ['guestSecretId'],
        'The guest SSH account must be a secret in the vault',
      ],
      [
        'an API token, which is no login',
        { hostSshSecretId: 'token' },
        ['hostSshSecretId'],
        'The host SSH account must be a password or an SSH private key: "ontap token" is an API token',
      ],
      [
        'both wrong at once',
        { guestSecretId: 'token', hostSshSecretId: 'nope' },
        ['guestSecretId', 'hostSshSecretId'],
        'The SSH accounts of pool-lab were not changed',
      ],
      [
        'an empty choice',
        { guestSecretId: '  ' },
        ['guestSecretId'],
        'Choose the guest SSH account, or none',
      ],
      [
        'a field left out',
        { hostSshSecretId: undefined },
        ['hostSshSecretId'],
        'Choose the host SSH account',
      ],
    ])('refuse %s, naming the field, and change nothing', async (_case, change, paths, message) => {
      const { stores, ctx, keys, pool, guestSecret, dom0Secret, tokenSecret } = await setup();
      await setXapiPoolSshAccounts(stores, ctx, keys, {
        id: pool.id,
        guestSecretId: guestSecret.id,
        hostSshSecretId: dom0Secret.id,
      });
      const before = await stores.xapiPools.get(pool.id);
      const ids = (value: string | undefined) => (value === 'token' ? tokenSecret.id : value);
      const input: Record<string, unknown> = {
        id: pool.id,
        guestSecretId: guestSecret.id,
        hostSshSecretId: dom0Secret.id,
      };
      for (const [key, value] of Object.entries(change)) {
        if (value === undefined) delete input[key];
        else input[key] = ids(value);
      }
      const error = await rejection(setXapiPoolSshAccounts(stores, ctx, keys, input));
      expect(isDomainError(error) && error.fieldErrors?.map((field) => field.path)).toEqual(paths);
      expect((error as Error).message).toContain(message);
      expect(await stores.xapiPools.get(pool.id)).toEqual(before);
    });

    it.each([
      [
        'its pool account an API token',
        'secretId',
        'The pool account must be a password: "ontap token" is an API token',
      ],
      [
        'its guest account an API token',
        'guestSecretId',
        'The guest account must be a password or an SSH private key: "ontap token" is an API token',
      ],
    ] as const)(
      'adding a pool refuses %s, naming the field, and adds nothing',
      async (_case, path, message) => {
        const { stores, ctx, keys, fake, secret, tokenSecret } = await setup();
        const error = await addXapiPool(stores, ctx, keys, {
          name: 'pool-two',
          address: fake.address(),
          secretId: secret.id,
          [path]: tokenSecret.id,
        }).catch((e: unknown) => e);
        expect(error).toMatchObject({
          code: 'INVALID_INPUT',
          message: `${message}.`,
          fieldErrors: [{ path, message }],
        });
        expect((await listXapiPools(stores)).map((pool) => pool.name)).toEqual(['pool-lab']);
      },
    );

    it('keep a freeze window per pool, read by the hook at each freeze: set, kept when left out, back to the default', async () => {
      const { stores, ctx, keys, pool, guestSecret } = await setup();
      const current = async () => (await stores.xapiPools.get(pool.id)) ?? pool;
      let record = await current();
      const access = xapiSshAccessFor(stores, ctx, keys, () => record);
      expect(access.freezeWindowSeconds).toBeUndefined(); // the hook's default, 15 min
      const set = await setXapiPoolSshAccounts(stores, ctx, keys, {
        id: pool.id,
        guestSecretId: guestSecret.id,
        hostSshSecretId: null,
        freezeWindowMinutes: 5,
      });
      expect(set.freezeWindowMinutes).toBe(5);
      record = await current();
      expect(access.freezeWindowSeconds).toBe(300);
      await setXapiPoolSshAccounts(stores, ctx, keys, {
        id: pool.id,
        guestSecretId: null,
        hostSshSecretId: null,
      });
      record = await current();
      expect(access.freezeWindowSeconds).toBe(300); // left out: kept
      const reset = await setXapiPoolSshAccounts(stores, ctx, keys, {
        id: pool.id,
        guestSecretId: null,
        hostSshSecretId: null,
        freezeWindowMinutes: null,
      });
      expect(reset.freezeWindowMinutes).toBe(15);
      record = await current();
      expect(access.freezeWindowSeconds).toBeUndefined();
      expect((await listXapiPools(stores))[0]?.freezeWindowSeconds).toBeNull();
    });

    it.each([
      [0, 'The freeze window is at least 1 minute'],
      [61, 'The freeze window is at most 60 minutes'],
      [2.5, 'Enter the freeze window in whole minutes'],
    ])('refuse a freeze window of %s minutes and change nothing', async (minutes, message) => {
      const { stores, ctx, keys, pool } = await setup();
      const before = await stores.xapiPools.get(pool.id);
      const error = await rejection(
        setXapiPoolSshAccounts(stores, ctx, keys, {
          id: pool.id,
          guestSecretId: null,
          hostSshSecretId: null,
          freezeWindowMinutes: minutes,
        }),
      );
      expect(isDomainError(error) && error.fieldErrors?.map((field) => field.path)).toEqual([
        'freezeWindowMinutes',
      ]);
      expect((error as Error).message).toContain(message);
      expect(await stores.xapiPools.get(pool.id)).toEqual(before);
    });

    it('a pool that does not exist is not found', async () => {
      const { stores, ctx, keys } = await setup();
      const error = await rejection(
        setXapiPoolSshAccounts(stores, ctx, keys, { id: 'gone', guestSecretId: null, hostSshSecretId: null }),
      );
      expect(isDomainError(error) && error.code).toBe('NOT_FOUND');
    });

    it('tests the guest account on the first Linux guest it can reach, and dom0’s on the master, pinning their keys', async () => {
      const { stores, ctx, keys, pool, fixture, guestSecret, dom0Secret } = await setup();
      const guest = await machine('web01', { username: 'backup', password: 'g-s3cret' }, linuxGuestMounts());
      const dom0 = await machine('xcp1', { username: 'root', password: 'd-s3cret' }, [
        { device: '/dev/sda1', point: '/', type: 'ext3' },
      ]);
      fixture.pool.mod('VM', fixture.web01, { other_config: { [GUEST_SSH_KEY]: `127.0.0.1:${guest.port}` } });
      await setXapiPoolSshAccounts(stores, ctx, keys, {
        id: pool.id,
        guestSecretId: guestSecret.id,
        hostSshSecretId: dom0Secret.id,
      });
      const test = (account: 'guest' | 'host') =>
        testXapiPoolSshAccount(stores, ctx, keys, { id: pool.id, account }, call(), { hostPort: dom0.port });

      const onGuest = await test('guest');
      expect(onGuest).toMatchObject({ ok: true, account: 'guest', fault: null });
      // sql01 comes first by name but runs Windows: the test moves on to web01.
      expect(onGuest.target).toBe(`guest of web01 (127.0.0.1:${guest.port})`);
      expect(onGuest.message).toBe(
        `Signed in to guest of web01 (127.0.0.1:${guest.port}) as backup: a freeze would freeze /var/lib/mysql, /`,
      );
      expect(guest.frozen.size).toBe(0); // it reads; it never freezes

      const onDom0 = await test('host');
      expect(onDom0).toMatchObject({
        ok: true,
        target: `dom0 of xcp1 (127.0.0.1:${dom0.port})`,
        message: `Signed in to dom0 of xcp1 (127.0.0.1:${dom0.port}) as root: it can run sync`,
      });
      expect(dom0.events).toEqual([]); // no sync was run
      const pins = Object.keys((await stores.xapiPools.get(pool.id))?.pins ?? {});
      expect(pins).toEqual(
        expect.arrayContaining([`ssh:127.0.0.1:${guest.port}`, `ssh:127.0.0.1:${dom0.port}`]),
      );

      // An account without password-less sudo cannot run fsfreeze: the test says so.
      guest.hasSudo = false;
      const noSudo = await test('guest');
      expect(noSudo.ok).toBe(false);
      expect(noSudo.message).toContain(
        'signed in as backup, but sudo -n refused (sudo: a password is required)',
      );
    });

    it('tests on a VM or host chosen by name, and says why a chosen one cannot be tested', async () => {
      const { stores, ctx, keys, pool, fixture, guestSecret, dom0Secret } = await setup();
      const guest = await machine('web01', { username: 'backup', password: 'g-s3cret' }, linuxGuestMounts());
      const dom0 = await machine('xcp2', { username: 'root', password: 'd-s3cret' }, [
        { device: '/dev/sda1', point: '/', type: 'ext3' },
      ]);
      fixture.pool.mod('VM', fixture.web01, { other_config: { [GUEST_SSH_KEY]: `127.0.0.1:${guest.port}` } });
      await setXapiPoolSshAccounts(stores, ctx, keys, {
        id: pool.id,
        guestSecretId: guestSecret.id,
        hostSshSecretId: dom0Secret.id,
      });
      const rows: {
        account: 'guest' | 'host';
        target: string;
        ok: boolean;
        fault: string | null;
        says: string;
      }[] = [
        {
          account: 'guest',
          target: 'web01',
          ok: true,
          fault: null,
          says: `Signed in to guest of web01 (127.0.0.1:${guest.port})`,
        },
        {
          account: 'guest',
          target: 'sql01',
          ok: false,
          fault: 'connector-missing',
          says: 'sql01 runs Windows',
        },
        {
          account: 'guest',
          target: 'app01',
          ok: false,
          fault: 'invalid-state',
          says: 'app01 is halted: the guest hook reaches running guests only',
        },
        {
          account: 'guest',
          target: 'nope01',
          ok: false,
          fault: 'not-found',
          says: 'XenServer pool pool-lab has no VM named nope01',
        },
        // A member's dom0, not the master's.
        {
          account: 'host',
          target: 'xcp2',
          ok: true,
          fault: null,
          says: `Signed in to dom0 of xcp2 (127.0.0.1:${dom0.port}) as root`,
        },
        {
          account: 'host',
          target: 'xcp9',
          ok: false,
          fault: 'not-found',
          says: 'XenServer pool pool-lab has no host named xcp9',
        },
      ];
      for (const row of rows) {
        const result = await testXapiPoolSshAccount(
          stores,
          ctx,
          keys,
          { id: pool.id, account: row.account, target: row.target },
          call(),
          { hostPort: dom0.port },
        );
        expect(result, row.target).toMatchObject({ ok: row.ok, fault: row.fault });
        expect(result.message, row.target).toContain(row.says);
      }
      expect(guest.frozen.size).toBe(0);
    });

    it.each([
      ['no account set', 'none', 'connector-missing', 'XenServer pool pool-lab has no guest SSH account'],
      ['a wrong password', 'wrong', 'host-unreachable', 'the host refused the login of backup'],
    ])('says why a guest test failed: %s', async (_case, account, fault, message) => {
      const { stores, ctx, keys, pool, fixture } = await setup();
      const guest = await machine('web01', { username: 'backup', password: 'g-s3cret' }, linuxGuestMounts());
      fixture.pool.mod('VM', fixture.web01, { other_config: { [GUEST_SSH_KEY]: `127.0.0.1:${guest.port}` } });
      if (account === 'wrong') {
        const wrong = await createSecret(stores, ctx, keys, {
          name: 'old guests',
          kind: 'password',
          username: 'backup',
          secret: 'not-it',
        });
        await setXapiPoolSshAccounts(stores, ctx, keys, {
          id: pool.id,
          guestSecretId: wrong.id,
          hostSshSecretId: null,
        });
      }
      const result = await testXapiPoolSshAccount(
        stores,
        ctx,
        keys,
        { id: pool.id, account: 'guest' },
        call(),
      );
      expect(result).toMatchObject({ ok: false, fault });
      expect(result.message).toContain(message);
      expect(result.message).not.toContain('not-it');
    });

    it('says when no running guest can be reached, with the reasons', async () => {
      const { stores, ctx, keys, pool, fixture, guestSecret } = await setup();
      fixture.pool.mod('VM', fixture.web01, { other_config: { [GUEST_SSH_KEY]: 'not an address' } });
      await setXapiPoolSshAccounts(stores, ctx, keys, {
        id: pool.id,
        guestSecretId: guestSecret.id,
        hostSshSecretId: null,
      });
      const result = await testXapiPoolSshAccount(
        stores,
        ctx,
        keys,
        { id: pool.id, account: 'guest' },
        call(),
      );
      expect(result).toMatchObject({ ok: false, target: null, fault: 'connector-missing' });
      expect(result.message).toContain(
        'no running guest of XenServer pool pool-lab can be reached by the guest hook',
      );
      expect(result.message).toContain('sql01 runs Windows');
      expect(result.message).toContain(`web01's ${GUEST_SSH_KEY} "not an address" is not address[:port]`);
    });
  });
});
