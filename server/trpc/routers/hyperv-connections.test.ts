/**
 * The Hyper-V connection procedures as an admin calls them, against the fake Windows host: add
 * with vault secrets (listed by name), test, sync into the inventory, and a host that refuses the
 * login answered with the reason rather than a server error.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ProcessDatabase, storesOf } from '../../../db/process-database';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { GUEST_PASSWORD, GUEST_USER } from '../../drivers/hyperv/fake/fake-estate';
import { ADMIN, startFakeHost } from '../../drivers/hyperv/hyperv-test-support';
import { openEmptyOn } from '../../test-rows';
import { fourEyesOffFor, nightlyJobInput, rejectionOf, signedIn } from '../../test-support';
import { createCaller } from '../root';

const dialects = await storeDialects('routerhyperv');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let db: ProcessDatabase;
    let closeDb: () => Promise<void>;
    let fake: Awaited<ReturnType<typeof startFakeHost>>;
    beforeEach(async () => {
      ({ database: db, close: closeDb } = await openEmptyOn(dialect));
      fake = await startFakeHost(4096);
    });
    afterEach(async () => {
      await fake.dispose();
      await closeDb();
    });

    describe('hypervConnections procedures', () => {
      it('add, list by names, test, sync', async () => {
        const caller = createCaller(signedIn(db));
        const host = await caller.secrets.create({
          name: 'hv01 admin',
          kind: 'password',
          username: ADMIN.username,
          secret: ADMIN.password,
        });
        const guest = await caller.secrets.create({
          name: 'guest admin',
          kind: 'password',
          username: GUEST_USER,
          secret: GUEST_PASSWORD,
        });
        const added = await caller.hypervConnections.add({
          name: 'hv01',
          address: '127.0.0.1',
          port: fake.host.port,
          hostAccountId: host.id,
          guestAccountId: guest.id,
        });
        expect(await caller.hypervConnections.list()).toEqual([
          expect.objectContaining({
            name: 'hv01',
            secretName: 'hv01 admin',
            guestSecretName: 'guest admin',
            hostKey: null,
          }),
        ]);
        const tested = await caller.hypervConnections.test({ id: added.id });
        expect(tested).toMatchObject({ ok: true, hostKey: fake.host.fingerprint, vmCount: 3 });
        const synced = await caller.hypervConnections.sync({ id: added.id });
        expect(synced).toMatchObject({ ok: true, computerName: 'HV01', vmCount: 3 });
        expect(synced.ok && synced.unknownGuests.map((unknown) => unknown.vmName)).toEqual([
          'file01',
          'web01',
        ]);
        const vms = await caller.vms.list({});
        expect(JSON.stringify(vms)).toContain('sql01');
      });

      it('a refused login is an answer with the reason, and nothing is imported', async () => {
        const caller = createCaller(signedIn(db));
        const host = await caller.secrets.create({
          name: 'hv01 admin',
          kind: 'password',
          username: ADMIN.username,
          secret: 'wrong',
        });
        const added = await caller.hypervConnections.add({
          name: 'hv01',
          address: '127.0.0.1',
          port: fake.host.port,
          hostAccountId: host.id,
        });
        expect(await caller.hypervConnections.sync({ id: added.id })).toMatchObject({
          ok: false,
          fault: 'host-unreachable',
          message: expect.stringContaining('refused the login'),
        });
        expect((await caller.hypervConnections.list())[0].lastError).toContain('refused the login');
      });

      it('a test before saving stores nothing; remove forgets the connection and keeps the inventory', async () => {
        const caller = createCaller(signedIn(db));
        const host = await caller.secrets.create({
          name: 'hv01 admin',
          kind: 'password',
          username: ADMIN.username,
          secret: ADMIN.password,
        });
        const draft = { address: '127.0.0.1', port: fake.host.port, hostAccountId: host.id };
        expect(await caller.hypervConnections.testDraft(draft)).toMatchObject({
          ok: true,
          hostKey: fake.host.fingerprint,
        });
        expect(await caller.hypervConnections.list()).toEqual([]);
        const added = await caller.hypervConnections.add({
          name: 'hv01',
          ...draft,
          trustedFingerprint: fake.host.fingerprint,
        });
        expect(added.hostKey).toBe(fake.host.fingerprint);
        await caller.hypervConnections.sync({ id: added.id });
        // What disconnecting stops, shown before: the host's VMs and a job backing one of them up.
        const sql01 = (await caller.vms.list({ search: 'sql01' })).items[0];
        const job = await caller.jobs.create(nightlyJobInput('Nightly sql01', sql01.id));
        expect(await caller.hypervConnections.disconnectImpact({ id: added.id })).toEqual({
          vmCount: (await caller.vms.list({})).items.filter((vm) => vm.hostName === 'HV01').length,
          jobs: [{ id: job.id, name: 'Nightly sql01', isEnabled: true }],
        });
        // The connection's name typed, or nothing is disconnected.
        for (const confirmation of ['', 'hv02']) {
          const refusal = await rejectionOf(() =>
            caller.hypervConnections.remove({ id: added.id, confirmation }),
          );
          expect(refusal.message).toMatch(/the connection's name, "hv01".*Nothing was disconnected\./);
        }
        expect(await caller.hypervConnections.list()).toHaveLength(1);
        // With four-eyes on, the disconnect only asks (approvals-disconnect.test.ts); off, it runs.
        expect(await caller.hypervConnections.remove({ id: added.id, confirmation: 'hv01' })).toHaveProperty(
          'approvalRequest',
        );
        expect(await caller.hypervConnections.list()).toHaveLength(1);
        await fourEyesOffFor(signedIn(db), 'disconnect');
        expect(await caller.hypervConnections.remove({ id: added.id, confirmation: 'hv01' })).toEqual({
          name: 'hv01',
        });
        expect(await caller.hypervConnections.list()).toEqual([]);
        expect(JSON.stringify(await caller.vms.list({}))).toContain('sql01');
      });

      it('a cluster node’s changed key is accepted by an admin, and the accept is audited with the node', async () => {
        const caller = createCaller(signedIn(db));
        const host = await caller.secrets.create({
          name: 'cluster admin',
          kind: 'password',
          username: ADMIN.username,
          secret: ADMIN.password,
        });
        const added = await caller.hypervConnections.add({
          name: 'hvcluster1',
          address: '127.0.0.1',
          port: fake.host.port,
          hostAccountId: host.id,
        });
        // What a sync leaves when node HV02 presents another key than its pin (the service suite
        // drives it over SSH against the fake cluster).
        const stores = storesOf(db);
        await stores.hypervConnections.pinNode(added.id, 'hv02:22', 'SHA256:old');
        await stores.hypervConnections.refuseNode(added.id, 'hv02:22', {
          node: 'HV02',
          fingerprint: 'SHA256:new',
        });
        const [listed] = await caller.hypervConnections.list();
        expect(listed.refusedNodeHostKeys).toEqual({
          'hv02:22': { node: 'HV02', fingerprint: 'SHA256:new' },
        });
        const accepted = await caller.hypervConnections.acceptNodeHostKey({
          id: added.id,
          endpoint: 'hv02:22',
          fingerprint: 'SHA256:new',
        });
        expect([accepted.nodeHostKeys, accepted.refusedNodeHostKeys]).toEqual([
          { 'hv02:22': 'SHA256:new' },
          {},
        ]);
        const [entry] = (await caller.audit.list({ limit: 5 })).items;
        expect([entry.action, entry.outcome, entry.input]).toEqual([
          'hypervConnections.acceptNodeHostKey',
          'succeeded',
          expect.objectContaining({ endpoint: 'hv02:22', fingerprint: 'SHA256:new' }),
        ]);
      });
    });
  });
});
