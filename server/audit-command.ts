/**
 * `migawka audit verify`: walks the whole audit trail's hash chain in the configured database and
 * names the first broken entry. Exit 0: intact; 1: broken (or the trail could not be read).
 */
import type { Command } from 'commander';
import { closeProcessDatabase, openProcessDatabase, storesOf } from '../db/process-database';
import { getConfig } from './config';
import { verifyAuditTrail } from './services/audit-service';

export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description('the audit trail');
  audit
    .command('verify')
    .description('check the audit trail hash chain; exit 1 naming the first broken entry')
    .action(async () => {
      // The configured database: PostgreSQL when DATABASE_URL is set (after `migawka db copy`).
      const database = await openProcessDatabase(getConfig().database);
      try {
        const result = await verifyAuditTrail(storesOf(database));
        if (result.ok) {
          console.log(
            `Audit trail intact: ${result.checked} entr${result.checked === 1 ? 'y' : 'ies'} checked, every hash matches.`,
          );
          return;
        }
        const { entry, reason } = result.break;
        console.error(
          `Audit trail BROKEN at entry ${entry.seq} (id ${entry.id}, ${entry.at.toISOString()}, ${entry.action} by ${entry.actorLabel}): ${reason}.`,
        );
        console.error(`The ${result.checked} entries before it are intact.`);
        process.exitCode = 1;
      } finally {
        await closeProcessDatabase(database);
      }
    });
}
