/**
 * The XapiPoolStore contract: pool names are unique, a pin replaces the endpoint's refusal, a
 * refusal leaves the pin alone and never lists the pinned fingerprint as waiting, syncs record
 * success and failure, and the task journal keeps one task per pool and key, gone with its pool.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { XapiPoolStore } from '../ports';
import type { NewXapiPool } from '../ports/xapi-pool-store';

export interface XapiPoolStoreFixture {
  xapiPools: XapiPoolStore;
  close(): Promise<void>;
}

const T0 = new Date('2026-11-24T02:00:00Z');
const T1 = new Date('2026-11-24T03:00:00Z');

const poolOf = (id: string, name: string): NewXapiPool => ({
  id,
  name,
  address: '192.0.2.10',
  secretId: 'secret-1',
  createdAt: T0,
  createdBy: 'user:1',
});

export function runXapiPoolStoreContract(name: string, create: () => Promise<XapiPoolStoreFixture>): void {
  describe(`XapiPoolStore contract: ${name}`, () => {
    let fixture: XapiPoolStoreFixture;
    let store: XapiPoolStore;
    beforeEach(async () => {
      fixture = await create();
      store = fixture.xapiPools;
    });
    afterEach(async () => {
      await fixture.close();
    });

    it('stores a pool with empty pins and refuses a second pool of the same name', async () => {
      expect(await store.insert(poolOf('p1', 'pool-a'))).toEqual({
        ...poolOf('p1', 'pool-a'),
        guestSecretId: null,
        hostSshSecretId: null,
        freezeWindowSeconds: null,
        pins: {},
        refused: {},
        lastSyncAt: null,
        lastError: null,
        hostIds: [],
      });
      await expect(store.insert(poolOf('p2', 'pool-a'))).rejects.toMatchObject({
        code: 'CONFLICT',
        message: 'A pool named "pool-a" already exists',
      });
      const withAccounts = {
        ...poolOf('p3', 'pool-ssh'),
        guestSecretId: 'secret-g',
        hostSshSecretId: 'secret-h',
      };
      expect(await store.insert(withAccounts)).toMatchObject(withAccounts);
      await store.delete('p3');
      await store.insert(poolOf('p0', 'pool-0'));
      expect((await store.list()).map((pool) => pool.name)).toEqual(['pool-0', 'pool-a']);
      expect((await store.findByName('pool-a'))?.id).toBe('p1');
      expect(await store.get('missing')).toBeNull();
    });

    it("replaces a pool's SSH accounts and nothing else; a missing pool is null", async () => {
      await store.insert(poolOf('p1', 'pool-a'));
      await store.pin('p1', '192.0.2.10', 'AA');
      await store.recordSync('p1', T1, null, ['xen:host-a']);
      const before = await store.get('p1');
      const changed = await store.setSshAccounts('p1', {
        guestSecretId: 'secret-g',
        hostSshSecretId: null,
        freezeWindowSeconds: 300,
      });
      expect(changed).toEqual({
        ...before,
        guestSecretId: 'secret-g',
        hostSshSecretId: null,
        freezeWindowSeconds: 300,
      });
      expect(await store.get('p1')).toEqual(changed);
      const none = { guestSecretId: null, hostSshSecretId: null, freezeWindowSeconds: null };
      expect(await store.setSshAccounts('p1', { ...none, hostSshSecretId: 'secret-h' })).toEqual({
        ...before,
        ...none,
        hostSshSecretId: 'secret-h',
      });
      expect(await store.setSshAccounts('missing', none)).toBeNull();
    });

    it('a refusal is kept beside the pin until an admin pins the new fingerprint', async () => {
      await store.insert(poolOf('p1', 'pool-a'));
      await store.pin('p1', '192.0.2.10', 'AA');
      await store.pin('p1', '192.0.2.11', 'BB');
      await store.refuse('p1', '192.0.2.10', 'CC');
      expect(await store.get('p1')).toMatchObject({
        pins: { '192.0.2.10': 'AA', '192.0.2.11': 'BB' },
        refused: { '192.0.2.10': 'CC' },
      });
      await store.pin('p1', '192.0.2.10', 'CC');
      expect(await store.get('p1')).toMatchObject({
        pins: { '192.0.2.10': 'CC', '192.0.2.11': 'BB' },
        refused: {},
      });
    });

    it("an accept pins the endpoint's fingerprint only while it is the one waiting there, once", async () => {
      await store.insert(poolOf('p1', 'pool-a'));
      await store.pin('p1', '192.0.2.10', 'AA');
      await store.refuse('p1', '192.0.2.10', 'CC');
      await store.refuse('p1', '192.0.2.11', 'DD');
      // Another certificate arrived after the admin looked: the one they compared is not pinned.
      await store.refuse('p1', '192.0.2.10', 'EE');
      expect(await store.pinIfWaiting('p1', '192.0.2.10', 'CC')).toBe(false);
      // A fingerprint waiting at another endpoint is not this endpoint's.
      expect(await store.pinIfWaiting('p1', '192.0.2.10', 'DD')).toBe(false);
      expect(await store.get('p1')).toMatchObject({
        pins: { '192.0.2.10': 'AA' },
        refused: { '192.0.2.10': 'EE', '192.0.2.11': 'DD' },
      });
      // Two admins accepting the same certificate at once: one pins it, the other finds nothing waiting.
      const accepts = await Promise.all([
        store.pinIfWaiting('p1', '192.0.2.10', 'EE'),
        store.pinIfWaiting('p1', '192.0.2.10', 'EE'),
      ]);
      expect(accepts.filter(Boolean)).toHaveLength(1);
      expect(await store.get('p1')).toMatchObject({
        pins: { '192.0.2.10': 'EE' },
        refused: { '192.0.2.11': 'DD' },
      });
      expect(await store.pinIfWaiting('missing', '192.0.2.11', 'DD')).toBe(false);
    });

    it.each([
      ['a certificate', '192.0.2.10', '192.0.2.11'],
      ['an SSH host key', 'ssh:192.0.2.10', 'ssh:192.0.2.11'],
    ])(
      'a refusal of %s already pinned at the endpoint (a test or sync in flight during the accept) records nothing as waiting',
      async (_kind, endpoint, other) => {
        await store.insert(poolOf('p1', 'pool-a'));
        await store.pin('p1', endpoint, 'AA');
        await store.refuse('p1', endpoint, 'CC');
        expect(await store.pinIfWaiting('p1', endpoint, 'CC')).toBe(true);
        await store.refuse('p1', endpoint, 'CC');
        expect(await store.get('p1')).toMatchObject({ pins: { [endpoint]: 'CC' }, refused: {} });
        // Pins are each endpoint's: another host presenting that fingerprint is still refused.
        await store.refuse('p1', other, 'CC');
        expect((await store.get('p1'))?.refused).toEqual({ [other]: 'CC' });
      },
    );

    it('records a failed sync without losing the last good one, and clears the error on success', async () => {
      await store.insert(poolOf('p1', 'pool-a'));
      await store.recordSync('p1', T0, null);
      await store.recordSync('p1', T1, 'host-unreachable: 192.0.2.10 cannot be reached');
      expect(await store.get('p1')).toMatchObject({
        lastSyncAt: T0,
        lastError: 'host-unreachable: 192.0.2.10 cannot be reached',
      });
      await store.recordSync('p1', T1, null);
      expect(await store.get('p1')).toMatchObject({ lastSyncAt: T1, lastError: null });
    });

    it('keeps the hosts a successful sync saw, sorted, through a failed one and a sync that names none', async () => {
      await store.insert(poolOf('p1', 'pool-a'));
      await store.recordSync('p1', T0, null, ['xen:host-b', 'xen:host-a']);
      await store.recordSync('p1', T1, 'host-unreachable: 192.0.2.10 cannot be reached');
      expect((await store.get('p1'))?.hostIds).toEqual(['xen:host-a', 'xen:host-b']);
      await store.recordSync('p1', T1, null);
      expect((await store.get('p1'))?.hostIds).toEqual(['xen:host-a', 'xen:host-b']);
      await store.recordSync('p1', T1, null, ['xen:host-c']);
      expect((await store.get('p1'))?.hostIds).toEqual(['xen:host-c']);
    });

    it('journals one task per pool and key, replaced by a newer one, forgotten, and gone with the pool', async () => {
      await store.insert(poolOf('p1', 'pool-a'));
      await store.insert(poolOf('p2', 'pool-b'));
      await store.recordTask('p1', 'snapshot:s1', 'OpaqueRef:task-1', T0);
      await store.recordTask('p2', 'snapshot:s1', 'OpaqueRef:task-9', T0);
      expect(await store.findTask('p1', 'snapshot:s1')).toBe('OpaqueRef:task-1');
      await store.recordTask('p1', 'snapshot:s1', 'OpaqueRef:task-2', T1);
      expect(await store.findTask('p1', 'snapshot:s1')).toBe('OpaqueRef:task-2');
      await store.forgetTask('p1', 'snapshot:s1');
      expect(await store.findTask('p1', 'snapshot:s1')).toBeNull();
      expect(await store.delete('p2')).toBe(true);
      expect(await store.findTask('p2', 'snapshot:s1')).toBeNull();
      expect(await store.delete('p2')).toBe(false);
    });
  });
}
