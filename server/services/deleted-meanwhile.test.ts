/**
 * An object deleted between the read that named it and the write (or the read back after it) is
 * named in the refusal, not by an id nobody typed (deletedMeanwhile), on both stores.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoLabInventory } from '../../db/seed/demo-lab';
import { type DialectHandle, storeDialects } from '../../db/stores/contract/dialects';
import { jobOf } from '../../db/stores/contract/protection-job-changes';
import type { Stores } from '../../db/stores/ports';
import { createServiceContext } from '../context';
import { deleteBackupJob } from './backup-job-service';
import { isDomainError } from './errors';
import { acceptHypervHostKey } from './hyperv-connection-service';
import { importInventory } from './import-service';

const NOW = new Date('2026-04-02T08:00:00Z');

describe.each(await storeDialects('deletedmeanwhile'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let handle: DialectHandle;
    beforeEach(async () => {
      handle = await dialect.open();
    });
    afterEach(() => handle.close());

    it('a backup job deleted by someone else first is refused naming the job', async () => {
      await importInventory(
        handle.stores,
        createServiceContext({ now: () => NOW }),
        demoLabInventory(),
        'replace',
      );
      await handle.stores.jobs.create({
        ...jobOf('job-01JABCDEF', { kind: 'vms', vmIds: ['vm-web-01'] }, 24),
        name: 'web nightly',
      });
      // Another admin's delete lands between this delete's read and its write.
      const stores: Stores = {
        ...handle.stores,
        jobs: Object.assign(Object.create(handle.stores.jobs) as Stores['jobs'], {
          delete: async (id: string) => {
            await handle.stores.jobs.delete(id);
            return false;
          },
        }),
      };
      const refusal = await deleteBackupJob(stores, 'job-01JABCDEF').catch((error: unknown) => error);
      expect(isDomainError(refusal) && [refusal.code, refusal.message]).toEqual([
        'NOT_FOUND',
        'Backup job "web nightly" was deleted meanwhile',
      ]);
    });

    it('a Hyper-V host disconnected while its new key was accepted is refused naming the host', async () => {
      await handle.stores.hypervConnections.insert({
        id: 'hvc-01JABCDEF',
        name: 'hv-prod-01',
        address: '192.0.2.20',
        port: 22,
        secretId: 'secret-1',
        guestSecretId: null,
        wsbBackupTarget: null,
        createdAt: NOW,
        createdBy: 'user:ada',
      });
      await handle.stores.hypervConnections.refuse('hvc-01JABCDEF', 'SHA256:new');
      // Another admin disconnects the host between the accept's pin and its reading the host back.
      const stores: Stores = {
        ...handle.stores,
        hypervConnections: Object.assign(
          Object.create(handle.stores.hypervConnections) as Stores['hypervConnections'],
          {
            pinIfWaiting: async (id: string, fingerprint: string) => {
              const pinned = await handle.stores.hypervConnections.pinIfWaiting(id, fingerprint);
              await handle.stores.hypervConnections.delete(id);
              return pinned;
            },
          },
        ),
      };
      const refusal = await acceptHypervHostKey(stores, createServiceContext({ now: () => NOW }), {
        id: 'hvc-01JABCDEF',
        fingerprint: 'SHA256:new',
      }).catch((error: unknown) => error);
      expect(isDomainError(refusal) && [refusal.code, refusal.message]).toEqual([
        'NOT_FOUND',
        'Hyper-V host "hv-prod-01" was deleted meanwhile',
      ]);
    });
  });
});
