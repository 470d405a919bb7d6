/**
 * The array connection procedures as an admin calls them, against the fake ONTAP cluster: add with
 * a vault secret (listed by name), discover into the inventory, a changed certificate refused then
 * accepted (only the fingerprint the admin compared, for an EqualLogic group's host key too), and a
 * cluster that refuses the login answered with the reason rather than a server error.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProcessDatabase } from '../../../db/process-database';
import { storesOf } from '../../../db/process-database';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { backupPlanOf } from '../../../db/stores/contract/operation-store.contract';
import { FakeEqlGroup } from '../../drivers/equallogic/fake/fake-eql-group';
import { testKey } from '../../drivers/hyperv/fake/fake-windows-host';
import { FakeOntapServer } from '../../drivers/ontap/fake/fake-ontap-server';
import { type FakeCluster, startFakeCluster } from '../../drivers/ontap/ontap-test-support';
import { openEmptyOn } from '../../test-rows';
import { signedIn } from '../../test-support';
import { fieldErrorsOf } from '../init';
import { createCaller } from '../root';

const dialects = await storeDialects('routerarrays');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let db: ProcessDatabase;
    let closeDb: () => Promise<void>;
    let cluster: FakeCluster;
    /** Fakes a test started besides the cluster, stopped after it. */
    const stops: (() => Promise<void>)[] = [];
    beforeEach(async () => {
      ({ database: db, close: closeDb } = await openEmptyOn(dialect));
      cluster = await startFakeCluster();
    });
    afterEach(async () => {
      for (const stop of stops.splice(0)) await stop();
      await cluster.stop();
      await closeDb();
    });

    async function addCluster(password = 'netapp1!') {
      const caller = createCaller(signedIn(db));
      const secret = await caller.secrets.create({
        name: 'cluster1 api',
        kind: 'password',
        username: 'admin',
        secret: password,
      });
      const added = await caller.arrayConnections.addOntap({
        name: 'cluster1',
        address: cluster.server.address,
        accountId: secret.id,
        stagingIgroup: 'stage01',
      });
      return { caller, added };
    }

    describe('arrayConnections procedures', () => {
      it('add, list by names, discover into the inventory', async () => {
        const { caller, added } = await addCluster();
        expect(await caller.arrayConnections.list()).toEqual([
          expect.objectContaining({
            name: 'cluster1',
            vendor: 'ontap',
            secretName: 'cluster1 api',
            stagingTarget: 'stage01',
          }),
        ]);
        const synced = await caller.arrayConnections.sync({ id: added.id });
        expect(synced).toMatchObject({ ok: true, lunCount: 2, consistencyGroupCount: 1 });
        const [listed] = await caller.arrayConnections.list();
        expect(listed.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
        expect(listed.arrayId).toBe(`ontap:${added.id}`);
      });

      it('refuses bad input naming the field, and a second cluster of the same name', async () => {
        const { caller } = await addCluster();
        await expect(
          caller.arrayConnections.addOntap({ name: 'x', address: 'https://cluster1', accountId: 'nope' }),
        ).rejects.toThrow(/host name or IP address/);
        const secret = (await caller.secrets.list())[0];
        await expect(
          caller.arrayConnections.addOntap({ name: 'cluster1', address: '192.0.2.30', accountId: secret.id }),
        ).rejects.toThrow(/already exists/);
        // A port no socket has would be saved, and fail only at the first discovery.
        for (const add of [
          () =>
            caller.arrayConnections.addOntap({
              name: 'c2',
              address: '192.0.2.31:70000',
              accountId: secret.id,
            }),
          () =>
            caller.arrayConnections.addEqualLogic({
              name: 'g2',
              address: '192.0.2.40:0',
              accountId: secret.id,
            }),
        ]) {
          expect(fieldErrorsOf(await add().catch((error: unknown) => error))).toEqual([
            { path: 'address', message: 'The port after ":" is between 1 and 65535' },
          ]);
        }
        expect((await caller.arrayConnections.list()).map((connection) => connection.name)).toEqual([
          'cluster1',
        ]);
      });

      it('answers a refused login and a changed certificate with the reason; an admin accepts the new certificate', async () => {
        const { caller, added } = await addCluster('wrong');
        expect(await caller.arrayConnections.sync({ id: added.id })).toMatchObject({
          ok: false,
          fault: 'host-unreachable',
          message: expect.stringMatching(/refused the login/),
        });
        expect((await caller.arrayConnections.list())[0].lastError).toMatch(/refused the login/);

        const port = cluster.server.port;
        await cluster.server.stop();
        const renewed = new FakeOntapServer(cluster.model, { certificate: 'cluster-b' });
        renewed.port = port;
        await renewed.start();
        try {
          await caller.secrets.replace({ id: added.secretId, secret: 'netapp1!' });
          const refused = await caller.arrayConnections.sync({ id: added.id });
          expect(refused).toMatchObject({
            ok: false,
            message: expect.stringMatching(/different TLS certificate/),
          });
          // The pin from the first (refused-login) attempt is cluster-a's; the renewed one waits for an admin.
          const [{ refusedFingerprint: shown }] = await caller.arrayConnections.list();
          const accepted = await caller.arrayConnections.acceptCertificate({
            id: added.id,
            fingerprint: shown ?? '',
          });
          expect(accepted.refusedFingerprint).toBeNull();
          expect(await caller.arrayConnections.sync({ id: added.id })).toMatchObject({ ok: true });
        } finally {
          await renewed.stop();
        }
      });

      /**
       * Arrays that present another certificate or SSH host key from the next connection on, the
       * way a renewal or someone in between would; `lastYears` is a pin of their kind.
       */
      const changingArrays = [
        {
          kind: 'ONTAP cluster',
          keyWord: 'certificate',
          name: 'cluster1',
          lastYears: `${'AA:'.repeat(31)}AA`,
          async open() {
            const { caller, added } = await addCluster();
            const presentAnother = async () => {
              const port = cluster.server.port;
              await cluster.server.stop();
              const renewed = new FakeOntapServer(cluster.model, { certificate: 'cluster-b' });
              renewed.port = port;
              await renewed.start();
              stops.push(() => renewed.stop());
            };
            return { caller, id: added.id, presentAnother };
          },
        },
        {
          kind: 'EqualLogic group',
          keyWord: 'SSH host key',
          name: 'group1',
          lastYears: `SHA256:${'A'.repeat(43)}`,
          async open() {
            const group = new FakeEqlGroup();
            group.addVolume('vmfs01', 4096);
            await group.start();
            stops.push(() => group.stop());
            const caller = createCaller(signedIn(db));
            const secret = await caller.secrets.create({
              name: 'group1 admin',
              kind: 'password',
              username: 'grpadmin',
              secret: 'eql-pass',
            });
            const added = await caller.arrayConnections.addEqualLogic({
              name: 'group1',
              address: `127.0.0.1:${group.port}`,
              accountId: secret.id,
            });
            const presentAnother = async () => {
              await group.stop();
              group.hostKey = testKey('host-a');
              await group.start(group.port);
            };
            return { caller, id: added.id, presentAnother };
          },
        },
      ];

      it.each(changingArrays)(
        'an $kind: only the $keyWord the admin compared is accepted; one presented since is refused, naming the array, and nothing is pinned',
        async ({ keyWord, name, lastYears, open }) => {
          const { caller, id, presentAnother } = await open();
          await storesOf(db).arrayConnections.pin(id, lastYears); // what the array presented last year
          const waiting = async () => {
            const [listed] = (await caller.arrayConnections.list()).filter((row) => row.id === id);
            return { pinned: listed.fingerprint, waiting: listed.refusedFingerprint };
          };
          expect(await caller.arrayConnections.test({ id })).toMatchObject({ ok: false });
          const shown = (await waiting()).waiting ?? '';
          expect(shown).not.toBe('');

          const unnamed = await caller.arrayConnections
            .acceptCertificate({ id } as { id: string; fingerprint: string })
            .catch((error: unknown) => error);
          expect(fieldErrorsOf(unnamed)).toEqual([
            { path: 'fingerprint', message: 'Give the fingerprint you were shown and compared' },
          ]);

          // Someone else presents another one between the admin's look and the click.
          await presentAnother();
          expect(await caller.arrayConnections.test({ id })).toMatchObject({ ok: false });
          const later = (await waiting()).waiting ?? '';
          expect(later).not.toBe(shown);
          const stale = await caller.arrayConnections
            .acceptCertificate({ id, fingerprint: shown })
            .catch((error: unknown) => error);
          expect(stale).toMatchObject({
            code: 'CONFLICT',
            message: `The ${keyWord} waiting on ${name} is now ${later}, not the one you compared: nothing was pinned. Compare it again, then accept it.`,
          });
          expect(fieldErrorsOf(stale)).toEqual([
            { path: 'fingerprint', message: `Another ${keyWord} is waiting now` },
          ]);
          expect(await waiting()).toEqual({ pinned: lastYears, waiting: later });

          // Compared again: the one waiting now is accepted, and the array answers.
          await caller.arrayConnections.acceptCertificate({ id, fingerprint: later });
          expect(await waiting()).toEqual({ pinned: later, waiting: null });
          expect(await caller.arrayConnections.test({ id })).toMatchObject({ ok: true });
        },
      );

      it('adds an EqualLogic group and discovers its volumes; its SSH host key is pinned on the record', async () => {
        const group = new FakeEqlGroup();
        group.addVolume('vmfs01', 4096);
        group.addVolume('vmfs02', 4096);
        await group.start();
        try {
          const caller = createCaller(signedIn(db));
          const secret = await caller.secrets.create({
            name: 'group1 admin',
            kind: 'password',
            username: 'grpadmin',
            secret: 'eql-pass',
          });
          const added = await caller.arrayConnections.addEqualLogic({
            name: 'group1',
            address: `127.0.0.1:${group.port}`,
            accountId: secret.id,
          });
          expect(await caller.arrayConnections.sync({ id: added.id })).toEqual({
            ok: true,
            vendor: 'equallogic',
            arrayId: `equallogic:${added.id}`,
            volumeCount: 2,
          });
          const [listed] = (await caller.arrayConnections.list()).filter(
            (row) => row.vendor === 'equallogic',
          );
          expect(listed).toMatchObject({ name: 'group1', secretName: 'group1 admin', lastError: null });
          expect(listed.fingerprint).toMatch(/^SHA256:/);
        } finally {
          await group.stop();
        }
      });

      it('tests a cluster in words: its name, release, SVMs and volumes; the certificate is pinned on first use', async () => {
        const { caller, added } = await addCluster();
        expect(await caller.arrayConnections.test({ id: added.id })).toEqual({
          ok: true,
          vendor: 'ontap',
          clusterName: 'cluster1',
          version: '9.13.1',
          svmCount: 1,
          volumeCount: 2,
        });
        const [listed] = await caller.arrayConnections.list();
        expect(listed.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
        // A test reads, it does not discover: nothing in the inventory, no sync recorded.
        expect(listed).toMatchObject({ lastSyncAt: null, arrayId: null });
        expect(cluster.server.calls.some((call) => call.startsWith('GET /api/cluster'))).toBe(true);
      });

      it('answers a test that cannot sign in, or an unreachable cluster, with the reason', async () => {
        const { caller, added } = await addCluster('wrong');
        expect(await caller.arrayConnections.test({ id: added.id })).toMatchObject({
          ok: false,
          message: expect.stringMatching(/cluster1.*refused the login/),
        });
        await cluster.server.stop();
        const unreachable = await caller.arrayConnections.test({ id: added.id });
        expect(unreachable).toMatchObject({ ok: false, message: expect.stringMatching(/ONTAP cluster1/) });
        expect(JSON.stringify(unreachable)).not.toContain(added.id);
      });

      it('refuses a test or a removal without a connection, naming the field, and a vanished one in words', async () => {
        const caller = createCaller(signedIn(db));
        await expect(caller.arrayConnections.test({ id: ' ' })).rejects.toThrow(/Choose an array connection/);
        await expect(caller.arrayConnections.remove({ id: '', confirmation: '' })).rejects.toThrow(
          /Choose an array connection/,
        );
        const calls = [
          () => caller.arrayConnections.remove({ id: 'c-404', confirmation: 'cluster1' }),
          () => caller.arrayConnections.test({ id: 'c-404' }),
        ];
        for (const call of calls) {
          const error: Error = await call().then(
            () => new Error('answered'),
            (refusal: Error) => refusal,
          );
          expect(error.message).toMatch(/This array connection no longer exists/);
          expect(error.message).not.toContain('c-404');
        }
      });

      it('removes a connection by name; what its discovery brought stays in the inventory', async () => {
        const { caller, added } = await addCluster();
        await caller.arrayConnections.sync({ id: added.id });
        await expect(caller.arrayConnections.remove({ id: added.id, confirmation: '' })).rejects.toThrow(
          /Type the connection's name, "cluster1", to confirm the disconnect. Nothing was disconnected\./,
        );
        expect(await caller.arrayConnections.list()).toHaveLength(1);
        expect(await caller.arrayConnections.remove({ id: added.id, confirmation: 'cluster1' })).toEqual({
          name: 'cluster1',
        });
        expect(await caller.arrayConnections.list()).toEqual([]);
        const arrays = await caller.arrays.list({});
        expect(JSON.stringify(arrays)).toContain('cluster1');
        await expect(
          caller.arrayConnections.remove({ id: added.id, confirmation: 'cluster1' }),
        ).rejects.toThrow(/This array connection no longer exists/);
      });

      it('tests an EqualLogic group: its name and volumes', async () => {
        const group = new FakeEqlGroup();
        group.addVolume('vmfs01', 4096);
        await group.start();
        try {
          const caller = createCaller(signedIn(db));
          const secret = await caller.secrets.create({
            name: 'group1 admin',
            kind: 'password',
            username: 'grpadmin',
            secret: 'eql-pass',
          });
          const added = await caller.arrayConnections.addEqualLogic({
            name: 'group1',
            address: `127.0.0.1:${group.port}`,
            accountId: secret.id,
          });
          expect(await caller.arrayConnections.test({ id: added.id })).toMatchObject({
            ok: true,
            vendor: 'equallogic',
            groupName: 'group1',
            volumeCount: 1,
          });
          expect((await caller.arrayConnections.list())[0].fingerprint).toMatch(/^SHA256:/);
        } finally {
          await group.stop();
        }
      });

      it('refuses to disconnect a cluster an operation is using, naming the operation', async () => {
        const { caller, added } = await addCluster();
        const synced = await caller.arrayConnections.sync({ id: added.id });
        if (!synced.ok) throw new Error(synced.message);
        const operations = storesOf(db).operations;
        const running = await operations.enqueue(
          { ...backupPlanOf(['sql1']), arrayIds: [synced.arrayId] },
          { vmIds: ['sql1'] },
          { id: 'op-1', now: new Date(), requestedBy: 'user:1', title: 'Back up sql1' },
        );
        await expect(
          caller.arrayConnections.remove({ id: added.id, confirmation: 'cluster1' }),
        ).rejects.toThrow(
          'cluster1 is in use by an operation ("Back up sql1"): wait for it to end, or cancel it, then disconnect it.',
        );
        expect(await caller.arrayConnections.list()).toHaveLength(1);
        await operations.cancel(running.id, new Date(), 'user:1');
        expect(await caller.arrayConnections.remove({ id: added.id, confirmation: 'cluster1' })).toEqual({
          name: 'cluster1',
        });
      });
    });
  });
});
