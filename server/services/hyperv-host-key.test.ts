/**
 * Accepting a Hyper-V host's changed SSH host key, against the fake Windows host over real SSH: the
 * admin accepts the fingerprint they were shown and compared; a key presented again after that look
 * is refused, naming the host, and nothing is pinned; an accept that names no fingerprint is refused.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StoreDialect, storeDialects } from '../../db/stores/contract/dialects';
import { callOptions } from '../drivers/hyperv/hyperv-test-support';
import { isDriverError } from '../engine/driver';
import { isDomainError } from './errors';
import { acceptHypervHostKey } from './hyperv-connection-service';
import { testHypervConnection } from './hyperv-connection-test';
import { rejection, setupHypervConnection } from './hyperv-service-test-support';
import { syncHypervConnection } from './hyperv-sync-service';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const dialects = await storeDialects('hypervhostkey');
let dialect: StoreDialect;

function setup() {
  return setupHypervConnection(dialect, cleanups);
}

describe.each(dialects)('$name', (current) => {
  describe.skipIf(current.skip !== null)('stores', () => {
    beforeEach(() => {
      dialect = current;
    });
    describe('accepting a changed Hyper-V host key', () => {
      it('a changed host key is refused until an admin accepts the one they were shown', async () => {
        const { fake, stores, ctx, keys, connection } = await setup();
        const saved = await connection();
        await testHypervConnection(stores, ctx, keys, { id: saved.id }, callOptions());
        const first = fake.host.fingerprint;
        await fake.host.restartWithNewKey();
        const refused = await testHypervConnection(stores, ctx, keys, { id: saved.id }, callOptions());
        const shown = fake.host.fingerprint;
        expect(refused).toMatchObject({ ok: false, fault: 'host-unreachable', refusedHostKey: shown });
        const syncError = await rejection(
          syncHypervConnection(stores, ctx, keys, { id: saved.id }, callOptions()),
        );
        expect(isDriverError(syncError) && syncError.message).toContain('different SSH host key');
        expect((await stores.hypervConnections.get(saved.id))?.hostKey).toBe(first);

        for (const input of [{ id: saved.id }, { id: saved.id, fingerprint: '' }]) {
          const unnamed = await rejection(acceptHypervHostKey(stores, ctx, input));
          expect(isDomainError(unnamed) && [unnamed.code, unnamed.fieldErrors]).toEqual([
            'INVALID_INPUT',
            [{ path: 'fingerprint', message: 'Give the fingerprint you were shown and compared' }],
          ]);
        }
        expect((await stores.hypervConnections.get(saved.id))?.hostKey).toBe(first);

        const accepted = await acceptHypervHostKey(stores, ctx, { id: saved.id, fingerprint: shown });
        expect(accepted).toMatchObject({ hostKey: shown, refusedHostKey: null });
        expect(await testHypervConnection(stores, ctx, keys, { id: saved.id }, callOptions())).toMatchObject({
          ok: true,
        });
        const nothingWaiting = await rejection(
          acceptHypervHostKey(stores, ctx, { id: saved.id, fingerprint: shown }),
        );
        expect(isDomainError(nothingWaiting) && nothingWaiting.message).toContain('No changed host key');
      });

      it('refuses to accept a host key that changed again since the admin compared it, naming the host, and pins nothing', async () => {
        const { fake, stores, ctx, keys, connection } = await setup();
        const saved = await connection();
        const lastYears = `SHA256:${'A'.repeat(43)}`; // what the host presented last year
        await stores.hypervConnections.pin(saved.id, lastYears);
        await testHypervConnection(stores, ctx, keys, { id: saved.id }, callOptions());
        const shown = (await stores.hypervConnections.get(saved.id))?.refusedHostKey;
        expect(shown).toBe(fake.host.fingerprint);
        // Someone else presents another key between the admin's look and the click.
        await fake.host.restartWithNewKey();
        await testHypervConnection(stores, ctx, keys, { id: saved.id }, callOptions());
        const later = fake.host.fingerprint;
        expect(later).not.toBe(shown);

        const stale = await rejection(acceptHypervHostKey(stores, ctx, { id: saved.id, fingerprint: shown }));
        expect(isDomainError(stale) && [stale.code, stale.message, stale.fieldErrors]).toEqual([
          'CONFLICT',
          `The SSH host key waiting on hv01 is now ${later}, not the one you compared: nothing was pinned. Compare it again, then accept it.`,
          [{ path: 'fingerprint', message: 'Another SSH host key is waiting now' }],
        ]);
        expect(await stores.hypervConnections.get(saved.id)).toMatchObject({
          hostKey: lastYears,
          refusedHostKey: later,
        });

        // Compared again: the key waiting now is accepted, and the host answers.
        await acceptHypervHostKey(stores, ctx, { id: saved.id, fingerprint: later });
        expect(await testHypervConnection(stores, ctx, keys, { id: saved.id }, callOptions())).toMatchObject({
          ok: true,
        });
      });
    });
  });
});
