/**
 * The inventory import, run in a worker thread (import-thread-entry.mjs loads this file): JSON
 * parse, validation, referential checks, the write and the re-assessment all happen here, on the
 * thread's own database connection, so the server's event loop keeps answering meanwhile.
 * Answers once on the parent port, then the thread ends.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import {
  closeProcessDatabase,
  openProcessDatabase,
  type ProcessDatabase,
  storesOf,
} from '../../../db/process-database';
import { createServiceContext } from '../../context';
import { isDomainError } from '../errors';
import { importInventory, previewReplaceImport } from '../import-service';
import type { ImportThreadAnswer, ImportThreadRequest } from './import-thread-protocol';

async function run(request: ImportThreadRequest): Promise<ImportThreadAnswer> {
  let database: ProcessDatabase | undefined;
  try {
    database = await openProcessDatabase(request.database);
    const ctx = createServiceContext({ actor: request.actor, now: () => new Date(request.requestedAt) });
    const stores = storesOf(database);
    const result =
      request.task === 'preview-replace'
        ? await previewReplaceImport(stores, request.content)
        : await importInventory(stores, ctx, request.content, request.mode, {
            ...(request.confirmation ? { confirmation: request.confirmation } : {}),
          });
    return { ok: true, result, threadId };
  } catch (error) {
    if (isDomainError(error)) {
      const { code, message, fieldErrors } = error;
      return { ok: false, error: { kind: 'domain', code, message, fieldErrors } };
    }
    const { message, stack } = error instanceof Error ? error : new Error(String(error));
    return { ok: false, error: { kind: 'unexpected', message, stack } };
  } finally {
    if (database) await closeProcessDatabase(database);
  }
}

parentPort?.postMessage(await run(workerData as ImportThreadRequest));
