/**
 * On PostgreSQL, a value written while a vault key rotation runs (another request, another node)
 * must not land under the key the rotation is retiring: the rotation read the secrets at its start,
 * so a row inserted meanwhile would keep the old key, and nothing could open it once that key is
 * gone. Row locks do not hold off an insert; the rotation's exclusive vault lock does, and the write
 * then finds its key retired.
 *
 * The rotation is played by a transaction that holds the vault lock and has retired key-a; the test
 * waits for the store's write to stand in a lock queue (pg_locks), never on a timer.
 */
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import type { DialectHandle } from '../contract/dialects';
import { storeDialects } from '../contract/dialects';
import type { SecretStore } from '../ports';
import { untilSettledOrWaiting } from './race.test-support';
import { ADVISORY, inPgTransaction } from './transaction';

const postgres = (await storeDialects('secret-store-lock')).find((dialect) => dialect.name === 'PostgreSQL');
if (!postgres) throw new Error('the PostgreSQL dialect is missing');

const T0 = new Date('2026-03-01T00:00:00Z');
const sealedUnderA = { ciphertext: 'ct', iv: 'iv', authTag: 'tag', keyId: 'key-a' };

describe.skipIf(postgres.skip !== null)('a value written while a key rotation runs (PostgreSQL)', () => {
  let handle: DialectHandle | undefined;
  afterEach(async () => {
    await handle?.close();
  });

  it.each([
    {
      write: 'an insert',
      run: (secrets: SecretStore) =>
        secrets.insert({
          id: 's2',
          name: 'late',
          kind: 'password',
          username: null,
          sealed: sealedUnderA,
          createdAt: T0,
          createdBy: 'user:1',
        }),
    },
    {
      write: 'a value replacement',
      run: (secrets: SecretStore) => secrets.replaceValue('s1', sealedUnderA, T0, 'user:2'),
    },
  ])('$write waits for the rotation, then is refused: its key was retired', async ({ run }) => {
    handle = await postgres.open({ maxConnections: 4 });
    if (handle.dialect !== 'postgres') throw new Error('expected the PostgreSQL store');
    const { db, pool } = handle.pg;
    const { secrets } = handle.stores;
    await secrets.insert({
      id: 's1',
      name: 'existing',
      kind: 'password',
      username: null,
      sealed: sealedUnderA,
      createdAt: T0,
      createdBy: 'user:1',
    });

    let endRotation: () => void = () => {};
    const rotationMayEnd = new Promise<void>((resolve) => {
      endRotation = resolve;
    });
    let rotationStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      rotationStarted = resolve;
    });
    const rotating = inPgTransaction(db, async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${ADVISORY.vault})`);
      await tx.execute(
        sql`insert into vault_retired_keys (key_id, replaced_by, retired_at) values ('key-a', 'key-b', ${T0})`,
      );
      await tx.execute(sql`update secrets set key_id = 'key-b' where id = 's1'`);
      rotationStarted();
      await rotationMayEnd;
    });
    await started;

    const writing = run(secrets);
    // The write stands in the vault lock's queue behind the rotation (or, unserialised, is done).
    await untilSettledOrWaiting(pool, writing);
    endRotation();
    await rotating;
    expect(await writing).toEqual({
      kind: 'retired-key',
      retired: { keyId: 'key-a', replacedBy: 'key-b', retiredAt: T0 },
    });
    const rows = await db.execute(sql`select id, key_id as "keyId" from secrets order by id`);
    expect(rows.rows).toEqual([{ id: 's1', keyId: 'key-b' }]);
  });
});
