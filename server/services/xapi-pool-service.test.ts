import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StoreDialect, storeDialects } from '../../db/stores/contract/dialects';
import { ManualClock } from '../drivers/xapi/fake/fake-clock';
import type { FakeXapiOptions } from '../drivers/xapi/fake/fake-xapi-server';
import { xenId } from '../drivers/xapi/xapi-discovery';
import { isDomainError } from './errors';
import { getHostVolume, listHostVolumes } from './inventory/host-volumes';
import { getVm } from './inventory/vms';
import { createSecret } from './vault-service';
import {
  acceptXapiCertificate,
  addXapiPool,
  discoverXapiPool,
  listXapiPools,
  testXapiPool,
  xapiSshAccessFor,
} from './xapi-pool-service';
import { closeXapiLabs, openXapiLab, rejection } from './xapi-test-support';

/** Protection statuses are taken at a fixed time: these tests never read the wall clock. */
const CLOCK = { now: () => new Date('2026-06-15T10:30:00Z') };

afterEach(closeXapiLabs);
const dialects = await storeDialects('xapipoolservice');
let dialect: StoreDialect;

const call = () => ({ signal: new AbortController().signal, timeoutMs: 30_000 });

function setup(password = 's3cret', fake: Partial<FakeXapiOptions> = {}) {
  return openXapiLab(dialect, { password, fake });
}

describe.each(dialects)('$name', (current) => {
  describe.skipIf(current.skip !== null)('stores', () => {
    beforeEach(() => {
      dialect = current;
    });
    describe('XAPI pool connections', () => {
      it('refuses a pool without a usable address or vault secret, naming the field, and stores nothing', async () => {
        const { stores, ctx, keys, secret } = await setup();
        const badAddress = await rejection(
          addXapiPool(stores, ctx, keys, { name: 'lab', address: 'https://x/', secretId: secret.id }),
        );
        expect(isDomainError(badAddress) && badAddress.fieldErrors?.map((field) => field.path)).toEqual([
          'address',
        ]);
        // A port no socket has would be saved, and fail only when the watcher first connects.
        for (const address of ['192.0.2.10:99999', '192.0.2.10:0', '[2001:db8::10]:65536']) {
          const badPort = await rejection(
            addXapiPool(stores, ctx, keys, { name: 'lab', address, secretId: secret.id }),
          );
          expect(isDomainError(badPort) && badPort.fieldErrors).toEqual([
            { path: 'address', message: 'The port after ":" is between 1 and 65535' },
          ]);
        }
        const noSecret = await rejection(
          addXapiPool(stores, ctx, keys, { name: 'lab', address: '192.0.2.10', secretId: 'nope' }),
        );
        expect(isDomainError(noSecret) && noSecret.fieldErrors?.map((field) => field.path)).toEqual([
          'secretId',
        ]);
        expect(await stores.xapiPools.list()).toEqual([]);
      });

      it('keeps the guest hook’s and dom0’s SSH accounts: refused when not in the vault, read from it at use, keys pinned beside the certificates', async () => {
        const { stores, ctx, keys, secret } = await setup();
        const base = { name: 'lab', address: '192.0.2.10', secretId: secret.id };
        const noGuest = await rejection(addXapiPool(stores, ctx, keys, { ...base, guestSecretId: 'nope' }));
        expect(isDomainError(noGuest) && noGuest.fieldErrors?.map((field) => field.path)).toEqual([
          'guestSecretId',
        ]);
        expect(await stores.xapiPools.list()).toEqual([]);
        const guest = await createSecret(stores, ctx, keys, {
          name: 'linux guests',
          kind: 'password',
          username: 'backup',
          secret: 'g-s3cret',
        });
        const pool = await addXapiPool(stores, ctx, keys, { ...base, guestSecretId: guest.id });
        expect(pool).toMatchObject({ guestSecretId: guest.id, hostSshSecretId: null });
        const access = xapiSshAccessFor(stores, ctx, keys, () => pool);
        expect(await access.guestCredential()).toEqual({ username: 'backup', password: 'g-s3cret' });
        expect(await access.hostCredential()).toBeNull(); // no host flush: connector-missing at the step
        await access.hostKeys.pin('192.0.2.15', 'SHA256:guestkey');
        expect((await stores.xapiPools.get(pool.id))?.pins).toEqual({ 'ssh:192.0.2.15': 'SHA256:guestkey' });
        expect((await listXapiPools(stores))[0]).toMatchObject({
          guestAccountName: 'linux guests',
          hostSshAccountName: null,
        });
      });

      it('tests the connection with the vault’s account, pins the certificates and shows what the pool answered', async () => {
        const { fake, stores, ctx, keys, secret } = await setup();
        const pool = await addXapiPool(stores, ctx, keys, {
          name: 'pool-lab',
          address: fake.address(),
          secretId: secret.id,
        });
        const result = await testXapiPool(stores, ctx, keys, pool.id, call());
        expect(result).toMatchObject({ ok: true, poolName: 'pool-lab', vmCount: 3, srCount: 3 });
        expect(
          result.ok &&
            result.hosts.map((host) => [host.brand, host.productVersion, host.apiVersion, host.isMaster]),
        ).toEqual([
          ['XCP-ng', '8.2.1', '2.20', true],
          ['XCP-ng', '8.2.1', '2.20', false],
        ]);
        expect(Object.keys((await stores.xapiPools.get(pool.id))?.pins ?? {})).toEqual([fake.address()]);
        expect(fake.sessionCount).toBe(0); // logged out
      });

      it('a wrong password comes back as a clear failure after the pool’s 5 s', async () => {
        const clock = new ManualClock();
        const { fake, stores, ctx, keys, secret } = await setup('wrong', { clock });
        const pool = await addXapiPool(stores, ctx, keys, {
          name: 'pool-lab',
          address: fake.address(),
          secretId: secret.id,
        });
        const pending = testXapiPool(stores, ctx, keys, pool.id, call());
        expect(await clock.sleeping()).toBe(5000);
        clock.advance(5000);
        expect(await pending).toEqual({
          ok: false,
          fault: 'host-unreachable',
          message:
            'XenServer pool pool-lab: the pool refused the login of root: wrong user name or password (SESSION_AUTHENTICATION_FAILED)',
        });
      });

      /** A pool whose host presented another certificate than last year's pin; what waits is what the admin is shown. */
      async function poolWithChangedCertificate() {
        const lab = await setup();
        const { fake, stores, ctx, keys, secret } = lab;
        const pool = await addXapiPool(stores, ctx, keys, {
          name: 'pool-lab',
          address: fake.address(),
          secretId: secret.id,
        });
        const endpoint = fake.address();
        await stores.xapiPools.pin(pool.id, endpoint, 'AA:BB'); // what the host presented last year
        const refused = await testXapiPool(stores, ctx, keys, pool.id, call());
        expect(refused).toMatchObject({
          ok: false,
          fault: 'host-unreachable',
          message: expect.stringContaining('different TLS certificate'),
        });
        expect(fake.calls).toEqual([]);
        const [shown] = (await listXapiPools(stores))[0].waiting;
        expect(shown.endpoint).toBe(endpoint);
        return { ...lab, pool, endpoint, shown: shown.fingerprint };
      }

      it('a changed certificate waits for an admin, who accepts the one they were shown', async () => {
        const { stores, ctx, keys, pool, endpoint, shown } = await poolWithChangedCertificate();
        for (const [input, paths] of [
          [{ id: pool.id, endpoint: '192.0.2.99', fingerprint: shown }, ['endpoint']],
          [{ id: pool.id, endpoint }, ['fingerprint']],
          [{ id: pool.id, endpoint, fingerprint: ' ' }, ['fingerprint']],
        ] as const) {
          const refused = await rejection(acceptXapiCertificate(stores, ctx, input));
          expect(
            isDomainError(refused) && [refused.code, refused.fieldErrors?.map((field) => field.path)],
          ).toEqual(['INVALID_INPUT', paths]);
        }
        expect((await stores.xapiPools.get(pool.id))?.pins).toEqual({ [endpoint]: 'AA:BB' });
        const accepted = await acceptXapiCertificate(stores, ctx, {
          id: pool.id,
          endpoint,
          fingerprint: shown,
        });
        expect([accepted.pins, accepted.refused]).toEqual([{ [endpoint]: shown }, {}]);
        expect(await testXapiPool(stores, ctx, keys, pool.id, call())).toMatchObject({ ok: true });
      });

      it('refuses to accept a certificate that changed again since the admin compared it, naming the pool, and pins nothing', async () => {
        const { fake, stores, ctx, keys, pool, endpoint, shown } = await poolWithChangedCertificate();
        // Someone else presents another certificate between the admin's look and the click.
        fake.presentCertificate('pool-b');
        expect(await testXapiPool(stores, ctx, keys, pool.id, call())).toMatchObject({ ok: false });
        const later = (await stores.xapiPools.get(pool.id))?.refused[endpoint];
        expect(later).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
        expect(later).not.toBe(shown);

        const stale = await rejection(
          acceptXapiCertificate(stores, ctx, { id: pool.id, endpoint, fingerprint: shown }),
        );
        expect(isDomainError(stale) && [stale.code, stale.message, stale.fieldErrors]).toEqual([
          'CONFLICT',
          `The certificate waiting on host ${endpoint} of pool pool-lab is now ${later}, not the one you compared: nothing was pinned. Compare it again, then accept it.`,
          [{ path: 'fingerprint', message: 'Another certificate is waiting now' }],
        ]);
        expect(await stores.xapiPools.get(pool.id)).toMatchObject({
          pins: { [endpoint]: 'AA:BB' },
          refused: { [endpoint]: later },
        });
        expect(await testXapiPool(stores, ctx, keys, pool.id, call())).toMatchObject({ ok: false });

        // Compared again: the certificate waiting now is accepted, and the pool answers.
        await acceptXapiCertificate(stores, ctx, { id: pool.id, endpoint, fingerprint: later });
        expect(await testXapiPool(stores, ctx, keys, pool.id, call())).toMatchObject({ ok: true });
      });

      it('stores what the pool says about its SRs and unread guests, and the rules use it', async () => {
        const { fixture, fake, stores, ctx, keys, secret } = await setup();
        // A raw-LUN SR whose driver cannot snapshot, holding a disk of a running VM.
        fixture.pool.addSm('rawhba', ['VDI_INTRODUCE', 'VDI_ATTACH', 'VDI_DETACH']);
        const raw = fixture.pool.addSr({
          name: 'raw-lun7',
          type: 'rawhba',
          shared: false,
          size: 8 * 1024 * 1024,
          host: fixture.master,
        });
        const scan = fixture.pool.addVm({
          name: 'scan01',
          host: fixture.master,
          disks: [{ name: 'scan01 data', sr: raw, bytes: Buffer.alloc(64 * 1024, 7) }],
          guest: { os: 'Debian GNU/Linux 12', pvDrivers: true },
        });
        const pool = await addXapiPool(stores, ctx, keys, {
          name: 'pool-lab',
          address: fake.address(),
          secretId: secret.id,
        });
        await discoverXapiPool(stores, ctx, keys, pool.id, call());

        const srId = (ref: string) => xenId(fixture.pool.get('SR', ref)?.uuid as string);
        const vmId = (ref: string) => xenId(fixture.pool.get('VM', ref)?.uuid as string);
        expect((await getHostVolume(stores, srId(fixture.iscsi))).volume).toMatchObject({
          storageType: 'lvmoiscsi',
          isShared: true,
          canSnapshot: true,
        });
        expect((await getHostVolume(stores, srId(raw))).volume).toMatchObject({
          storageType: 'rawhba',
          isShared: false,
          canSnapshot: false,
        });
        const listed = await listHostVolumes(stores, { search: 'raw-lun7' });
        expect(listed.items).toEqual([
          expect.objectContaining({ storageType: 'rawhba', isShared: false, canSnapshot: false }),
        ]);

        const scan01 = await getVm(stores, CLOCK, vmId(scan));
        expect(scan01.findings.map((f) => [f.ruleId, f.severity])).toContainEqual([
          'XS-SR-NO-SNAPSHOT',
          'blocker',
        ]);
        expect(scan01.plan?.options.find((o) => o.method === 'xen-snapshot')?.isAvailable).toBe(false);
        // app01 is halted without guest tools: what runs inside is unknown, and it says why.
        const app01 = await getVm(stores, CLOCK, vmId(fixture.app01));
        expect(app01.vm.guestFactsUnknown).toContain('it was halted when its pool was last read');
        expect(app01.findings).toContainEqual(
          expect.objectContaining({ ruleId: 'XS-GUEST-FACTS-UNKNOWN', severity: 'info' }),
        );
        const sql01 = await getVm(stores, CLOCK, vmId(fixture.sql01));
        expect(sql01.findings.map((f) => f.ruleId)).not.toContain('XS-GUEST-FACTS-UNKNOWN');
        expect(sql01.findings.map((f) => f.ruleId)).not.toContain('XS-SR-SNAPSHOT-UNKNOWN');
      });

      it('discovers the pool into the inventory and records the sync', async () => {
        const { fixture, fake, stores, ctx, keys, secret } = await setup();
        const pool = await addXapiPool(stores, ctx, keys, {
          name: 'pool-lab',
          address: fake.address(),
          secretId: secret.id,
        });
        const { import: result } = await discoverXapiPool(stores, ctx, keys, pool.id, call());
        expect(result.stored).toMatchObject({ hosts: 2, vms: 3 });
        const sql01 = await getVm(
          stores,
          CLOCK,
          xenId(fixture.pool.get('VM', fixture.sql01)?.uuid as string),
        );
        expect(sql01.vm).toMatchObject({ name: 'sql01', powerState: 'running' });
        expect(sql01.host).toMatchObject({
          name: 'xcp1',
          kind: 'xenserver',
          connector: 'xapi',
          offersQuiescedSnapshots: false,
        });
        expect(await stores.xapiPools.get(pool.id)).toMatchObject({
          lastSyncAt: new Date('2026-11-24T02:00:00Z'),
          lastError: null,
        });
      });

      it('says what it could not read: an SR under VM disks whose storage driver the pool did not list', async () => {
        const { fixture, fake, stores, ctx, keys, secret } = await setup();
        const pool = await addXapiPool(stores, ctx, keys, {
          name: 'pool-lab',
          address: fake.address(),
          secretId: secret.id,
        });
        const sms = fixture.pool.table('SM');
        for (const [ref, sm] of sms) if (sm.type === 'ext') sms.delete(ref);
        const found = await discoverXapiPool(stores, ctx, keys, pool.id, call());
        const sr = found.notRead.filter((words) => words.startsWith('SR '));
        expect(sr).toEqual(['SR Local storage xcp1: whether its storage driver can snapshot was not read']);
        // The pool's log records the same, so the sync is not called complete there either.
        const [run] = (await stores.syncLog.list(pool.id, { limit: 1 })).items;
        expect(run).toMatchObject({
          outcome: 'succeeded-with-warnings',
          unknownFacts: found.notRead.length,
          warnings: found.notRead.join('; '),
        });
      });
    });
  });
});
