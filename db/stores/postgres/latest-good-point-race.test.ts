/**
 * Each VM's latest good restore point (the `vm_latest_good_points` read model, kept by PostgreSQL
 * triggers: db/migrations-pg 0001, 0033) with two transactions on points of one VM at once, as a
 * delete beside a verify, or two deletes, run on two workers: admission lets them, each holding
 * only its own point's lock.
 *
 * The first transaction changes a point and stays open; the second starts its change; the first
 * commits once the second has either finished its statement or stands in a lock queue (pg_locks),
 * never on a timer. Then the read model must name the VM's newest good point that remains.
 */
import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { demoLabInventory } from '../../seed/demo-lab';
import type { DialectHandle } from '../contract/dialects';
import { storeDialects } from '../contract/dialects';
import { openWithDemoLab, untilSettledOrWaiting } from './race.test-support';

const postgres = (await storeDialects('latest-good-race')).find((dialect) => dialect.name === 'PostgreSQL');
if (!postgres) throw new Error('the PostgreSQL dialect is missing');

const lab = demoLabInventory();
const vm = lab.vms[0];

/**
 * Three good points of the VM, P1 the newest, each of its own day: points of one day and
 * consistency share a row of the daily counts, whose lock would serialise the two writers anyway.
 */
async function insertPoints(client: pg.PoolClient): Promise<void> {
  for (const [id, day] of [
    ['P1', 3],
    ['P2', 2],
    ['P3', 1],
  ] as const) {
    await client.query(
      `insert into restore_points (id, vm_id, vm_name, method, consistency, capture_state, created_at,
         held_disks_json, missing_disks_json, size_bytes, repository_path)
       values ($1, $2, $3, 'hyperv-vss', 'application', 'online', $4, '[]', '[]', 1, $1)`,
      [id, vm.id, vm.name, new Date(Date.UTC(2026, 11, day))],
    );
  }
}

interface Case {
  name: string;
  /** The first transaction's change (left open). */
  first: string;
  /** The second's, started while the first is open. */
  second: string;
  latest: string;
}

const CASES: Case[] = [
  {
    name: 'the newest point deleted, and the next deleted beside it',
    first: `delete from restore_points where id = 'P1'`,
    second: `delete from restore_points where id = 'P2'`,
    latest: 'P3',
  },
  {
    name: 'the newest point deleted, and an older one found corrupt beside it',
    first: `delete from restore_points where id = 'P1'`,
    second: `update restore_points set last_verdict = 'corrupt' where id = 'P3'`,
    latest: 'P2',
  },
  {
    name: 'the newest point found corrupt, and the next deleted beside it',
    first: `update restore_points set last_verdict = 'corrupt' where id = 'P1'`,
    second: `delete from restore_points where id = 'P2'`,
    latest: 'P3',
  },
];

describe.skipIf(postgres.skip !== null)("a VM's latest good point, two writers at once (PostgreSQL)", () => {
  let handle: DialectHandle | undefined;
  const clients: pg.PoolClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.release();
    await handle?.close();
  });

  it.each(CASES)('$name: names $latest', async ({ first, second, latest }) => {
    const opened = await openWithDemoLab(postgres);
    handle = opened.handle;
    const { pool } = opened;
    const [one, two, watcher] = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
    clients.push(one, two, watcher);
    await insertPoints(one);

    await one.query('begin');
    await one.query(first);
    await two.query('begin');
    const twoPid = (await two.query('select pg_backend_pid() as pid')).rows[0].pid;
    const secondChange = two.query(second);
    await untilSettledOrWaiting(watcher, secondChange, twoPid);
    await one.query('commit');
    await secondChange;
    await two.query('commit');

    const stored = await watcher.query('select point_id from vm_latest_good_points where vm_id = $1', [
      vm.id,
    ]);
    expect(stored.rows).toEqual([{ point_id: latest }]);
  });
});
