/**
 * The migration that binds secrets to endpoints (SQLite 0050, PostgreSQL 0044) carries over the
 * connections an installation already has: the migrations before it are applied, secrets and
 * connections are written as they were then, then the migration runs. Each secret is bound to the
 * endpoint of every connection that signs in with it — written in SQL, and equal to what
 * server/engine/secret-binding.ts `endpointOf` gives for the same address, or a connection saved
 * before would ask for its password again once disconnected and added back.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { type BindingConnector, endpointOf } from '../server/engine/secret-binding';
import { migrationsUpTo } from './migration-statements';
import { createTestDatabase, postgresForTests } from './pg/test-database';

const SECRETS = ['hv-admin', 'guest', 'pool-root', 'dom0', 'ontap', 'grpadmin'];

/** The connections before the migration: which table, the address as saved, and the secrets it names. */
const CONNECTIONS: {
  connector: BindingConnector;
  address: string;
  port?: number;
  secrets: (string | null)[];
}[] = [
  { connector: 'hyperv', address: 'HV-01.Lab', port: 22, secrets: ['hv-admin', 'guest'] },
  { connector: 'hyperv', address: '[2001:DB8::20]', port: 2222, secrets: ['hv-admin', null] },
  { connector: 'xapi', address: 'xcp1.lab', secrets: ['pool-root', 'guest', 'dom0'] },
  { connector: 'xapi', address: '192.0.2.10:8443', secrets: ['pool-root', null, null] },
  { connector: 'xapi', address: '[2001:db8::10]', secrets: ['pool-root', null, null] },
  { connector: 'xapi', address: '[2001:db8::11]:8443', secrets: ['pool-root', null, 'deleted'] },
  { connector: 'ontap', address: 'Cluster1.lab', secrets: ['ontap'] },
  { connector: 'ontap', address: 'cluster2.lab:8443', secrets: ['ontap'] },
  { connector: 'equallogic', address: '192.0.2.40', secrets: ['grpadmin'] },
  { connector: 'equallogic', address: '192.0.2.41:2222', secrets: ['grpadmin'] },
];

const EXPECTED = [
  ...new Set(
    CONNECTIONS.flatMap(({ connector, address, port, secrets }) =>
      secrets
        .filter((secret) => secret !== null && SECRETS.includes(secret))
        .map((secret) => `${secret} ${endpointOf(connector, address, port)}`),
    ),
  ),
].sort();

const T0 = new Date('2026-03-01T00:00:00Z');

/** The statements writing the rows, with their parameters, in the dialect's placeholders. */
function rowsOf(p: (i: number) => string, at: unknown): [string, unknown[]][] {
  const params = (count: number) => Array.from({ length: count }, (_, i) => p(i + 1)).join(', ');
  const statements: [string, unknown[]][] = SECRETS.map((id) => [
    `insert into secrets (id, name, kind, ciphertext, iv, auth_tag, key_id, created_at, created_by,
       updated_at, updated_by) values (${params(3)}, 'c', 'i', 't', 'k', ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)})`,
    [id, id, 'password', at, 'user:1', at, 'user:1'],
  ]);
  CONNECTIONS.forEach(({ connector, address, port, secrets: [first, second, third] }, i) => {
    const name = `c${i}`;
    if (connector === 'hyperv') {
      statements.push([
        `insert into hyperv_connections (id, name, address, port, secret_id, guest_secret_id, created_at,
           created_by) values (${params(8)})`,
        [name, name, address, port, first, second, at, 'user:1'],
      ]);
    } else if (connector === 'xapi') {
      statements.push([
        `insert into xapi_pools (id, name, address, secret_id, guest_secret_id, host_ssh_secret_id, pins,
           refused, created_at, created_by) values (${params(6)}, '{}', '{}', ${p(7)}, ${p(8)})`,
        [name, name, address, first, second, third, at, 'user:1'],
      ]);
    } else {
      statements.push([
        `insert into array_connections (id, name, vendor, address, secret_id, created_at, created_by)
           values (${params(7)})`,
        [name, name, connector, address, first, at, 'user:1'],
      ]);
    }
  });
  return statements;
}

const READ_BACK = 'select secret_id, endpoint, bound_by from secret_endpoints';
const bindingsOf = (rows: { secret_id: string; endpoint: string; bound_by: string }[]) => {
  for (const row of rows) expect(row.bound_by).toBe('system');
  return rows.map((row) => `${row.secret_id} ${row.endpoint}`).sort();
};

describe('the secret endpoints migration', () => {
  it('SQLite: each secret is bound to the endpoints of the connections that use it', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    const migrations = migrationsUpTo('migrations', '0050_secret_endpoints.sql');
    for (const statements of migrations.slice(0, -1)) for (const statement of statements) db.exec(statement);
    for (const [statement, params] of rowsOf(() => '?', T0.getTime())) db.prepare(statement).run(...params);
    for (const statement of migrations.at(-1) ?? []) db.exec(statement);
    expect(bindingsOf(db.prepare(READ_BACK).all() as never)).toEqual(EXPECTED);
    db.close();
  });

  it('PostgreSQL: each secret is bound to the endpoints of the connections that use it', async (context) => {
    if (!(await postgresForTests()).available) return context.skip();
    const database = await createTestDatabase('secretendpoints', undefined, false);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const migrations = migrationsUpTo('migrations-pg', '0044_secret_endpoints.sql');
      for (const statements of migrations.slice(0, -1))
        for (const statement of statements) await client.query(statement);
      for (const [statement, params] of rowsOf((i) => `$${i}`, T0)) await client.query(statement, params);
      for (const statement of migrations.at(-1) ?? []) await client.query(statement);
      expect(bindingsOf((await client.query(READ_BACK)).rows)).toEqual(EXPECTED);
    } finally {
      await client.end();
      await database.drop();
    }
  });
});
