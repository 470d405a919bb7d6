/**
 * The ArrayConnectionStore contract: names are unique, the first pin is kept until an admin accepts
 * a refused fingerprint, a refusal never lists the pinned fingerprint as waiting, discoveries record
 * success and failure, and the job journal keeps one job per connection and key, replaced by a
 * newer one, forgotten, and gone with its connection.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArrayConnectionStore, NewArrayConnection } from '../ports';

export interface ArrayConnectionStoreFixture {
  arrayConnections: ArrayConnectionStore;
  close(): Promise<void>;
}

const T0 = new Date('2026-11-24T02:00:00Z');
const T1 = new Date('2026-11-24T03:00:00Z');

const connectionOf = (id: string, name: string): NewArrayConnection => ({
  id,
  name,
  vendor: 'ontap',
  address: '192.0.2.30',
  secretId: 'secret-1',
  stagingTarget: 'stage01',
  createdAt: T0,
  createdBy: 'user:1',
});

export function runArrayConnectionStoreContract(
  name: string,
  create: () => Promise<ArrayConnectionStoreFixture>,
): void {
  describe(`ArrayConnectionStore contract: ${name}`, () => {
    let fixture: ArrayConnectionStoreFixture;
    let store: ArrayConnectionStore;
    beforeEach(async () => {
      fixture = await create();
      store = fixture.arrayConnections;
    });
    afterEach(async () => {
      await fixture.close();
    });

    it('stores a connection without a pin and refuses a second one of the same name', async () => {
      expect(await store.insert(connectionOf('c1', 'cluster1'))).toEqual({
        ...connectionOf('c1', 'cluster1'),
        arrayId: null,
        fingerprint: null,
        refusedFingerprint: null,
        lastSyncAt: null,
        lastError: null,
      });
      await expect(store.insert(connectionOf('c2', 'cluster1'))).rejects.toMatchObject({
        code: 'CONFLICT',
        message: 'An array named "cluster1" already exists',
      });
      expect((await store.list()).map((row) => row.id)).toEqual(['c1']);
    });

    it('keeps the pin until an accept, and records discoveries', async () => {
      await store.insert(connectionOf('c1', 'cluster1'));
      await store.pin('c1', 'AA:BB');
      await store.refuse('c1', 'CC:DD');
      expect(await store.get('c1')).toMatchObject({ fingerprint: 'AA:BB', refusedFingerprint: 'CC:DD' });
      await store.pin('c1', 'CC:DD');
      expect(await store.get('c1')).toMatchObject({ fingerprint: 'CC:DD', refusedFingerprint: null });
      await store.recordSync('c1', T1, null, 'array-1');
      await store.recordSync('c1', T1, 'cannot be reached');
      expect(await store.get('c1')).toMatchObject({
        lastSyncAt: T1,
        lastError: 'cannot be reached',
        arrayId: 'array-1',
      });
      expect((await store.findByArrayId('array-1'))?.id).toBe('c1');
      expect(await store.findByArrayId('array-2')).toBeNull();
    });

    it('an accept pins the fingerprint only while it is the one waiting, once', async () => {
      await store.insert(connectionOf('c1', 'cluster1'));
      await store.pin('c1', 'AA:BB');
      await store.refuse('c1', 'CC:DD');
      // Another certificate arrived after the admin looked: the one they compared is not pinned.
      await store.refuse('c1', 'EE:FF');
      expect(await store.pinIfWaiting('c1', 'CC:DD')).toBe(false);
      expect(await store.get('c1')).toMatchObject({ fingerprint: 'AA:BB', refusedFingerprint: 'EE:FF' });
      // Two admins accepting the same certificate at once: one pins it, the other finds nothing waiting.
      const accepts = await Promise.all([
        store.pinIfWaiting('c1', 'EE:FF'),
        store.pinIfWaiting('c1', 'EE:FF'),
      ]);
      expect(accepts.filter(Boolean)).toHaveLength(1);
      expect(await store.get('c1')).toMatchObject({ fingerprint: 'EE:FF', refusedFingerprint: null });
      expect(await store.pinIfWaiting('c1', 'EE:FF')).toBe(false);
      expect(await store.pinIfWaiting('missing', 'EE:FF')).toBe(false);
    });

    it.each([
      ['nothing pinned yet: it waits', null, 'CC:DD'],
      ['another fingerprint pinned: it waits', 'AA:BB', 'CC:DD'],
      // A discovery in flight while an admin accepted this certificate.
      ['the same fingerprint pinned: nothing waits', 'CC:DD', null],
    ])('a refusal of CC:DD with %s', async (_state, pinned, waiting) => {
      await store.insert(connectionOf('c1', 'cluster1'));
      if (pinned) await store.pin('c1', pinned);
      await store.refuse('c1', 'CC:DD');
      expect(await store.get('c1')).toMatchObject({ fingerprint: pinned, refusedFingerprint: waiting });
    });

    it('journals one job per connection and key, replaced, forgotten, and gone with the connection', async () => {
      await store.insert(connectionOf('c1', 'cluster1'));
      await store.insert(connectionOf('c2', 'cluster2'));
      await store.recordJob('c1', 'run-1:snapshot', { jobUuid: 'job-a', startedAt: T0 });
      await store.recordJob('c1', 'run-1:snapshot', { jobUuid: 'job-b', startedAt: T1 });
      await store.recordJob('c2', 'run-1:snapshot', { jobUuid: 'job-c', startedAt: T0 });
      expect(await store.findJob('c1', 'run-1:snapshot')).toEqual({ jobUuid: 'job-b', startedAt: T1 });
      await store.forgetJob('c1', 'run-1:snapshot');
      expect(await store.findJob('c1', 'run-1:snapshot')).toBeNull();
      expect(await store.delete('c2')).toBe(true);
      expect(await store.delete('c2')).toBe(false);
      expect(await store.findJob('c2', 'run-1:snapshot')).toBeNull();
    });
  });
}
