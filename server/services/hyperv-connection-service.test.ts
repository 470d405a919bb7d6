/**
 * Hyper-V connections end to end against the fake Windows host: the admin adds a host with vault
 * credentials, tests it (seeing the pinned host-key fingerprint and what works), syncs it into the
 * inventory, and accepts a changed host key; bad input names the field and stores nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoLabInventory } from '../../db/seed/demo-lab';
import { type StoreDialect, storeDialects } from '../../db/stores/contract/dialects';
import type { SyncRunRecord } from '../../db/stores/ports/sync-log-store';
import { SQL01 } from '../drivers/hyperv/fake/fake-estate';
import { VM_STATE } from '../drivers/hyperv/fake/fake-hyperv-model';
import { createStoredHypervConnector } from '../drivers/hyperv/hyperv-connector';
import { hostInventoryId, vmInventoryId } from '../drivers/hyperv/hyperv-discovery';
import { ADMIN, callOptions, startFakeHost } from '../drivers/hyperv/hyperv-test-support';
import { isDriverError } from '../engine/driver';
import { isDomainError } from './errors';
import {
  addHypervConnection,
  removeHypervConnection,
  setHypervWsbTarget,
  storedHypervHosts,
} from './hyperv-connection-service';
import { testHypervConnection, testHypervDraft } from './hyperv-connection-test';
import { rejection, setupHypervConnection } from './hyperv-service-test-support';
import { runHypervSync, syncHypervConnection } from './hyperv-sync-service';
import { importInventory } from './import-service';
import { createSecret } from './vault-service';

type FakeModel = Awaited<ReturnType<typeof startFakeHost>>['model'];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const dialects = await storeDialects('hypervconnection');
let dialect: StoreDialect;

function setup(password?: string) {
  return setupHypervConnection(dialect, cleanups, password);
}

describe.each(dialects)('$name', (current) => {
  describe.skipIf(current.skip !== null)('stores', () => {
    beforeEach(() => {
      dialect = current;
    });
    describe('Hyper-V connections', () => {
      it('refuses bad input naming the field, and stores nothing', async () => {
        const { stores, ctx, keys, host } = await setup();
        const badAddress = await rejection(
          addHypervConnection(stores, ctx, keys, {
            name: 'hv01',
            address: 'ssh://x',
            hostAccountId: host.id,
          }),
        );
        expect(isDomainError(badAddress) && badAddress.fieldErrors?.map((field) => field.path)).toEqual([
          'address',
        ]);
        const badPort = await rejection(
          addHypervConnection(stores, ctx, keys, {
            name: 'hv01',
            address: 'hv01',
            port: 70000,
            hostAccountId: host.id,
          }),
        );
        expect(isDomainError(badPort) && badPort.fieldErrors?.map((field) => field.path)).toEqual(['port']);
        const noGuestSecret = await rejection(
          addHypervConnection(stores, ctx, keys, {
            name: 'hv01',
            address: 'hv01',
            hostAccountId: host.id,
            guestAccountId: 'nope',
          }),
        );
        expect(isDomainError(noGuestSecret) && noGuestSecret.fieldErrors?.map((field) => field.path)).toEqual(
          ['guestAccountId'],
        );
        const badTarget = await rejection(
          addHypervConnection(stores, ctx, keys, {
            name: 'hv01',
            address: 'hv01',
            hostAccountId: host.id,
            wsbBackupTarget: 'backup disk',
          }),
        );
        expect(isDomainError(badTarget) && badTarget.fieldErrors?.map((field) => field.path)).toEqual([
          'wsbBackupTarget',
        ]);
        expect(await stores.hypervConnections.list()).toEqual([]);
      });

      it('tests a host: pins and shows its key, and reports what works, guest by guest', async () => {
        const { fake, stores, ctx, keys, connection } = await setup();
        const saved = await connection();
        const result = await testHypervConnection(stores, ctx, keys, { id: saved.id }, callOptions());
        expect(result).toMatchObject({
          ok: true,
          hostKey: fake.host.fingerprint,
          computerName: 'HV01',
          isElevated: true,
          hasHyperVModule: true,
          vmCount: 3,
        });
        expect(result.ok && result.guests).toEqual([
          { vmName: 'sql01', powerShellDirect: 'works', reason: null },
          {
            vmName: 'file01',
            powerShellDirect: 'unknown',
            reason: expect.stringContaining('PowerShell Direct'),
          },
          { vmName: 'web01', powerShellDirect: 'unknown', reason: 'web01 is not running' },
        ]);
        expect((await stores.hypervConnections.get(saved.id))?.hostKey).toBe(fake.host.fingerprint);
      });

      it('a wrong password fails the test with the reason, not an exception', async () => {
        const { stores, ctx, keys, connection } = await setup('wrong');
        const saved = await connection();
        expect(await testHypervConnection(stores, ctx, keys, { id: saved.id }, callOptions())).toMatchObject({
          ok: false,
          fault: 'host-unreachable',
          message: expect.stringContaining('refused the login'),
        });
      });

      it('syncs the host into the inventory and records the sync', async () => {
        const { stores, ctx, keys, connection } = await setup();
        const saved = await connection();
        const { facts } = await syncHypervConnection(stores, ctx, keys, { id: saved.id }, callOptions());
        expect(facts.vms.map((vm) => vm.name)).toEqual(['sql01', 'file01', 'web01']);
        const inventory = await stores.inventory.loadInventory();
        expect(inventory.vms.find((vm) => vm.id === vmInventoryId(SQL01))).toMatchObject({
          name: 'sql01',
          applications: ['sqlserver'],
        });
        expect(inventory.hosts.map((host) => [host.name, host.connector])).toEqual(
          expect.arrayContaining([['HV01', 'hyperv']]),
        );
        expect(await stores.hypervConnections.get(saved.id)).toMatchObject({
          lastSyncAt: new Date('2026-11-24T02:00:00Z'),
          lastError: null,
        });
      });

      it('marks a VM the host no longer lists as gone, keeping it and its disks, and clears the mark when it is back', async () => {
        const { fake, stores, ctx, keys, connection } = await setup();
        const saved = await connection();
        let now = new Date('2026-11-24T02:00:00Z');
        const at = { ...ctx, now: () => now };
        await runHypervSync(stores, at, keys, { id: saved.id }, callOptions());
        const web01 = fake.model.state.vms.find((vm) => vm.name === 'web01');
        if (!web01) throw new Error('the fake estate has no web01');
        const webId = vmInventoryId(web01.id);
        const disksBefore = (await stores.inventory.loadInventory()).virtualDisks.filter(
          (d) => d.vmId === webId,
        );
        expect(disksBefore.length).toBeGreaterThan(0);

        // web01 is deleted (or moved away) on the host.
        fake.model.state.vms = fake.model.state.vms.filter((vm) => vm !== web01);
        now = new Date('2026-11-25T02:00:00Z');
        const gone = await runHypervSync(stores, at, keys, { id: saved.id }, callOptions());
        expect(gone).toMatchObject({ ok: true, goneVms: ['web01'], reappearedVms: [] });
        let inventory = await stores.inventory.loadInventory();
        expect(inventory.vms.find((vm) => vm.id === webId)?.goneSince).toEqual(now);
        expect(inventory.virtualDisks.filter((d) => d.vmId === webId)).toEqual(disksBefore);
        expect(inventory.vms.filter((vm) => vm.goneSince).map((vm) => vm.name)).toEqual(['web01']);

        // Still missing a day later: the mark keeps the day it was first missed.
        now = new Date('2026-11-26T02:00:00Z');
        expect(await runHypervSync(stores, at, keys, { id: saved.id }, callOptions())).toMatchObject({
          goneVms: [],
        });
        inventory = await stores.inventory.loadInventory();
        expect(inventory.vms.find((vm) => vm.id === webId)?.goneSince).toEqual(
          new Date('2026-11-25T02:00:00Z'),
        );

        // Back on the host: no longer gone.
        fake.model.state.vms.push(web01);
        expect(await runHypervSync(stores, at, keys, { id: saved.id }, callOptions())).toMatchObject({
          goneVms: [],
          reappearedVms: ['web01'],
        });
        inventory = await stores.inventory.loadInventory();
        expect(inventory.vms.find((vm) => vm.id === webId)?.goneSince).toBeNull();
      });

      it('re-assesses only what a sync can have changed: nothing when nothing did, a changed VM with its storage neighbours, every VM of the host when a host volume changed', async () => {
        const { fake, stores, ctx, keys, connection } = await setup();
        // Another estate beside the host: a sync must leave its assessments as they are.
        const beside = demoLabInventory();
        expect((await importInventory(stores, ctx, beside, 'replace')).assessment.assessedVms).toBe(
          beside.vms.length,
        );
        const saved = await connection();
        const assessed = async () =>
          (await syncHypervConnection(stores, ctx, keys, { id: saved.id }, callOptions())).import.assessment
            .assessedVms;
        expect(await assessed()).toBe(3); // the first sync: the host's three VMs, not the estate
        expect(await assessed()).toBe(0); // nothing changed on the host
        const file01 = fake.model.state.vms.find((vm) => vm.name === 'file01');
        if (!file01) throw new Error('the fake estate has no file01');
        file01.state = VM_STATE.Saved;
        // file01 changed; sql01 and web01 share its host volume D:, so they are assessed with it.
        const onlyFile01 = await assessed();
        const d = fake.model.state.volumes.find((volume) => volume.name.startsWith('D'));
        if (!d) throw new Error('the fake host has no D:');
        d.freeSpace = (d.freeSpace ?? 0) - 1024 ** 3;
        const everyVm = await assessed();
        expect({ onlyFile01, everyVm }).toEqual({ onlyFile01: 3, everyVm: 3 });
      });

      // Each sync is one row of the connection's log: what it added, changed and found gone, how it ended.
      const SYNCS: [string, (model: FakeModel) => void, Partial<SyncRunRecord>][] = [
        ['the first sync adds every VM', () => {}, { added: 3, changed: 0, gone: 0, unknownFacts: 2 }],
        ['nothing changed on the host', () => {}, { added: 0, changed: 0, gone: 0, unknownFacts: 2 }],
        [
          'web01 deleted on the host',
          (model) => {
            model.state.vms = model.state.vms.filter((vm) => vm.name !== 'web01');
          },
          { added: 0, changed: 0, gone: 1, unknownFacts: 1 },
        ],
        [
          'web01 back, and sql01 saved',
          (model) => {
            model.state.vms.push(removed.web01 as FakeModel['state']['vms'][number]);
            const sql = model.state.vms.find((vm) => vm.name === 'sql01');
            if (sql) sql.state = VM_STATE.Saved;
          },
          { added: 0, changed: 2, gone: 0, unknownFacts: 3 },
        ],
        [
          'the account lost its rights',
          (model) => {
            model.state.isElevated = false;
          },
          { outcome: 'failed', added: 0, changed: 0, gone: 0, unknownFacts: 0, warnings: null },
        ],
      ];
      const removed: { web01?: unknown } = {};

      it("records every sync in the connection's log, newest first, with what it did in words", async () => {
        const { fake, stores, ctx, keys, connection } = await setup();
        const saved = await connection();
        removed.web01 = fake.model.state.vms.find((vm) => vm.name === 'web01');
        let minute = 0;
        const at = { ...ctx, now: () => new Date(Date.parse('2026-11-24T02:00:00Z') + minute * 60_000) };
        for (const [, change] of SYNCS) {
          change(fake.model);
          minute += 1;
          await runHypervSync(stores, at, keys, { id: saved.id }, callOptions());
        }
        const log = await stores.syncLog.list(saved.id, { limit: 10 });
        const rows = [...log.items].reverse();
        expect(rows).toHaveLength(SYNCS.length);
        for (const [index, [what, , expected]] of SYNCS.entries()) {
          const row = rows[index];
          const succeeded = expected.outcome !== 'failed';
          expect({ what, ...row }).toMatchObject({
            what,
            connector: 'hyperv',
            connectionId: saved.id,
            // file01's guest is unreachable, web01 (and, saved, sql01) are not running: facts unknown.
            ...(succeeded ? { outcome: 'succeeded-with-warnings', error: null } : {}),
            ...expected,
          });
          if (succeeded) expect(row.warnings).toContain('file01: PowerShell Direct to file01');
        }
        expect(rows.at(-1)?.error).toContain('Hyper-V Administrators');
        // Removing the connection forgets its log.
        await removeHypervConnection(stores, ctx, { id: saved.id, confirmation: 'hv01' });
        expect((await stores.syncLog.list(saved.id, { limit: 10 })).items).toEqual([]);
      });

      it('a failed read marks nothing gone', async () => {
        const { fake, stores, ctx, keys, connection } = await setup();
        const saved = await connection();
        await runHypervSync(stores, ctx, keys, { id: saved.id }, callOptions());
        fake.model.state.isElevated = false;
        expect(await runHypervSync(stores, ctx, keys, { id: saved.id }, callOptions())).toMatchObject({
          ok: false,
        });
        const inventory = await stores.inventory.loadInventory();
        expect(inventory.vms.filter((vm) => vm.goneSince)).toEqual([]);
      });

      it('an account without Hyper-V rights cannot sync, and the record says why', async () => {
        const { fake, stores, ctx, keys, connection } = await setup();
        fake.model.state.isElevated = false;
        const saved = await connection();
        const error = await rejection(
          syncHypervConnection(stores, ctx, keys, { id: saved.id }, callOptions()),
        );
        expect(isDomainError(error) && error.message).toContain('Hyper-V Administrators');
        expect((await stores.hypervConnections.get(saved.id))?.lastError).toContain('Hyper-V Administrators');
      });

      it('the process registry finds a synced host by its connection, and says so when none serves it', async () => {
        const { stores, ctx, keys, connection } = await setup();
        const saved = await connection();
        const connector = createStoredHypervConnector(storedHypervHosts(stores, ctx, keys));
        const host = { id: hostInventoryId('HV01'), name: 'HV01', connector: 'hyperv' };
        const before = await rejection(
          connector.hypervisor?.(host).getPowerState(vmInventoryId(SQL01), callOptions()) as Promise<unknown>,
        );
        expect(isDriverError(before) && before.faultCode).toBe('connector-missing');
        await syncHypervConnection(stores, ctx, keys, { id: saved.id }, callOptions());
        // The registry hands drivers out from async functions: the driver must not pass for a promise.
        const driver = await Promise.resolve(connector.hypervisor?.(host));
        expect(driver && 'then' in driver ? typeof Reflect.get(driver, 'then') : 'absent').not.toBe(
          'function',
        );
        expect(await driver?.getPowerState(vmInventoryId(SQL01), callOptions())).toBe('running');
      });

      it('a host disconnected and connected again elsewhere is reached at its new address by the same process registry', async () => {
        const { stores, ctx, keys, connection } = await setup();
        const first = await connection();
        await syncHypervConnection(stores, ctx, keys, { id: first.id }, callOptions());
        const connector = createStoredHypervConnector(storedHypervHosts(stores, ctx, keys));
        const driver = connector.hypervisor?.({
          id: hostInventoryId('HV01'),
          name: 'HV01',
          connector: 'hyperv',
        });
        expect(await driver?.getPowerState(vmInventoryId(SQL01), callOptions())).toBe('running');

        // The host moves: its connection is removed and a new one reads it at another address,
        // where sql01 is off. The driver the registry handed out before must follow it there.
        await removeHypervConnection(stores, ctx, { id: first.id, confirmation: 'hv01' });
        const moved = await startFakeHost(4096);
        cleanups.push(() => moved.dispose());
        const sql01 = moved.model.state.vms.find((vm) => vm.id === SQL01);
        if (!sql01) throw new Error('the fake estate has no sql01');
        sql01.state = VM_STATE.Off;
        const account = await createSecret(stores, ctx, keys, {
          name: 'hv01 admin, moved',
          kind: 'password',
          username: ADMIN.username,
          secret: ADMIN.password,
        });
        const second = await addHypervConnection(stores, ctx, keys, {
          name: 'hv01 moved',
          address: '127.0.0.1',
          port: moved.host.port,
          hostAccountId: account.id,
        });
        await syncHypervConnection(stores, ctx, keys, { id: second.id }, callOptions());
        expect(await driver?.getPowerState(vmInventoryId(SQL01), callOptions())).toBe('off');
      });

      it("backs up through Windows Server Backup to the connection's target, which an admin can change", async () => {
        const { fake, stores, ctx, keys, host } = await setup();
        fake.model.state.isWsbInstalled = true;
        const saved = await addHypervConnection(stores, ctx, keys, {
          name: 'hv01',
          address: '127.0.0.1',
          port: fake.host.port,
          hostAccountId: host.id,
          wsbBackupTarget: ' E: ',
        });
        expect(saved.wsbBackupTarget).toBe('E:');
        await syncHypervConnection(stores, ctx, keys, { id: saved.id }, callOptions());
        const connector = createStoredHypervConnector(storedHypervHosts(stores, ctx, keys));
        const driver = connector.hypervisor?.({
          id: hostInventoryId('HV01'),
          name: 'HV01',
          connector: 'hyperv',
        });
        const volumes = {
          kind: 'host-volumes' as const,
          hostVolumeIds: [`${hostInventoryId('HV01')}:cbd6257a-0000-4000-8000-000000000002`],
        };
        await driver?.createSnapshot(
          { snapshotId: 'wsb-1', scope: volumes, diskIds: [], isQuiesced: true },
          callOptions(),
        );
        expect(fake.model.state.wsb.versions.map((version) => [version.target, version.volumes])).toEqual([
          ['E:', ['D:']],
        ]);

        // An admin moves the target to another volume: bad input names the field and changes nothing.
        for (const [input, field] of [
          [{ id: saved.id, wsbBackupTarget: 'backup disk' }, 'wsbBackupTarget'],
          [{ id: '', wsbBackupTarget: 'F:' }, 'id'],
        ] as const) {
          const refused = await rejection(setHypervWsbTarget(stores, ctx, input));
          expect(isDomainError(refused) && refused.fieldErrors?.map((error) => error.path)).toEqual([field]);
        }
        expect(
          isDomainError(
            await rejection(setHypervWsbTarget(stores, ctx, { id: 'nope', wsbBackupTarget: 'F:' })),
          ),
        ).toBe(true);
        expect((await stores.hypervConnections.get(saved.id))?.wsbBackupTarget).toBe('E:');
        const moved = await setHypervWsbTarget(stores, ctx, {
          id: saved.id,
          wsbBackupTarget: ' C: ',
        });
        expect(moved.wsbBackupTarget).toBe('C:');
        await driver?.createSnapshot(
          { snapshotId: 'wsb-2', scope: volumes, diskIds: [], isQuiesced: true },
          callOptions(),
        );
        expect(fake.model.state.wsb.versions.map((version) => version.target)).toEqual(['E:', 'C:']);
        // Cleared: WSB is not used on this host any more, and a WSB backup says so.
        await setHypervWsbTarget(stores, ctx, { id: saved.id, wsbBackupTarget: null });
        const noTarget = await rejection(
          driver?.createSnapshot(
            { snapshotId: 'wsb-3', scope: volumes, diskIds: [], isQuiesced: true },
            callOptions(),
          ) ?? Promise.resolve(),
        );
        expect(isDriverError(noTarget) && noTarget.faultCode).toBe('connector-missing');
      });

      it('tests a host before saving: shows its key and what works, stores nothing', async () => {
        const { fake, stores, ctx, keys, host, guest } = await setup();
        const draft = { address: '127.0.0.1', port: fake.host.port, hostAccountId: host.id };
        const result = await testHypervDraft(
          stores,
          ctx,
          keys,
          { ...draft, guestAccountId: guest.id },
          callOptions(),
        );
        expect(result).toMatchObject({ ok: true, hostKey: fake.host.fingerprint, computerName: 'HV01' });
        expect(result.ok && result.guests[0]).toEqual({
          vmName: 'sql01',
          powerShellDirect: 'works',
          reason: null,
        });
        expect(await stores.hypervConnections.list()).toEqual([]);
        const noAccount = await rejection(
          testHypervDraft(stores, ctx, keys, { ...draft, hostAccountId: 'nope' }, callOptions()),
        );
        expect(isDomainError(noAccount) && noAccount.fieldErrors?.map((field) => field.path)).toEqual([
          'hostAccountId',
        ]);
      });

      it('a key accepted before saving is pinned: a host presenting another is refused', async () => {
        const { fake, stores, ctx, keys, host } = await setup();
        const seen = fake.host.fingerprint;
        await fake.host.restartWithNewKey();
        const saved = await addHypervConnection(stores, ctx, keys, {
          name: 'hv01',
          address: '127.0.0.1',
          port: fake.host.port,
          hostAccountId: host.id,
          trustedFingerprint: seen,
        });
        expect(saved.hostKey).toBe(seen);
        expect(await testHypervConnection(stores, ctx, keys, { id: saved.id }, callOptions())).toMatchObject({
          ok: false,
          refusedHostKey: fake.host.fingerprint,
        });
        const badKey = await rejection(
          addHypervConnection(stores, ctx, keys, {
            name: 'hv02',
            address: 'hv02',
            hostAccountId: host.id,
            trustedFingerprint: 'md5',
          }),
        );
        expect(isDomainError(badKey) && badKey.fieldErrors?.map((field) => field.path)).toEqual([
          'trustedFingerprint',
        ]);
      });

      it('removes a connection by id, keeping what its syncs brought into the inventory', async () => {
        const { stores, ctx, keys, connection } = await setup();
        const saved = await connection();
        await syncHypervConnection(stores, ctx, keys, { id: saved.id }, callOptions());
        expect(await removeHypervConnection(stores, ctx, { id: saved.id, confirmation: 'hv01' })).toEqual({
          name: 'hv01',
        });
        expect(await stores.hypervConnections.list()).toEqual([]);
        expect((await stores.inventory.loadInventory()).vms.map((vm) => vm.name)).toContain('sql01');
        const again = await rejection(
          removeHypervConnection(stores, ctx, { id: saved.id, confirmation: 'hv01' }),
        );
        expect(isDomainError(again) && again.code).toBe('NOT_FOUND');
      });
    });
  });
});
