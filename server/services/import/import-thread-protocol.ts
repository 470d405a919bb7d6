/** What the import thread receives and answers (both sides of worker_threads' structured clone). */
import type { DatabaseConfig } from '../../config';
import type { Actor } from '../../context';
import type { DomainErrorCode, FieldError } from '../errors';
import type { ImportMode, ImportResult } from '../import-service';
import type { ReplaceConfirmation, ReplacePreview } from './replace-preview';

export interface ImportThreadRequest {
  /**
   * The database the thread opens its own connection to: the SQLite file (WAL lets it write beside
   * the server's) or the PostgreSQL URL.
   */
  database: DatabaseConfig;
  /** The import itself (default), or only its replace preview (parse, validate, compare; no write). */
  task?: 'import' | 'preview-replace';
  content: string;
  mode: ImportMode;
  /** A replace that removes anything: the operator's confirmation of its preview. */
  confirmation?: ReplaceConfirmation;
  actor: Actor;
  /** The caller's clock reading, so the thread records the import at the time it was asked for. */
  requestedAt: number;
}

export type ImportThreadAnswer =
  | { ok: true; result: ImportResult | ReplacePreview; threadId: number }
  | {
      ok: false;
      error:
        | { kind: 'domain'; code: DomainErrorCode; message: string; fieldErrors: FieldError[] }
        | { kind: 'unexpected'; message: string; stack: string | undefined };
    };
