/**
 * Every worker process watches every XenServer pool, so on PostgreSQL two nodes' syncs of one pool
 * can find the same snapshot destroyed at once. The one that commits first marks its point gone
 * and says so; the other must neither overwrite when and why nor report the point gone again.
 *
 * The first node is played by a transaction that has marked the point gone and stays open; the
 * store's sync must stand in its lock queue (pg_locks), never on a timer, before it commits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DialectHandle } from '../contract/dialects';
import { storeDialects } from '../contract/dialects';
import { openWithDemoLab, untilSettledOrWaiting } from './race.test-support';

const postgres = (await storeDialects('pool-points-gone')).find((dialect) => dialect.name === 'PostgreSQL');
if (!postgres) throw new Error('the PostgreSQL dialect is missing');

describe.skipIf(postgres.skip !== null)("a pool snapshot found gone by two nodes' syncs (PostgreSQL)", () => {
  let handle: DialectHandle | undefined;
  afterEach(async () => {
    await handle?.close();
  });

  it('is marked gone and reported once, by the sync that committed first', async () => {
    const opened = await openWithDemoLab(postgres);
    handle = opened.handle;
    const { pool, lab, stores } = opened;
    const vm = lab.vms[0];
    const [first, watcher] = await Promise.all([pool.connect(), pool.connect()]);
    try {
      await first.query(
        `insert into restore_points (id, vm_id, vm_name, host_id, method, consistency, capture_state, created_at,
           held_disks_json, missing_disks_json, size_bytes, repository_path, location_kind, location_ref, location_name)
         values ('S1', $1, $2, $3, 'xen-snapshot', 'crash', 'online', $4, '[]', '[]', 1, '', 'pool-snapshot',
           'xen:s1', 'before patch')`,
        [vm.id, vm.name, vm.hostId, new Date(Date.UTC(2026, 11, 1))],
      );
      const firstGone = new Date(Date.UTC(2026, 11, 2, 10));
      await first.query('begin');
      await first.query(
        `update restore_points set gone_since = $1, gone_reason = 'destroyed on the pool (first node)',
           last_verdict = 'missing', last_verified_at = $1 where id = 'S1'`,
        [firstGone],
      );

      const syncing = stores.restorePoints.recordPoolSnapshots({
        hostIds: [vm.hostId],
        snapshots: [],
        now: new Date(Date.UTC(2026, 11, 2, 11)),
        goneReason: 'destroyed on the pool (second node)',
      });
      await untilSettledOrWaiting(watcher, syncing);
      await first.query('commit');
      expect((await syncing).gone).toEqual([]);

      const stored = await watcher.query(
        `select gone_since as "goneSince", gone_reason as "goneReason" from restore_points where id = 'S1'`,
      );
      expect(stored.rows).toEqual([
        { goneSince: firstGone, goneReason: 'destroyed on the pool (first node)' },
      ]);
    } finally {
      first.release();
      watcher.release();
    }
  });
});
