/**
 * Saving a backup job while another save lands between this one's read and its write, on both
 * databases: the other's change is never overwritten. The interleaving is made, not waited for:
 * the stores run the other save right after this one first reads the job.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import type { Stores } from '../../db/stores/ports';
import type { JobRecord } from '../../db/stores/ports/job-store';
import { createServiceContext, type ServiceContext } from '../context';
import { createHarness, type Harness } from '../jobs/test-harness';
import { nightlyJobInput } from '../test-support';
import {
  addVmsToJob,
  createBackupJob,
  getBackupJob,
  setBackupJobEnabled,
  updateBackupJob,
} from './backup-job-service';
import { quietLog } from './service-test-support';

/** The stores, with `meanwhile` run once, right after the job is first read. */
function withSaveAfterFirstRead(stores: Stores, meanwhile: () => Promise<unknown>): Stores {
  let isPending = true;
  const jobs = new Proxy(stores.jobs, {
    get(target, key) {
      const value = Reflect.get(target, key);
      if (key !== 'get') return typeof value === 'function' ? value.bind(target) : value;
      return async (id: string) => {
        const row = await target.get(id);
        if (isPending) {
          isPending = false;
          await meanwhile();
        }
        return row;
      };
    },
  });
  return { ...stores, jobs };
}

const dialects = await storeDialects('jobsaves');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let h: Harness;
    let ctx: ServiceContext;
    beforeEach(async () => {
      h = await createHarness({ dialect });
      // One instant for every save: versions must tell saves apart within a millisecond too.
      ctx = createServiceContext({ now: () => h.clock.now(), newId: h.newId, log: quietLog });
    });
    afterEach(async () => {
      await h.close();
    });

    const scopeOf = async (id: string) => (await getBackupJob(h.stores, ctx, id)).request.scope;

    it.each([
      { added: ['fs1'], meanwhile: ['sql1'], scope: ['web1', 'sql1', 'fs1'] },
      { added: ['fs1', 'sql1'], meanwhile: ['sql1'], scope: ['web1', 'sql1', 'fs1'] },
      { added: ['fs1'], meanwhile: ['fs1'], scope: ['web1', 'fs1'] },
    ])(
      'adding $added while $meanwhile is added by someone else keeps both: $scope',
      async ({ added, meanwhile, scope }) => {
        const job = await createBackupJob(h.stores, ctx, nightlyJobInput('Nightly web', 'web1'));
        const stores = withSaveAfterFirstRead(h.stores, () =>
          addVmsToJob(h.stores, ctx, { id: job.id, vmIds: meanwhile }),
        );
        await addVmsToJob(stores, ctx, { id: job.id, vmIds: added });
        expect(await scopeOf(job.id)).toEqual({ kind: 'vms', vmIds: scope });
      },
    );

    it('an edit saved while another was saved since its read is refused and saves nothing', async () => {
      const job = await createBackupJob(h.stores, ctx, nightlyJobInput('Nightly web', 'web1'));
      const stores = withSaveAfterFirstRead(h.stores, () =>
        updateBackupJob(h.stores, ctx, job.id, nightlyJobInput('Nightly web and fs', 'fs1')),
      );
      await expect(
        updateBackupJob(stores, ctx, job.id, nightlyJobInput('Nightly web', 'web1', { rpoHours: 48 })),
      ).rejects.toMatchObject({
        code: 'CONFLICT',
        message:
          'Backup job "Nightly web" was changed by someone else while this change was being saved; nothing was saved: open the job again to see their change',
      });
      const saved = await getBackupJob(h.stores, ctx, job.id);
      expect([saved.name, saved.rpoHours, saved.request.scope]).toEqual([
        'Nightly web and fs',
        26,
        { kind: 'vms', vmIds: ['fs1'] },
      ]);
    });

    it.each<{ save: string; change: (stores: Stores, id: string) => Promise<unknown> }>([
      {
        save: 'an edit',
        change: (stores, id) =>
          updateBackupJob(stores, ctx, id, nightlyJobInput('Nightly web', 'web1', { rpoHours: 48 })),
      },
      { save: 'a disable', change: (stores, id) => setBackupJobEnabled(stores, ctx, id, false) },
    ])("$save saved after the scheduler claimed a run keeps the scheduler's last run", async ({ change }) => {
      const job = await createBackupJob(h.stores, ctx, nightlyJobInput('Nightly web', 'web1'));
      const read = (await h.stores.jobs.get(job.id)) as JobRecord;
      const claimedRunAt = new Date(h.clock.now().getTime() + 60_000);
      const stores = withSaveAfterFirstRead(h.stores, () =>
        h.stores.jobs.claimScheduledRun({
          jobId: job.id,
          expectedLastScheduledAt: read.lastScheduledAt,
          lastScheduledAt: claimedRunAt,
          nextRunAt: read.nextRunAt,
          run: null,
        }),
      );
      await change(stores, job.id);
      expect((await h.stores.jobs.get(job.id))?.lastScheduledAt).toEqual(claimedRunAt);
    });
  });
});
