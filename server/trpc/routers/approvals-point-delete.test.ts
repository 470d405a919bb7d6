/**
 * Four-eyes on deleting a restore point whose capture other points share: the approver reads what
 * the requester was shown before confirming — the whole-volume reverts of other VMs the delete
 * breaks, and what happens to the array snapshot kept on the array — and the approval is bound to
 * it: once the delete would break or destroy something else than was reviewed, approving it is
 * refused and nothing runs.
 */
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as pgSchema from '../../../db/pg/schema';
import type { ProcessDatabase } from '../../../db/process-database';
import * as sqliteSchema from '../../../db/schema';
import { DEMO_LAB_NAMES } from '../../../db/seed/demo-lab';
import { storeDialects } from '../../../db/stores/contract/dialects';
import type { ApprovalRequested } from '../../services/approval-service';
import { insertAccounts, openDemoLabOn, rowsOf, type TestRows } from '../../test-rows';
import { person, rejectionOf } from '../../test-support';
import { contextFor, type Principal } from '../init';
import { createCaller } from '../root';

const HOUR = 3_600_000;
const T0 = new Date('2026-03-02T09:00:00Z');

let database: ProcessDatabase;
let rows: TestRows;

const RITA = person('rita', 'Rita Requester', 'admin');
const ADA = person('ada', 'Ada Approver', 'admin');

const callerFor = (principal: Principal) => createCaller(contextFor(database, { now: () => T0 }, principal));

type PointRow = typeof sqliteSchema.restorePoints.$inferInsert;

function pointOf(vmId: string, values: Partial<PointRow>): PointRow {
  return {
    id: `rp-shared-${vmId}`,
    vmId,
    vmName: vmId.replace(/^vm-/, ''),
    hostId: 'host-hv-branch-01',
    method: 'wsb-volume',
    consistency: 'application',
    captureState: 'online',
    heldDisksJson: [`${vmId}-os`],
    missingDisksJson: [],
    sizeBytes: 1024,
    repositoryPath: `points/shared-${vmId}`,
    createdAt: new Date(T0.getTime() - 2 * HOUR),
    ...values,
  };
}

const wsbPoint = (vmId: string) =>
  pointOf(vmId, { hostVolumeId: DEMO_LAB_NAMES.wsbVolumeId, snapshotId: 'snap-branch' });

const keptArrayPoint = (vmId: string) =>
  pointOf(vmId, {
    hostId: 'host-xs-a-01',
    method: 'array-snapshot',
    consistency: 'crash',
    arrayVolumeId: 'lun-vmstore',
    snapshotId: 'snap-lun-vmstore',
    locationKind: 'array-snapshot',
    locationRef: 'snap-lun-vmstore',
    locationName: 'migawka_vmstore_0900',
    repositoryPath: '',
  });

/** Another point of the capture is gone since the request (retention, or another delete). */
async function deletePointRow(id: string): Promise<void> {
  if (database.kind === 'sqlite') {
    const table = sqliteSchema.restorePoints;
    database.db.delete(table).where(eq(table.id, id)).run();
  } else {
    const table = pgSchema.restorePoints;
    await database.pg.db.delete(table).where(eq(table.id, id));
  }
}

interface SharedCapture {
  points: PointRow[];
  /** The point deleted. */
  deleted: string;
  /** Words of what else the delete does, as the requester's confirmation showed them. */
  shown: RegExp;
  /** Since the request, the delete came to do more than was shown. */
  grow: () => Promise<unknown>;
}

const CAPTURES: [string, () => SharedCapture][] = [
  [
    'a Windows Server Backup capture of a whole volume',
    () => ({
      points: ['vm-branch-app-01', 'vm-branch-dc-01', 'vm-branch-fs-01'].map(wsbPoint),
      deleted: 'rp-shared-vm-branch-app-01',
      shown: /branch-dc-01.*branch-fs-01/,
      // A point of the capture catalogued late (a resumed run): its volume revert breaks too.
      grow: () => rows.insert('restorePoints', wsbPoint('vm-branch-print-01')),
    }),
  ],
  [
    'an array snapshot kept on the array',
    () => ({
      points: ['vm-web-xen-01', 'vm-sql-xen-01'].map(keptArrayPoint),
      deleted: 'rp-shared-vm-web-xen-01',
      shown: /keeps array snapshot \\"migawka_vmstore_0900\\" on the array for the points of sql-xen-01/,
      // The last other holder went: the delete now destroys the snapshot on the array.
      grow: () => deletePointRow('rp-shared-vm-sql-xen-01'),
    }),
  ],
];

const dialects = await storeDialects('approvals-point-delete');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ database, close } = await openDemoLabOn(dialect));
      rows = rowsOf(database);
      await insertAccounts(rows, T0, RITA, ADA);
    });
    afterEach(() => close());

    describe.each(CAPTURES)('four-eyes: deleting a point of %s', (_capture, setup) => {
      it('shows the approver what else the delete does, as the requester saw it', async () => {
        const capture = setup();
        await rows.insert('restorePoints', capture.points);
        const request = await askToDelete(capture.deleted);
        const seen = await callerFor(ADA).approvals.get({ id: request.id });
        expect(JSON.stringify(seen.preview)).toMatch(capture.shown);
        expect(seen.approveRefusal).toBeNull();
      });

      it('refuses the approval once the delete does more than was reviewed; nothing runs', async () => {
        const capture = setup();
        await rows.insert('restorePoints', capture.points);
        const request = await askToDelete(capture.deleted);
        await capture.grow();
        const error = await rejectionOf(() => callerFor(ADA).approvals.approve({ id: request.id }));
        expect(error.code).toBe('CONFLICT');
        expect(error.message).toMatch(/^The estate changed since this request was made/);
        expect(await rows.all('operations')).toEqual([]);
        expect((await callerFor(ADA).approvals.get({ id: request.id })).status).toBe('pending');
      });
    });
  });
});

async function askToDelete(id: string): Promise<ApprovalRequested['approvalRequest']> {
  const point = (await rows.all('restorePoints')).find((row) => row.id === id);
  // Every point here was taken at 07:00:00 UTC, one per VM.
  const confirmation = `${point?.vmName} 2026-03-02 07:00:00 UTC`;
  const result = await callerFor(RITA).restorePoints.delete({ id, confirmation });
  expect(result).toHaveProperty('approvalRequest');
  return (result as ApprovalRequested).approvalRequest;
}
