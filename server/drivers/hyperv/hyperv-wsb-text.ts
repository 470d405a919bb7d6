/**
 * What wbadmin prints, read (CONNECTORS.md §2.5–2.6). wbadmin has no JSON: its text is for humans
 * and translated, so only the parts that look the same in every language are relied on:
 * - the exit code (0 = done),
 * - a version identifier `MM/DD/YYYY-HH:MM` (UTC: on a host at UTC-6 a backup shown as
 *   "5/3/2018 9:36 AM" has the identifier 05/03/2018-15:36),
 * - the snapshot id `{guid}` of each version,
 * - the HRESULT `0x…` an error line carries.
 * English labels ("Backup target:", "Can recover:") are read where present and otherwise left
 * empty. The English texts seen with each row are kept in the fixtures (hyperv-wsb-text.test.ts).
 */
import { DriverError, type DriverFaultCode } from '../../engine/driver';

export interface WsbVersion {
  /** `MM/DD/YYYY-HH:MM`, what `-version:` takes. */
  versionId: string;
  /** The identifier's time (UTC). */
  backedUpAt: Date;
  /** The VSS snapshot id wbadmin lists for it; null when the line is missing. */
  snapshotId: string | null;
  /** "Backup target:" (a disk) or "Backup location:" (a share) as printed, English hosts only. */
  target: string | null;
  /** "Can recover:" items as printed (English hosts only). */
  canRecover: string[];
}

const VERSION_ID = /(\d{2})\/(\d{2})\/(\d{4})-(\d{2}):(\d{2})/;
const GUID = /\{([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}/i;

/** `11/24/2026-02:00` → 2026-11-24T02:00Z; null when it is not an identifier. */
export function versionTime(versionId: string): Date | null {
  const match = VERSION_ID.exec(versionId);
  if (!match) return null;
  const [, month, day, year, hour, minute] = match.map(Number);
  return new Date(Date.UTC(year, month - 1, day, hour, minute));
}

/** The identifier wbadmin gives a backup taken at `time` (tests and the fake host). */
export function versionIdOf(time: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(time.getUTCMonth() + 1)}/${two(time.getUTCDate())}/${time.getUTCFullYear()}-${two(time.getUTCHours())}:${two(time.getUTCMinutes())}`;
}

/**
 * `wbadmin get versions`: one block per version. A block ends at its snapshot id line (the last
 * line wbadmin prints for a version) or at the next block's first line.
 */
export function parseWsbVersions(text: string): WsbVersion[] {
  const versions: WsbVersion[] = [];
  let pending: { target: string | null; canRecover: string[] } = { target: null, canRecover: [] };
  let current: WsbVersion | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const target = /^Backup (?:target|location):\s*(.*)$/i.exec(line)?.[1];
    if (target !== undefined) {
      // A target line before the identifier belongs to the version that identifier opens.
      if (current) pending = { target: null, canRecover: [] };
      pending.target = target;
      current = null;
      continue;
    }
    const versionId = VERSION_ID.exec(line)?.[0];
    if (versionId && !/^Backup time:/i.test(line)) {
      current = {
        versionId,
        backedUpAt: versionTime(versionId) as Date,
        snapshotId: null,
        target: pending.target,
        canRecover: [],
      };
      versions.push(current);
      pending = { target: null, canRecover: [] };
      continue;
    }
    if (!current) continue;
    const canRecover = /^Can recover:\s*(.*)$/i.exec(line)?.[1];
    if (canRecover !== undefined) {
      current.canRecover = canRecover
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
      continue;
    }
    const snapshot = GUID.exec(line)?.[1];
    if (snapshot && current.snapshotId === null) current.snapshotId = snapshot.toLowerCase();
  }
  return versions;
}

/** The first HRESULT an output names (`0x80780119`), as a signed 32-bit number like PowerShell's. */
export function hresultOf(output: string): number | null {
  const match = /0x([0-9a-f]{8})\b/i.exec(output);
  return match ? Number.parseInt(match[1], 16) | 0 : null;
}

/** The lines wbadmin marks as errors (`ERROR - …`), or the last non-empty line when none is. */
export function errorTextOf(output: string): string {
  const lines = output
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  const errors = lines.filter((line) => /^ERROR\b/i.test(line));
  return (errors.length > 0 ? errors : lines.slice(-1)).join(' ') || 'no output';
}

interface WsbFaultRow {
  hresult: number;
  fault: DriverFaultCode;
  isRetryable: boolean;
  explain: string;
}

const row = (
  hresult: number,
  fault: DriverFaultCode,
  isRetryable: boolean,
  explain: string,
): WsbFaultRow => ({
  hresult: hresult | 0,
  fault,
  isRetryable,
  explain,
});

/** wbadmin failures by HRESULT; anything else fails by exit code with wbadmin's own words. */
export const WSB_FAULTS: readonly WsbFaultRow[] = [
  row(0x80780119, 'invalid-state', false, 'the backup target has no room for the shadow copy of this backup'),
  row(0x80070070, 'invalid-state', false, 'a volume of the host is full'),
  row(0x800423f3, 'snapshot-failed', true, 'a VSS writer failed with a retryable error'),
  row(0x800423f4, 'snapshot-failed', false, 'a VSS writer failed (not retryable): see vssadmin list writers'),
  row(0x80042306, 'snapshot-failed', false, 'the VSS provider vetoed the shadow copy'),
  row(
    0x80070005,
    'host-unreachable',
    false,
    'the account may not run Windows Server Backup: it must be an administrator or in Backup Operators',
  ),
];

/** A wbadmin run that did not exit 0, as the driver's fault. */
export function wsbFailure(
  what: string,
  exitCode: number | null,
  output: string | null,
  fallback: DriverFaultCode = 'snapshot-failed',
): DriverError {
  const text = errorTextOf(output ?? '');
  const hresult = hresultOf(output ?? '');
  const found = WSB_FAULTS.find((candidate) => candidate.hresult === hresult);
  if (found) {
    return new DriverError(found.fault, `${what}: ${found.explain} — ${text}`, {
      isRetryable: found.isRetryable,
    });
  }
  return new DriverError(fallback, `${what}: wbadmin exited with ${exitCode ?? 'no code'} — ${text}`, {
    isRetryable: false,
  });
}
