/**
 * Four-eyes: an approved action that ran is never reported as refused. When the action has
 * started but noting what it started fails (the database busy for a moment), the request stays
 * approved, the approver is told what started, and nothing reads "Approved, but refused when run".
 * An action refused when it runs still ends `failed` with the reason. An approval with no record
 * of its start a minute on (the server stopped in between, or the note failed) says so.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProcessDatabase } from '../../../db/process-database';
import { storeDialects } from '../../../db/stores/contract/dialects';
import type { ApprovalStore } from '../../../db/stores/ports';
import type { ApprovalRequested } from '../../services/approval-service';
import { insertAccounts, openDemoLabOn, rowsOf, type TestRows } from '../../test-rows';
import { person, rejectionOf } from '../../test-support';
import { type Context, contextFor, type Principal } from '../init';
import { createCaller } from '../root';

const T0 = new Date('2026-03-02T09:00:00Z');

let database: ProcessDatabase;
let rows: TestRows;

const RITA = person('rita', 'Rita Requester', 'admin');
const ADA = person('ada', 'Ada Approver', 'admin');

const silent = { info() {}, warn() {}, error() {}, debug() {} };

/** A context whose approval store fails to write an approved outcome, as a busy database would. */
function faultyContextFor(principal: Principal, failApprovedOutcome: boolean, now = T0): Context {
  const context = contextFor(database, { now: () => now, log: silent }, principal);
  const real = context.stores.approvals;
  const approvals = new Proxy(real, {
    get(target, property) {
      if (property === 'recordOutcome' && failApprovedOutcome) {
        const recordOutcome: ApprovalStore['recordOutcome'] = async (id, outcome) => {
          if (outcome.status === 'approved') throw new Error('database is locked');
          return target.recordOutcome(id, outcome);
        };
        return recordOutcome;
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { ...context, stores: { ...context.stores, approvals } };
}

const callerFor = (principal: Principal, failApprovedOutcome = false, now = T0) =>
  createCaller(faultyContextFor(principal, failApprovedOutcome, now));

/** A minute after T0: an approval's start is recorded within it, or its absence is told. */
const A_MINUTE_ON = new Date(T0.getTime() + 60_000);

const dialects = await storeDialects('approvals-outcome');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let close: () => Promise<void>;
    let pointId: string;
    beforeEach(async () => {
      ({ database, close } = await openDemoLabOn(dialect));
      rows = rowsOf(database);
      await insertAccounts(rows, T0, RITA, ADA);
      pointId = 'rp-outcome-1';
      await rows.insert('restorePoints', {
        id: pointId,
        vmId: 'vm-web-01',
        vmName: 'web-01',
        hostId: 'host-hv-prod-01',
        method: 'hyperv-vss',
        consistency: 'application',
        captureState: 'online',
        heldDisksJson: ['vm-web-01-os'],
        missingDisksJson: [],
        sizeBytes: 1024,
        repositoryPath: 'points/outcome-1',
        createdAt: new Date(T0.getTime() - 3_600_000),
      });
    });
    afterEach(() => close());

    async function askToDelete(): Promise<string> {
      const result = await callerFor(RITA).restorePoints.delete({
        id: pointId,
        confirmation: 'web-01 2026-03-02 08:00:00 UTC',
      });
      return (result as ApprovalRequested).approvalRequest.id;
    }

    it('an action that started reads approved, with what it started, when its outcome cannot be noted', async () => {
      const id = await askToDelete();
      const approved = await callerFor(ADA, true).approvals.approve({ id });
      const [operation] = await rows.all('operations');
      expect(operation).toBeDefined();
      expect(approved).toMatchObject({ status: 'approved', error: null });
      expect(approved.result).toEqual({ operationId: operation?.id });
      expect(await callerFor(ADA).approvals.get({ id })).toMatchObject({
        status: 'approved',
        error: null,
        isStartUnrecorded: false,
      });
      // Only the approver's answer knew what started: a minute on, the request says it is unrecorded.
      expect(await callerFor(ADA, false, A_MINUTE_ON).approvals.get({ id })).toMatchObject({
        status: 'approved',
        result: null,
        isStartUnrecorded: true,
      });
    });

    it('an approved action whose start was recorded is never told unrecorded', async () => {
      const id = await askToDelete();
      await callerFor(ADA).approvals.approve({ id });
      expect(await callerFor(ADA, false, A_MINUTE_ON).approvals.get({ id })).toMatchObject({
        status: 'approved',
        isStartUnrecorded: false,
      });
    });

    it('an action refused when it runs still ends failed with the reason', async () => {
      const id = await askToDelete();
      // A restore from the point is running: its deletion is refused when the approval runs it.
      const request = { restorePointId: pointId, mode: 'as-new' as const, newVmName: 'web-01-copy' };
      const restore = await callerFor(ADA).restores.preview(request);
      expect(restore.isRunnable, restore.blockedReasons.join('; ')).toBe(true);
      await callerFor(ADA).restores.start({ request, fingerprint: restore.fingerprint });
      const error = await rejectionOf(() => callerFor(ADA, true).approvals.approve({ id }));
      expect(error.code).toBe('CONFLICT');
      expect(await callerFor(ADA).approvals.get({ id })).toMatchObject({
        status: 'failed',
        error: error.message,
      });
    });
  });
});
