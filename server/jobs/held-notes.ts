/**
 * A running step's log lines and progress, held back and written together: every `intervalMs`
 * while the step runs (one write of each held kind at most), and what is left when the step ends
 * rides in its completion's transaction (CompleteOptions.notes). On PostgreSQL every write is a
 * commit under the event-id lock (db/stores/postgres/transaction.ts); a lab backup step reports a
 * progress and a log line or two within milliseconds, and wrote each in a transaction of its own
 * (~9 commits of an operation's ~19: docs/BENCHMARKS.md, the scale-out proof). A console watching a
 * long copy still sees its progress and lines, at most `intervalMs` late.
 */
import type { HeldStepNotes, LogLevel } from '../../db/stores/ports/operation-store';

export interface NoteWriters {
  /** A held log line written alone (a step still running after the interval). */
  log(level: LogLevel, message: string, at: Date): void;
  progress(bytesDone: number, at: Date, bytesTotal?: number): void;
}

export class HeldNotes {
  private logs: HeldStepNotes['logs'] = [];
  private progress: HeldStepNotes['progress'] = null;

  constructor(private readonly writers: NoteWriters) {}

  log(level: LogLevel, message: string, at: Date): void {
    this.logs.push({ level, message, at });
  }

  /** Only the last report counts: it says everything the earlier ones did. */
  reportProgress(bytesDone: number, at: Date, bytesTotal?: number): void {
    this.progress = { bytesDone, at, ...(bytesTotal !== undefined ? { bytesTotal } : {}) };
  }

  /** Writes what is held, each on its own (the interval passed and the step still runs). */
  flush(): void {
    const { logs, progress } = this.take();
    if (progress) this.writers.progress(progress.bytesDone, progress.at, progress.bytesTotal);
    for (const line of logs) this.writers.log(line.level, line.message, line.at);
  }

  /** Hands over what is held (to the completion), leaving nothing. */
  take(): HeldStepNotes {
    const notes = { logs: this.logs, progress: this.progress };
    this.logs = [];
    this.progress = null;
    return notes;
  }
}
