/**
 * The operation page names who asked for a run and who cancelled it by their account names, the
 * scheduler and the local system user by theirs, never as "user:<account id>".
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ProcessDatabase, storesOf } from '../../../db/process-database';
import { storeDialects } from '../../../db/stores/contract/dialects';
import type { OperationPlan } from '../../engine/plan-types';
import { insertAccounts, openDemoLabOn, rowsOf } from '../../test-rows';
import { person } from '../../test-support';
import { contextFor } from '../init';
import { createCaller } from '../root';

const T0 = new Date('2026-03-02T09:00:00Z');
const OLA = person('ola', 'Ola Operator', 'operator');
const ADA = person('ada', 'Ada Admin', 'admin');
const GONE = person('gone', 'Gone Person', 'operator');

let database: ProcessDatabase;
let close: () => Promise<void>;

const callerFor = (principal: typeof OLA) => createCaller(contextFor(database, { now: () => T0 }, principal));

const dialects = await storeDialects('operationpeople');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('who asked and who cancelled, by name', () => {
    beforeEach(async () => {
      ({ database, close } = await openDemoLabOn(dialect));
      await insertAccounts(rowsOf(database), T0, OLA, ADA);
    });
    afterEach(async () => {
      await close();
    });

    it('names the account that asked and the one that cancelled', async () => {
      const vmId = (await storesOf(database).inventory.loadInventory()).vms[0]?.id as string;
      const started = await callerFor(OLA).operations.backupVm({ vmId });
      await callerFor(ADA).operations.cancel({ id: started.operationId });

      const { operation } = await callerFor(ADA).operations.get({ id: started.operationId });
      expect(operation).toMatchObject({
        requestedBy: 'user:ola',
        requestedByName: 'Ola Operator',
        cancelledBy: 'user:ada',
        cancelledByName: 'Ada Admin',
      });
    });

    it('says an account since removed is one, and names the scheduler and the system as themselves', async () => {
      const vmId = (await storesOf(database).inventory.loadInventory()).vms[0]?.id as string;
      const byRemoved = await callerFor(GONE).operations.backupVm({ vmId });
      const { operation } = await callerFor(ADA).operations.get({ id: byRemoved.operationId });
      expect(operation.requestedByName).toBe('an account since removed');

      const stores = storesOf(database);
      // The same plan again, as the scheduler's or the system's.
      const plan = (await stores.operations.get(byRemoved.operationId))?.planJson as unknown as OperationPlan;
      for (const [label, name] of [
        ['scheduler', 'Scheduler'],
        ['system', 'Local system user'],
      ]) {
        const id = `op-${label}`;
        await stores.operations.enqueue(plan, {}, { id, now: T0, requestedBy: label });
        expect((await callerFor(ADA).operations.get({ id })).operation.requestedByName).toBe(name);
      }
    });
  });
});
