/**
 * Runs an inventory import off the server's event loop. Parsing, validating, writing and
 * re-assessing 90,000 VMs takes tens of seconds of CPU; on the request's thread it froze every
 * other request and the in-process worker for that long. Here a worker thread does it on its own
 * connection to the same SQLite file, and the request awaits its answer: the same ImportResult, or
 * the same DomainError (every bad field named, nothing written).
 *
 * One import runs at a time per process (a second waits its turn): two would only compete for the
 * write lock and hold two parsed estates in memory.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Stores } from '../../../db/stores/ports';
import type { DatabaseConfig } from '../../config';
import type { ServiceContext } from '../../context';
import { DomainError } from '../errors';
import { type ImportMode, type ImportResult, importInventory, previewReplaceImport } from '../import-service';
import type { ImportThreadAnswer, ImportThreadRequest } from './import-thread-protocol';
import type { ReplaceConfirmation, ReplacePreview } from './replace-preview';

const ENTRY_FILE = 'import-thread-entry.mjs';

/**
 * The thread's entry file. Beside this module when it runs from source (tsx, vitest, the CLI);
 * under `next start` this module is bundled into `.next/`, so the file is found from the working
 * directory (the repository root, as for the migrations in db/client.ts).
 */
export function resolveImportThreadEntry(): string {
  const here = new URL(import.meta.url);
  const candidates = [
    here.protocol === 'file:' ? path.join(path.dirname(fileURLToPath(here)), ENTRY_FILE) : null,
    path.resolve(process.cwd(), 'server/services/import', ENTRY_FILE),
  ].filter((candidate): candidate is string => candidate !== null);
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`Cannot find the import thread's entry; looked in: ${candidates.join(', ')}`);
  return found;
}

export interface ThreadImportResult extends ImportResult {
  /** The worker thread that did the work (never the caller's). */
  threadId: number;
}

let queue: Promise<unknown> = Promise.resolve();

/** Imports in a worker thread; resolves or rejects as `importInventory` would. */
export async function importInventoryInThread(request: ImportThreadRequest): Promise<ThreadImportResult> {
  const { result, threadId } = await inTurn({ ...request, task: 'import' });
  return { ...(result as ImportResult), threadId };
}

/** A replace's preview in a worker thread (parsing and validating a large file is the slow part). */
export async function previewReplaceInThread(
  request: Omit<ImportThreadRequest, 'task' | 'mode' | 'confirmation'>,
): Promise<ReplacePreview & { threadId: number }> {
  const { result, threadId } = await inTurn({ ...request, mode: 'replace', task: 'preview-replace' });
  return { ...(result as ReplacePreview), threadId };
}

function inTurn(request: ImportThreadRequest): Promise<ThreadAnswer> {
  const turn = queue.then(() => runThread(request));
  queue = turn.catch(() => undefined);
  return turn;
}

type ThreadAnswer = { result: ImportResult | ReplacePreview; threadId: number };

function runThread(request: ImportThreadRequest): Promise<ThreadAnswer> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(resolveImportThreadEntry(), { workerData: request });
    let answered = false;
    worker.once('message', (answer: ImportThreadAnswer) => {
      answered = true;
      if (answer.ok) resolve({ result: answer.result, threadId: answer.threadId });
      else if (answer.error.kind === 'domain') {
        const { code, message, fieldErrors } = answer.error;
        reject(new DomainError(code, message, fieldErrors));
      } else {
        const failure = new Error(`The inventory import failed: ${answer.error.message}`);
        failure.stack = answer.error.stack;
        reject(failure);
      }
    });
    worker.once('error', (error) => {
      answered = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`The inventory import thread exited (code ${code}) without an answer`));
    });
  });
}

/**
 * The import as the console runs it: in a worker thread on its own connection to the same
 * database (the SQLite file, or PostgreSQL: parsing and assessing a large estate is CPU work there
 * too); in the caller for a private in-memory database (tests), which no other thread can reach.
 */
export async function importInventoryOffLoop(
  ctx: { importDatabase: DatabaseConfig | null; stores: Pick<Stores, 'inventory'>; service: ServiceContext },
  content: string,
  mode: ImportMode,
  options: { confirmation?: ReplaceConfirmation } = {},
): Promise<ImportResult> {
  if (ctx.importDatabase === null) return importInventory(ctx.stores, ctx.service, content, mode, options);
  const { threadId: _threadId, ...result } = await importInventoryInThread({
    database: ctx.importDatabase,
    content,
    mode,
    ...(options.confirmation ? { confirmation: options.confirmation } : {}),
    actor: ctx.service.actor,
    requestedAt: ctx.service.now().getTime(),
  });
  return result;
}

/** The replace preview as the console runs it: off the event loop like the import itself. */
export async function previewReplaceOffLoop(
  ctx: {
    importDatabase: DatabaseConfig | null;
    stores: Pick<Stores, 'inventory' | 'jobs' | 'restorePoints'>;
    service: ServiceContext;
  },
  content: string,
): Promise<ReplacePreview> {
  if (ctx.importDatabase === null) return previewReplaceImport(ctx.stores, content);
  const { threadId: _threadId, ...preview } = await previewReplaceInThread({
    database: ctx.importDatabase,
    content,
    actor: ctx.service.actor,
    requestedAt: ctx.service.now().getTime(),
  });
  return preview;
}
