/**
 * `migawka worker`: runs the durable runner (and the backup job scheduler) as its own process
 * against the configured database (server/config.ts: PostgreSQL when DATABASE_URL is set, else
 * MIGAWKA_DB_PATH or $MIGAWKA_DATA_DIR/migawka.db). Several workers, on one machine or (PostgreSQL)
 * several, and the one inside the web server, can share one database: claims are leased. SIGTERM/SIGINT
 * stop claiming and let the steps in flight finish; a SIGKILL is what lease recovery is for.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { closeProcessDatabase, describeDatabase, openProcessDatabase } from '../db/process-database';
import { getConfig } from './config';
import { logger } from './logger';
import { startBackgroundWorker, stopBackgroundWorker } from './services/worker-service';

/** "hv-1,hv-2" → the inventory ids named (at least one). */
function idList(value: string): string[] {
  const ids = value
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (ids.length === 0)
    throw new InvalidArgumentError('must name at least one inventory id, comma-separated');
  return ids;
}

function positive(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return number;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run the operations worker (backups, restores, schedules) as its own process')
    .option('--worker-id <id>', 'lease owner name (default: host:pid:random)')
    .option('--concurrency <n>', 'steps run at once, each of a different operation', positive)
    .option('--lease-ms <ms>', 'lease length; another worker takes over after it expires', positive)
    .option('--poll-ms <ms>', 'how often to look for work', positive)
    .option(
      '--hosts <ids>',
      'take only operations on these hosts (inventory ids, comma-separated; default MIGAWKA_WORKER_HOSTS, else every host)',
      idList,
    )
    .option(
      '--arrays <ids>',
      'take only operations on these storage arrays (inventory ids; default MIGAWKA_WORKER_ARRAYS, else every array)',
      idList,
    )
    .action(
      async (options: {
        workerId?: string;
        concurrency?: number;
        leaseMs?: number;
        pollMs?: number;
        hosts?: string[];
        arrays?: string[];
      }) => {
        const config = getConfig();
        const database = await openProcessDatabase(config.database);
        const serves = {
          hostIds: options.hosts ?? config.worker.serves.hostIds,
          arrayIds: options.arrays ?? config.worker.serves.arrayIds,
        };
        const worker = startBackgroundWorker(database, {
          serves,
          ...(options.workerId ? { workerId: options.workerId } : {}),
          ...(options.concurrency ? { concurrency: options.concurrency } : {}),
          ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
          ...(options.pollMs ? { pollMs: options.pollMs } : {}),
        });
        logger.info(
          {
            workerId: worker.workerId,
            database: describeDatabase(config.database),
            lab: config.lab.dir,
            hosts: serves.hostIds ?? 'all',
            arrays: serves.arrayIds ?? 'all',
          },
          'worker started',
        );
        await new Promise<void>((resolve) => {
          const shutdown = (signal: string) => {
            logger.info({ workerId: worker.workerId, signal }, 'stopping: finishing the steps in flight');
            void stopBackgroundWorker()
              .then(() => closeProcessDatabase(database))
              .then(resolve);
          };
          process.once('SIGTERM', () => shutdown('SIGTERM'));
          process.once('SIGINT', () => shutdown('SIGINT'));
        });
      },
    );
}
