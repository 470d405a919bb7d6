/** What the import thread receives and answers (both sides of worker_threads' structured clone). */
import type { DatabaseConfig } from '../../config';
import type { Actor } from '../../context';
import type { DomainErrorCode, FieldError } from '../errors';
import type { ImportMode, ImportResult } from '../import-service';

export interface ImportThreadRequest {
  /**
   * The database the thread opens its own connection to: the SQLite file (WAL lets it write beside
   * the server's) or the PostgreSQL URL.
   */
  database: DatabaseConfig;
  content: string;
  mode: ImportMode;
  actor: Actor;
  /** The caller's clock reading, so the thread records the import at the time it was asked for. */
  requestedAt: number;
}

export type ImportThreadAnswer =
  | { ok: true; result: ImportResult; threadId: number }
  | {
      ok: false;
      error:
        | { kind: 'domain'; code: DomainErrorCode; message: string; fieldErrors: FieldError[] }
        | { kind: 'unexpected'; message: string; stack: string | undefined };
    };
