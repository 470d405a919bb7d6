/**
 * The HypervConnectionStore contract: names are unique, the first pin is kept until an admin
 * accepts a refused key (which clears the refusal), an accept pins the host's or a node's key only
 * while it is the one waiting, a refusal never lists the pinned key as waiting, syncs record
 * success and failure.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HypervConnectionStore, NewHypervConnection } from '../ports';

export interface HypervConnectionStoreFixture {
  hypervConnections: HypervConnectionStore;
  close(): Promise<void>;
}

const T0 = new Date('2026-11-24T02:00:00Z');
const T1 = new Date('2026-11-24T03:00:00Z');

const connectionOf = (id: string, name: string): NewHypervConnection => ({
  id,
  name,
  address: '192.0.2.20',
  port: 22,
  secretId: 'secret-1',
  guestSecretId: null,
  wsbBackupTarget: null,
  createdAt: T0,
  createdBy: 'user:1',
});

const SHOWN = 'SHA256:shown';
const LATER = 'SHA256:later';

/** An admin's accept of a node's key, against a connection whose node HV02 (hv02:22) waits with `waiting`. */
const nodeAccepts: {
  case: string;
  waiting: string[];
  accept: { id: string; endpoint: string; fingerprint: string };
  pinned: boolean;
}[] = [
  {
    case: 'the key waiting at the endpoint is pinned',
    waiting: [SHOWN],
    accept: { id: 'c1', endpoint: 'hv02:22', fingerprint: SHOWN },
    pinned: true,
  },
  {
    case: 'a newer key waits: the compared one is not pinned, the newer refusal is kept',
    waiting: [SHOWN, LATER],
    accept: { id: 'c1', endpoint: 'hv02:22', fingerprint: SHOWN },
    pinned: false,
  },
  {
    case: "the key waiting at another endpoint is not this endpoint's",
    waiting: [SHOWN],
    accept: { id: 'c1', endpoint: 'hv02:22', fingerprint: 'SHA256:new-three' },
    pinned: false,
  },
  {
    case: 'an endpoint where nothing waits',
    waiting: [SHOWN],
    accept: { id: 'c1', endpoint: 'hv09:22', fingerprint: SHOWN },
    pinned: false,
  },
  {
    case: 'an unknown connection',
    waiting: [SHOWN],
    accept: { id: 'missing', endpoint: 'hv02:22', fingerprint: SHOWN },
    pinned: false,
  },
];

/**
 * The two refusals of a Hyper-V connection (its host's key, a node's key at hv02:22), each with the
 * accept that pins it and what is pinned and waiting there.
 */
const refusals: {
  what: string;
  refuse(store: HypervConnectionStore, fingerprint: string): Promise<void>;
  accept(store: HypervConnectionStore, fingerprint: string): Promise<boolean>;
  keys(store: HypervConnectionStore): Promise<{ pinned: string | null; waiting: string | null }>;
}[] = [
  {
    what: "the host's key",
    refuse: (store, fingerprint) => store.refuse('c1', fingerprint),
    accept: (store, fingerprint) => store.pinIfWaiting('c1', fingerprint),
    keys: async (store) => {
      const row = await store.get('c1');
      return { pinned: row?.hostKey ?? null, waiting: row?.refusedHostKey ?? null };
    },
  },
  {
    what: "a node's key",
    refuse: (store, fingerprint) => store.refuseNode('c1', 'hv02:22', { node: 'HV02', fingerprint }),
    accept: (store, fingerprint) => store.pinNodeIfWaiting('c1', 'hv02:22', fingerprint),
    keys: async (store) => {
      const row = await store.get('c1');
      return {
        pinned: row?.nodeHostKeys['hv02:22'] ?? null,
        waiting: row?.refusedNodeHostKeys['hv02:22']?.fingerprint ?? null,
      };
    },
  },
];

export function runHypervConnectionStoreContract(
  name: string,
  create: () => Promise<HypervConnectionStoreFixture>,
): void {
  describe(`HypervConnectionStore contract: ${name}`, () => {
    let fixture: HypervConnectionStoreFixture;
    let store: HypervConnectionStore;
    beforeEach(async () => {
      fixture = await create();
      store = fixture.hypervConnections;
    });
    afterEach(async () => {
      await fixture.close();
    });

    it('stores a connection without a pin and refuses a second one of the same name', async () => {
      expect(await store.insert(connectionOf('c1', 'hv01'))).toEqual({
        ...connectionOf('c1', 'hv01'),
        hostId: null,
        hostKey: null,
        refusedHostKey: null,
        lastSyncAt: null,
        lastError: null,
        clusterName: null,
        nodeHostIds: [],
        nodeHostKeys: {},
        refusedNodeHostKeys: {},
      });
      await expect(store.insert(connectionOf('c2', 'hv01'))).rejects.toMatchObject({
        code: 'CONFLICT',
        message: 'A Hyper-V host named "hv01" already exists',
      });
      await store.insert(connectionOf('c3', 'hv00'));
      expect((await store.list()).map((connection) => connection.name)).toEqual(['hv00', 'hv01']);
    });

    it('a refusal leaves the pin alone; pinning the refused key clears the refusal', async () => {
      await store.insert(connectionOf('c1', 'hv01'));
      await store.pin('c1', 'SHA256:first');
      await store.refuse('c1', 'SHA256:second');
      expect(await store.get('c1')).toMatchObject({
        hostKey: 'SHA256:first',
        refusedHostKey: 'SHA256:second',
      });
      await store.pin('c1', 'SHA256:second');
      expect(await store.get('c1')).toMatchObject({ hostKey: 'SHA256:second', refusedHostKey: null });
    });

    it('an accept pins the key only while it is the one waiting, once', async () => {
      await store.insert(connectionOf('c1', 'hv01'));
      await store.pin('c1', 'SHA256:first');
      await store.refuse('c1', 'SHA256:shown');
      // Another key arrived after the admin looked: the one they compared is not pinned.
      await store.refuse('c1', 'SHA256:later');
      expect(await store.pinIfWaiting('c1', 'SHA256:shown')).toBe(false);
      expect(await store.get('c1')).toMatchObject({
        hostKey: 'SHA256:first',
        refusedHostKey: 'SHA256:later',
      });
      // Two admins accepting the same key at once: one pins it, the other finds nothing waiting.
      const accepts = await Promise.all([
        store.pinIfWaiting('c1', 'SHA256:later'),
        store.pinIfWaiting('c1', 'SHA256:later'),
      ]);
      expect(accepts.filter(Boolean)).toHaveLength(1);
      expect(await store.get('c1')).toMatchObject({ hostKey: 'SHA256:later', refusedHostKey: null });
      expect(await store.pinIfWaiting('c1', 'SHA256:later')).toBe(false);
      expect(await store.pinIfWaiting('missing', 'SHA256:later')).toBe(false);
    });

    it.each(nodeAccepts.map((row) => [row.case, row] as const))(
      "an accept of a node's key: %s",
      async (_case, { waiting, accept, pinned }) => {
        await store.insert(connectionOf('c1', 'hvcluster1'));
        await store.pinNode('c1', 'hv02:22', 'SHA256:old');
        await store.pinNode('c1', 'hv03:22', 'SHA256:three');
        await store.refuseNode('c1', 'hv03:22', { node: 'HV03', fingerprint: 'SHA256:new-three' });
        for (const fingerprint of waiting)
          await store.refuseNode('c1', 'hv02:22', { node: 'HV02', fingerprint });
        const before = await store.get('c1');

        expect(await store.pinNodeIfWaiting(accept.id, accept.endpoint, accept.fingerprint)).toBe(pinned);
        if (!pinned) {
          expect(await store.get('c1')).toEqual(before);
          return;
        }
        // Only this endpoint's pin and refusal change; the other node's stay as they were.
        expect(await store.get('c1')).toMatchObject({
          nodeHostKeys: { 'hv02:22': accept.fingerprint, 'hv03:22': 'SHA256:three' },
          refusedNodeHostKeys: { 'hv03:22': { node: 'HV03', fingerprint: 'SHA256:new-three' } },
        });
      },
    );

    it("two admins accepting a node's same key at once: one pins it, the other finds nothing waiting", async () => {
      await store.insert(connectionOf('c1', 'hvcluster1'));
      await store.pinNode('c1', 'hv02:22', 'SHA256:old');
      await store.refuseNode('c1', 'hv02:22', { node: 'HV02', fingerprint: SHOWN });
      const accepts = await Promise.all([
        store.pinNodeIfWaiting('c1', 'hv02:22', SHOWN),
        store.pinNodeIfWaiting('c1', 'hv02:22', SHOWN),
      ]);
      expect(accepts.filter(Boolean)).toHaveLength(1);
      expect(await store.get('c1')).toMatchObject({
        nodeHostKeys: { 'hv02:22': SHOWN },
        refusedNodeHostKeys: {},
      });
    });

    it.each(refusals.map((row) => [row.what, row] as const))(
      'a refusal of %s that is already pinned (a test or sync in flight during the accept) records nothing as waiting',
      async (_what, { refuse, accept, keys }) => {
        await store.insert(connectionOf('c1', 'hvcluster1'));
        // Nothing pinned yet: a refusal is recorded.
        await refuse(store, SHOWN);
        expect(await keys(store)).toEqual({ pinned: null, waiting: SHOWN });
        expect(await accept(store, SHOWN)).toBe(true);
        await refuse(store, SHOWN);
        expect(await keys(store)).toEqual({ pinned: SHOWN, waiting: null });
        // Another key is still refused.
        await refuse(store, LATER);
        expect(await keys(store)).toEqual({ pinned: SHOWN, waiting: LATER });
      },
    );

    it("a node presenting the key pinned for another node is still refused (pins are each endpoint's)", async () => {
      await store.insert(connectionOf('c1', 'hvcluster1'));
      await store.pinNode('c1', 'hv02:22', SHOWN);
      await store.pinNode('c1', 'hv03:22', 'SHA256:three');
      await store.refuseNode('c1', 'hv03:22', { node: 'HV03', fingerprint: SHOWN });
      expect((await store.get('c1'))?.refusedNodeHostKeys).toEqual({
        'hv03:22': { node: 'HV03', fingerprint: SHOWN },
      });
    });

    it('records a failed sync, then a successful one clears the error', async () => {
      await store.insert(connectionOf('c1', 'hv01'));
      await store.recordSync('c1', T0, 'host-unreachable: down');
      expect(await store.get('c1')).toMatchObject({ lastSyncAt: null, lastError: 'host-unreachable: down' });
      await store.recordSync('c1', T1, null, 'hv-host:hv01');
      expect(await store.get('c1')).toMatchObject({
        lastSyncAt: T1,
        lastError: null,
        hostId: 'hv-host:hv01',
      });
      expect((await store.findByHostId('hv-host:hv01'))?.id).toBe('c1');
      expect(await store.findByHostId('hv-host:other')).toBeNull();
      expect(await store.delete('c1')).toBe(true);
      expect(await store.delete('c1')).toBe(false);
    });

    it('a cluster connection keeps its nodes (found by any node’s host id) and each node’s key pin', async () => {
      await store.insert(connectionOf('c1', 'hvcluster1'));
      await store.recordSync('c1', T1, null, 'hv-host:hv01');
      await store.recordCluster('c1', 'HVCLUSTER1', ['hv-host:hv02', 'hv-host:hv01']);
      await Promise.all([
        store.pinNode('c1', 'hv02:22', 'SHA256:two'),
        store.pinNode('c1', 'hv03:22', 'SHA256:three'),
      ]);
      expect(await store.get('c1')).toMatchObject({
        clusterName: 'HVCLUSTER1',
        nodeHostIds: ['hv-host:hv01', 'hv-host:hv02'],
        nodeHostKeys: { 'hv02:22': 'SHA256:two', 'hv03:22': 'SHA256:three' },
      });
      expect((await store.findByHostId('hv-host:hv02'))?.id).toBe('c1');
      expect(await store.findByHostId('hv-host:hv09')).toBeNull();
      // A node's changed key waits by endpoint with the node's name; pinning it (an accept) clears it.
      await Promise.all([
        store.refuseNode('c1', 'hv02:22', { node: 'HV02', fingerprint: 'SHA256:new-two' }),
        store.refuseNode('c1', 'hv03:22', { node: 'HV03', fingerprint: 'SHA256:new-three' }),
      ]);
      expect((await store.get('c1'))?.refusedNodeHostKeys).toEqual({
        'hv02:22': { node: 'HV02', fingerprint: 'SHA256:new-two' },
        'hv03:22': { node: 'HV03', fingerprint: 'SHA256:new-three' },
      });
      await store.pinNode('c1', 'hv02:22', 'SHA256:new-two');
      expect(await store.get('c1')).toMatchObject({
        nodeHostKeys: { 'hv02:22': 'SHA256:new-two', 'hv03:22': 'SHA256:three' },
        refusedNodeHostKeys: { 'hv03:22': { node: 'HV03', fingerprint: 'SHA256:new-three' } },
      });
      await store.recordCluster('c1', null, []);
      expect(await store.findByHostId('hv-host:hv02')).toBeNull();
      expect((await store.findByHostId('hv-host:hv01'))?.id).toBe('c1');
    });
  });
}
