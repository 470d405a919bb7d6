/**
 * An object deleted between the read that named it and the write is named in the refusal, not by
 * an id nobody typed (deletedMeanwhile), on both stores.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoLabInventory } from '../../db/seed/demo-lab';
import { type DialectHandle, storeDialects } from '../../db/stores/contract/dialects';
import { jobOf } from '../../db/stores/contract/protection-job-changes';
import type { Stores } from '../../db/stores/ports';
import { createServiceContext } from '../context';
import { deleteBackupJob } from './backup-job-service';
import { isDomainError } from './errors';
import { importInventory } from './import-service';

const NOW = new Date('2026-04-02T08:00:00Z');

describe.each(await storeDialects('deletedmeanwhile'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('a backup job deleted by someone else first', () => {
    let handle: DialectHandle;
    beforeEach(async () => {
      handle = await dialect.open();
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
    });
    afterEach(() => handle.close());

    it('is refused naming the job', async () => {
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
  });
});
