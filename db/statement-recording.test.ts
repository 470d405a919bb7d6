import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { keepStatements } from './statement-cache';
import { recordStatements } from './statement-recording';

const open: Database.Database[] = [];

function connection(): Database.Database {
  const db = new Database(':memory:');
  keepStatements(db);
  db.exec("create table t (id integer primary key, name text); insert into t values (1, 'a')");
  open.push(db);
  return db;
}

afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

describe('recordStatements', () => {
  it('records what runs on its connection, also a statement compiled before it began', () => {
    const db = connection();
    const other = connection();
    const kept = db.prepare('select name from t where id = ?');
    const recording = recordStatements(db);
    kept.get(1);
    db.prepare('update t set name = ? where id = ?').run('b', 1);
    other.prepare('select 1').get();
    recording.stop();
    kept.get(1);
    expect(recording.recorded).toEqual([
      { sql: 'select name from t where id = ?', params: [1] },
      { sql: 'update t set name = ? where id = ?', params: ['b', 1] },
    ]);
  });
});
