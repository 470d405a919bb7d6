/**
 * `migawka db copy --from <sqlite file> --to <postgres url> [--force]`: moves an embedded
 * installation onto PostgreSQL (server/db-copy.ts). Exit 0 with a line per table; 1 when refused
 * (a non-empty target without --force) or when the copy failed (the target is left as it was).
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { openDatabase, sqliteOf } from '../db/client';
import { openPgDatabase, redactDatabaseUrl } from '../db/pg/client';
import { copySqliteToPostgres } from './db-copy';

export function registerDbCommand(program: Command): void {
  const db = program.command('db').description('the database itself');
  db.command('copy')
    .description('copy an embedded SQLite installation into an empty PostgreSQL database')
    .requiredOption('--from <file>', 'the SQLite database file')
    .requiredOption('--to <url>', 'postgres://user:password@host:5432/database (migrated first)')
    .option('--force', 'empty a target that already holds rows instead of refusing')
    .action(async (options: { from: string; to: string; force?: boolean }) => {
      if (!existsSync(options.from)) {
        console.error(`--from ${options.from}: no such file`);
        process.exitCode = 1;
        return;
      }
      const source = openDatabase(options.from);
      const target = await openPgDatabase(options.to);
      try {
        const report = await copySqliteToPostgres(source, target.db, { force: options.force });
        for (const { table, rows } of report.tables) console.log(`${table}: ${rows} rows`);
        console.log(`Copied ${options.from} into ${redactDatabaseUrl(options.to)}.`);
      } catch (error) {
        console.error((error as Error).message);
        process.exitCode = 1;
      } finally {
        sqliteOf(source).close();
        await target.close();
      }
    });
}
