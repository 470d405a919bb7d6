/** A database's stores are built once per connection and cannot be swapped by one caller for all. */
import { describe, expect, it } from 'vitest';
import { openDatabase, sqliteOf } from './client';
import { storesOf } from './process-database';

describe('storesOf', () => {
  it('gives the same stores for the same connection, and other stores for another', () => {
    const one = openDatabase(':memory:');
    const other = openDatabase(':memory:');
    try {
      expect(storesOf(one)).toBe(storesOf({ kind: 'sqlite', db: one }));
      expect(storesOf(other)).not.toBe(storesOf(one));
    } finally {
      sqliteOf(one).close();
      sqliteOf(other).close();
    }
  });

  it('refuses to have a store replaced', () => {
    const db = openDatabase(':memory:');
    try {
      const stores = storesOf(db);
      expect(() => {
        (stores as { jobs: unknown }).jobs = null;
      }).toThrow(TypeError);
      expect(storesOf(db).jobs).not.toBeNull();
    } finally {
      sqliteOf(db).close();
    }
  });
});
