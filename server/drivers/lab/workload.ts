/**
 * The workload of one running lab VM: a tiny "database" that keeps committing transactions to
 * its application disk (see disk-image.ts). Each transaction appends a log record, then after
 * `dataLagMs` rewrites the data page; between the two the disk is mid-transaction, so a
 * crash-consistent copy taken then is torn.
 *
 * `quiesce()` is what a freeze or a save-state does to a real guest: let the in-flight write
 * finish (flush), then stop writing until `start()`. Writes are synchronous positioned writes
 * (the file is opened per write, so a restore that replaces the file is never written through a
 * stale descriptor) and timers are unref'd so a workload never keeps a process alive.
 */
import { closeSync, openSync } from 'node:fs';
import { readApplicationState, writeDataPage, writeLogRecord } from './disk-image';

export interface WorkloadTiming {
  /** Pause between two transactions. */
  intervalMs: number;
  /** Time between a transaction's log append and its data page write (the torn window). */
  dataLagMs: number;
}

export const DEFAULT_WORKLOAD_TIMING: WorkloadTiming = { intervalMs: 100, dataLagMs: 30 };

export class VmWorkload {
  private seq = 0;
  private pendingSeq: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private isActive = false;

  constructor(
    readonly vmId: string,
    private readonly appDiskPath: string,
    private readonly timing: WorkloadTiming,
  ) {}

  get isWriting(): boolean {
    return this.isActive;
  }

  /** Last transaction the workload started (its log record is on disk). */
  get lastSeq(): number {
    return this.seq;
  }

  start(): void {
    if (this.isActive) return;
    // Like a database starting up: replay a log that is ahead of the data (a torn disk).
    const state = readApplicationState(this.appDiskPath);
    this.seq = Math.max(state.logSeq, state.dataSeq ?? 0);
    if (state.dataSeq !== this.seq) this.withDisk((fd) => writeDataPage(fd, this.seq));
    this.isActive = true;
    this.schedule(this.beginTransaction, this.timing.intervalMs);
  }

  /** Finish the in-flight transaction, then stop writing (freeze / saved state / power-off). */
  quiesce(): void {
    this.isActive = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pendingSeq !== null) {
      const seq = this.pendingSeq;
      this.withDisk((fd) => writeDataPage(fd, seq));
      this.pendingSeq = null;
    }
  }

  /**
   * Tests: start a transaction now (its log record written) and keep it open — no data page, no
   * next transaction — until the returned release() commits it and resumes. A crash-consistent
   * copy taken meanwhile is torn with certainty instead of by timing.
   */
  holdMidTransaction(): () => void {
    if (!this.isActive) throw new Error(`the workload of ${this.vmId} is not writing`);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pendingSeq === null) {
      const seq = this.seq + 1;
      this.withDisk((fd) => writeLogRecord(fd, seq, Date.now()));
      this.seq = seq;
      this.pendingSeq = seq;
    }
    return () => {
      if (this.isActive) this.commitData();
    };
  }

  /** Stop writing at once, mid-transaction if need be (power cut; used when a process dies). */
  halt(): void {
    this.isActive = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private readonly beginTransaction = (): void => {
    if (!this.isActive) return;
    const seq = this.seq + 1;
    this.withDisk((fd) => writeLogRecord(fd, seq, Date.now()));
    this.seq = seq;
    this.pendingSeq = seq;
    this.schedule(this.commitData, this.timing.dataLagMs);
  };

  private readonly commitData = (): void => {
    if (!this.isActive || this.pendingSeq === null) return;
    const seq = this.pendingSeq;
    this.withDisk((fd) => writeDataPage(fd, seq));
    this.pendingSeq = null;
    this.schedule(this.beginTransaction, this.timing.intervalMs);
  };

  private schedule(fn: () => void, delayMs: number): void {
    this.timer = setTimeout(fn, delayMs);
    this.timer.unref();
  }

  private withDisk(write: (fd: number) => void): void {
    const fd = openSync(this.appDiskPath, 'r+');
    try {
      write(fd);
    } finally {
      closeSync(fd);
    }
  }
}
