/**
 * Deleting a job or a restore point is confirmed by a name typed, checked by the server as well as
 * by the dialog: a call that skips the dialog deletes nothing (and asks nobody) by id alone. One row
 * per confirmation, on both stores, with four-eyes on (the request is what a right name gets) and off
 * (the delete itself).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { nightlyJobInput, rejectionOf } from '../../test-support';
import {
  callerFor,
  HOUR,
  insertPoint,
  lab,
  openApprovalsLab,
  operationCount,
  RITA,
  T0,
  turnFourEyesOff,
} from './approvals-test-support';

const dialects = await storeDialects('typed_confirmation');

/** [typed, accepted, the message the refusal names under `confirmation`] */
const TYPED: [string | undefined, boolean, string][] = [
  ['fs nightly', true, ''],
  ['  fs nightly ', true, ''],
  ['', false, `Type the job's name, "fs nightly", to confirm the delete`],
  ['FS NIGHTLY', false, `The confirmation "FS NIGHTLY" is not the job's name, "fs nightly"`],
  ['fs', false, `The confirmation "fs" is not the job's name, "fs nightly"`],
];

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let close: () => Promise<void>;
    beforeEach(async () => {
      close = await openApprovalsLab(dialect);
    });
    afterEach(() => close());

    describe.each([true, false])('four-eyes on: %s', (fourEyes) => {
      it.each(TYPED)(
        'deleting the job "fs nightly" typed as %j: accepted %s',
        async (typed, accepted, message) => {
          if (!fourEyes) await turnFourEyesOff('delete-job', 'typed confirmation under test');
          const requestsBefore = (await lab.rows.all('approvalRequests')).length;
          const job = await callerFor(RITA).jobs.create(nightlyJobInput('fs nightly', 'vm-fs-01'));
          const remove = () => callerFor(RITA).jobs.delete({ id: job.id, confirmation: typed ?? '' });
          const jobs = async () => (await lab.rows.all('backupJobs')).length;
          if (accepted) {
            const result = await remove();
            expect(result).toHaveProperty(fourEyes ? 'approvalRequest' : 'name');
            expect(await jobs()).toBe(fourEyes ? 1 : 0);
            return;
          }
          const error = await rejectionOf(remove);
          expect(error.code).toBe('BAD_REQUEST');
          expect(error.message).toBe(`${message}. Nothing was deleted.`);
          expect(await jobs()).toBe(1);
          expect((await lab.rows.all('approvalRequests')).length).toBe(requestsBefore);
        },
      );

      it.each<[string, boolean, string]>([
        ['web-01 2026-03-02 07:00:00 UTC', true, ''],
        [' web-01 2026-03-02 07:00:00 UTC ', true, ''],
        ['', false, `Type the point's VM and time, "web-01 2026-03-02 07:00:00 UTC", to confirm the delete`],
        // The VM's name alone names every point of the VM.
        [
          'web-01',
          false,
          `The confirmation "web-01" is not the point's VM and time, "web-01 2026-03-02 07:00:00 UTC"`,
        ],
        // The VM's other point.
        [
          'web-01 2026-03-02 08:00:00 UTC',
          false,
          `The confirmation "web-01 2026-03-02 08:00:00 UTC" is not the point's VM and time, "web-01 2026-03-02 07:00:00 UTC"`,
        ],
      ])('deleting the 07:00 point of web-01 typed as %j: accepted %s', async (typed, accepted, message) => {
        if (!fourEyes) await turnFourEyesOff('delete-restore-point', 'typed confirmation under test');
        const id = await insertPoint({ vmId: 'vm-web-01' });
        await insertPoint({ vmId: 'vm-web-01', createdAt: new Date(T0.getTime() - HOUR) });
        const requestsBefore = (await lab.rows.all('approvalRequests')).length;
        const points = async () => (await lab.rows.all('restorePoints')).map((row) => row.id);
        const remove = () => callerFor(RITA).restorePoints.delete({ id, confirmation: typed });
        if (accepted) {
          expect(await remove()).toHaveProperty(fourEyes ? 'approvalRequest' : 'operationId');
          expect(await operationCount()).toBe(fourEyes ? 0 : 1);
          return;
        }
        const error = await rejectionOf(remove);
        expect(error.code).toBe('BAD_REQUEST');
        expect(error.message).toBe(`${message}. Nothing was deleted.`);
        expect(await operationCount()).toBe(0);
        expect(await points()).toContain(id);
        expect((await lab.rows.all('approvalRequests')).length).toBe(requestsBefore);
      });
    });

    it('an unknown job is named as not found, whatever is typed', async () => {
      const error = await rejectionOf(() =>
        callerFor(RITA).jobs.delete({ id: 'job-nope', confirmation: 'x' }),
      );
      expect(error.code).toBe('NOT_FOUND');
    });
  });
});
