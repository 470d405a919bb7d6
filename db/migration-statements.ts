/**
 * The statements of the migrations of one dialect's folder (db/migrations, db/migrations-pg), for
 * the tests of a migration that carries over existing rows: apply every migration before it, write
 * rows the old way, then run it. Tests only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Each migration's statements, in order, up to and including `last` (a file name of the folder). */
export function migrationsUpTo(folder: 'migrations' | 'migrations-pg', last: string): string[][] {
  const directory = path.join(import.meta.dirname, folder);
  const names = readdirSync(directory)
    .filter((name) => name.endsWith('.sql'))
    .sort();
  if (!names.includes(last)) throw new Error(`${folder} has no migration ${last}`);
  return names.slice(0, names.indexOf(last) + 1).map((name) =>
    readFileSync(path.join(directory, name), 'utf8')
      .split('--> statement-breakpoint')
      .filter((statement) => statement.trim() !== ''),
  );
}
