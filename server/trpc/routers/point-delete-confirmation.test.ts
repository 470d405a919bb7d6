/**
 * A point's delete is confirmed by the text that names that point: its VM and the second it was
 * taken, to the millisecond when another point of the VM shares the second, with its id when one
 * shares the millisecond too. The point's details give the dialog that text; the delete checks
 * it. A text that names another point of the VM deletes nothing and asks nobody; the right one
 * deletes (four-eyes off) or asks a second admin (on). Both stores.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { rejectionOf } from '../../test-support';
import {
  callerFor,
  insertPoint,
  lab,
  openApprovalsLab,
  operationCount,
  RITA,
  turnFourEyesOff,
} from './approvals-test-support';

const dialects = await storeDialects('point_delete_confirmation');

/** Four points of web-01 taken within one second: two of them in the same millisecond. */
const POINTS: { at: string; text: (id: string) => string }[] = [
  { at: '2026-03-02T07:00:00.000Z', text: () => 'web-01 2026-03-02 07:00:00.000 UTC' },
  { at: '2026-03-02T07:00:00.412Z', text: (id) => `web-01 2026-03-02 07:00:00.412 UTC ${id}` },
  { at: '2026-03-02T07:00:00.412Z', text: (id) => `web-01 2026-03-02 07:00:00.412 UTC ${id}` },
  // The next second: to the second, whatever the one before holds.
  { at: '2026-03-02T07:00:01.000Z', text: () => 'web-01 2026-03-02 07:00:01 UTC' },
];

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let close: () => Promise<void>;
    let ids: string[];
    let texts: string[];
    beforeEach(async () => {
      close = await openApprovalsLab(dialect);
      ids = [];
      for (const point of POINTS)
        ids.push(await insertPoint({ vmId: 'vm-web-01', createdAt: new Date(point.at) }));
      texts = [];
      for (const id of ids)
        texts.push((await callerFor(RITA).restorePoints.get({ id })).deletion.confirmationText);
    });
    afterEach(() => close());

    it('the details name each point with a text of its own', () => {
      expect(texts).toEqual(POINTS.map((point, index) => point.text(ids[index] as string)));
      expect(new Set(texts).size).toBe(POINTS.length);
    });

    describe.each([true, false])('four-eyes on: %s', (fourEyes) => {
      it.each(POINTS.map((_, index) => index))(
        "point %i: every other point's text is refused and deletes nothing; its own is accepted",
        async (index) => {
          if (!fourEyes) await turnFourEyesOff('delete-restore-point', 'typed confirmation under test');
          const id = ids[index] as string;
          const own = texts[index] as string;
          const requestsBefore = (await lab.rows.all('approvalRequests')).length;
          for (const other of [
            ...texts.filter((text) => text !== own),
            'web-01',
            'web-01 2026-03-02 07:00:00 UTC',
          ]) {
            const error = await rejectionOf(() =>
              callerFor(RITA).restorePoints.delete({ id, confirmation: other }),
            );
            expect(error.code).toBe('BAD_REQUEST');
            expect(error.message).toBe(
              `The confirmation "${other}" is not the point's VM and time, "${own}". Nothing was deleted.`,
            );
          }
          expect(await operationCount()).toBe(0);
          expect((await lab.rows.all('approvalRequests')).length).toBe(requestsBefore);
          expect((await lab.rows.all('restorePoints')).map((row) => row.id)).toEqual(
            expect.arrayContaining(ids),
          );

          const result = await callerFor(RITA).restorePoints.delete({ id, confirmation: own });
          expect(result).toHaveProperty(fourEyes ? 'approvalRequest' : 'operationId');
          expect(await operationCount()).toBe(fourEyes ? 0 : 1);
          expect((await lab.rows.all('approvalRequests')).length).toBe(requestsBefore + (fourEyes ? 1 : 0));
        },
      );
    });
  });
});
