/**
 * The bytes of a lab virtual disk, and the application that lives on it.
 *
 * Every disk is a real file of `LAB_DISK_BYTES`, filled deterministically from its id (so two
 * machines create identical disks and tests can predict hashes). The first disk of each VM also
 * hosts a tiny "application" in two regions, the way a database keeps a write-ahead log and
 * data pages:
 *
 *   header  [0, 4 KiB)            JSON: disk id, VM id, whether the application lives here
 *   log     [64 KiB, 320 KiB)     ring of 32-byte records: magic, seq, time, checksum
 *   data    [1 MiB, 1 MiB + 4 KiB) one page: magic, seq, checksum, payload derived from seq
 *
 * A transaction appends log record N, then (a little later) rewrites the data page with seq N.
 * A copy taken between the two holds log N and data N−1: torn, exactly what a crash-consistent
 * capture of a busy database looks like (it must replay its log on restore). A frozen or
 * saved-state capture waits for the data write, so log and data agree: clean.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

export const LAB_DISK_BYTES = 2 * 1024 * 1024;
const HEADER_BYTES = 4096;
const LOG_OFFSET = 64 * 1024;
const LOG_RECORD_BYTES = 32;
const LOG_CAPACITY = 8192; // records: 256 KiB of log
const DATA_OFFSET = 1024 * 1024;
const DATA_PAGE_BYTES = 4096;
const LOG_MAGIC = 0x4c4f4752; // "LOGR"
const DATA_MAGIC = 0x44415441; // "DATA"

export interface DiskHeader {
  format: 'migawka-lab-disk/1';
  diskId: string;
  vmId: string;
  hasApplication: boolean;
}

/** Deterministic filler: an AES-128-CTR keystream keyed by the disk id (fast, and the same everywhere). */
function fillerFor(diskId: string, bytes: number): Buffer {
  const key = createHash('sha256').update(diskId).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(bytes)), cipher.final()]);
}

/** The initial content of a disk: filler, header, and for the application disk a record 0 pair. */
export function initialDiskImage(header: Omit<DiskHeader, 'format'>): Buffer {
  const image = fillerFor(header.diskId, LAB_DISK_BYTES);
  const json = Buffer.from(JSON.stringify({ format: 'migawka-lab-disk/1', ...header }));
  if (json.length >= HEADER_BYTES) throw new Error(`disk header of ${header.diskId} is too long`);
  image.fill(0, 0, HEADER_BYTES);
  json.copy(image, 0);
  if (header.hasApplication) {
    image.fill(0, LOG_OFFSET, LOG_OFFSET + LOG_CAPACITY * LOG_RECORD_BYTES);
    encodeLogRecord(0, 0).copy(image, LOG_OFFSET);
    encodeDataPage(0).copy(image, DATA_OFFSET);
  }
  return image;
}

function checksum(parts: Buffer): Buffer {
  return createHash('sha256').update(parts).digest().subarray(0, 8);
}

function encodeLogRecord(seq: number, atMs: number): Buffer {
  const record = Buffer.alloc(LOG_RECORD_BYTES);
  record.writeUInt32BE(LOG_MAGIC, 0);
  record.writeUInt32BE(seq, 4);
  record.writeDoubleBE(atMs, 8);
  checksum(record.subarray(0, 16)).copy(record, 16);
  return record;
}

function encodeDataPage(seq: number): Buffer {
  const page = Buffer.alloc(DATA_PAGE_BYTES);
  page.writeUInt32BE(DATA_MAGIC, 0);
  page.writeUInt32BE(seq, 4);
  // The payload changes with every transaction, so each write really changes the disk's hash.
  fillerFor(`data:${seq}`, DATA_PAGE_BYTES - 16).copy(page, 16);
  checksum(Buffer.concat([page.subarray(0, 8), page.subarray(16)])).copy(page, 8);
  return page;
}

/** Appends log record `seq` in place (one positioned write, like a WAL append). */
export function writeLogRecord(fd: number, seq: number, atMs: number): void {
  const slot = seq % LOG_CAPACITY;
  writeSync(fd, encodeLogRecord(seq, atMs), 0, LOG_RECORD_BYTES, LOG_OFFSET + slot * LOG_RECORD_BYTES);
}

/** Rewrites the data page to reflect transaction `seq`. */
export function writeDataPage(fd: number, seq: number): void {
  writeSync(fd, encodeDataPage(seq), 0, DATA_PAGE_BYTES, DATA_OFFSET);
}

function readAt(fd: number, offset: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  readSync(fd, buffer, 0, length, offset);
  return buffer;
}

export function readDiskHeader(file: string): DiskHeader | null {
  const fd = openSync(file, 'r');
  try {
    const raw = readAt(fd, 0, HEADER_BYTES);
    const end = raw.indexOf(0);
    const parsed = JSON.parse(raw.subarray(0, end === -1 ? HEADER_BYTES : end).toString('utf8'));
    return parsed?.format === 'migawka-lab-disk/1' ? (parsed as DiskHeader) : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

export interface ApplicationSnapshot {
  /** Highest valid log sequence number (the last committed transaction the log knows). */
  logSeq: number;
  /** Sequence number of the data page; null when the page is damaged. */
  dataSeq: number | null;
}

export function readApplicationState(file: string): ApplicationSnapshot {
  const fd = openSync(file, 'r');
  try {
    const log = readAt(fd, LOG_OFFSET, LOG_CAPACITY * LOG_RECORD_BYTES);
    let logSeq = -1;
    for (let slot = 0; slot < LOG_CAPACITY; slot++) {
      const record = log.subarray(slot * LOG_RECORD_BYTES, (slot + 1) * LOG_RECORD_BYTES);
      if (record.readUInt32BE(0) !== LOG_MAGIC) continue;
      if (!checksum(record.subarray(0, 16)).equals(record.subarray(16, 24))) continue;
      logSeq = Math.max(logSeq, record.readUInt32BE(4));
    }
    const page = readAt(fd, DATA_OFFSET, DATA_PAGE_BYTES);
    const isPageValid =
      page.readUInt32BE(0) === DATA_MAGIC &&
      checksum(Buffer.concat([page.subarray(0, 8), page.subarray(16)])).equals(page.subarray(8, 16));
    return { logSeq, dataSeq: isPageValid ? page.readUInt32BE(4) : null };
  } finally {
    closeSync(fd);
  }
}

export interface ConsistencyCheck {
  /** clean: log and data agree; torn: the copy caught a transaction half-written. null: no application. */
  state: 'clean' | 'torn' | null;
  detail: string;
}

/**
 * Checks a set of disk files (a VM's live disks, a snapshot, or a restore point's copies) for a
 * torn application: the application disk's newest log record and its data page must agree.
 */
export function checkConsistency(files: string[]): ConsistencyCheck {
  for (const file of files) {
    const header = readDiskHeader(file);
    if (!header?.hasApplication) continue;
    const { logSeq, dataSeq } = readApplicationState(file);
    if (dataSeq === null) return { state: 'torn', detail: `data page of ${header.diskId} is damaged` };
    if (logSeq !== dataSeq) {
      return {
        state: 'torn',
        detail: `log of ${header.diskId} is at transaction ${logSeq} but its data page at ${dataSeq}: recovery must replay the log`,
      };
    }
    return { state: 'clean', detail: `log and data of ${header.diskId} agree at transaction ${logSeq}` };
  }
  return { state: null, detail: 'no application disk among the files' };
}
