import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { keepStatements } from './statement-cache';

let connection: Database.Database;

function open(capacity?: number): Database.Database {
  connection = new Database(':memory:');
  keepStatements(connection, capacity);
  connection.exec(
    "create table t (id integer primary key, name text); insert into t values (1, 'a'), (2, 'b')",
  );
  return connection;
}

afterEach(() => connection?.close());

describe('keepStatements', () => {
  it('compiles a text once and hands the same statement out again', () => {
    const db = open();
    const first = db.prepare('select name from t where id = ?');
    expect(db.prepare('select name from t where id = ?')).toBe(first);
    expect(db.prepare('select name from t where id = ?').get(2)).toEqual({ name: 'b' });
    expect(db.prepare('select id from t where id = ?')).not.toBe(first);
  });

  it.each<[mode: string, use: (statement: Database.Statement) => void]>([
    ['raw', (statement) => statement.raw()],
    ['pluck', (statement) => statement.pluck()],
    ['expand', (statement) => statement.expand()],
  ])('the next caller gets rows as objects after one switched the statement to %s', (_mode, use) => {
    const db = open();
    use(db.prepare('select id, name from t order by id'));
    expect(db.prepare('select id, name from t order by id').all()).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ]);
  });

  it('compiles another statement while the kept one is still being iterated', () => {
    const db = open();
    const names: string[] = [];
    for (const row of db.prepare('select name from t order by id').iterate() as Iterable<{ name: string }>) {
      const again = db.prepare('select name from t order by id');
      names.push(row.name, (again.get() as { name: string }).name);
    }
    expect(names).toEqual(['a', 'a', 'b', 'a']);
  });

  it('forgets the least recently used text beyond its capacity', () => {
    const db = open(2);
    const one = db.prepare('select 1');
    const two = db.prepare('select 2');
    expect(db.prepare('select 1')).toBe(one);
    db.prepare('select 3');
    expect(db.prepare('select 1')).toBe(one);
    expect(db.prepare('select 2')).not.toBe(two);
  });

  it('a kept statement still answers after the schema changed under it', () => {
    const db = open();
    const select = db.prepare('select * from t where id = 1');
    db.exec('alter table t add column size integer default 7');
    expect(db.prepare('select * from t where id = 1')).toBe(select);
    expect(select.get()).toEqual({ id: 1, name: 'a', size: 7 });
  });
});
