/**
 * PowerShell failures and how they become the driver's fault codes. A failing script prints
 * `{type, message, fqid, category, hresult}` (hyperv-scripts.ts). The message is English on an
 * English host and something else elsewhere, so the table matches the stable parts only
 * (CONNECTORS.md §0 rule 3): the fully qualified error id (`<ErrorId>,<Command>`), the error
 * category and the exception's HRESULT. The English texts seen with each row are kept in the
 * test fixtures (hyperv-errors.test.ts), never here.
 */
import { DriverError, type DriverFaultCode } from '../../engine/driver';

export interface PowerShellErrorRecord {
  type: string;
  message: string;
  fqid: string;
  category: string;
  hresult?: number | null;
}

/** A script answered `{ok:false}`: the error record, the script, the host. */
export class PowerShellError extends Error {
  constructor(
    readonly record: PowerShellErrorRecord,
    readonly script: string,
  ) {
    super(`${script}: ${record.message} (${record.fqid}, ${record.category})`);
    this.name = 'PowerShellError';
  }

  /** The error id: the part of the fully qualified id before the command name. */
  get errorId(): string {
    return this.record.fqid.split(',')[0] ?? '';
  }

  /** The cmdlet that failed (`Microsoft.HyperV.PowerShell.Commands.CheckpointVM` → `CheckpointVM`). */
  get command(): string {
    const command = this.record.fqid.split(',')[1] ?? '';
    return command.slice(command.lastIndexOf('.') + 1);
  }
}

export function isPowerShellError(error: unknown): error is PowerShellError {
  return error instanceof PowerShellError;
}

/** HRESULTs of Win32 errors (0x8007xxxx) that name a full disk. */
const DISK_FULL_HRESULTS = new Set([
  0x80070070 | 0, // ERROR_DISK_FULL
  0x80070027 | 0, // ERROR_HANDLE_DISK_FULL
]);
/** The record names a full disk (by HRESULT, whatever the host's language). */
export function isDiskFull(record: PowerShellErrorRecord): boolean {
  return DISK_FULL_HRESULTS.has(record.hresult ?? 0);
}

const ACCESS_DENIED_HRESULT = 0x80070005 | 0;

interface FaultRule {
  /** Matches on the error id, the failing command, the category, the HRESULT. */
  matches(error: PowerShellError): boolean;
  fault: DriverFaultCode;
  isRetryable: boolean;
  explain(error: PowerShellError): string;
}

const rule = (
  matches: FaultRule['matches'],
  fault: DriverFaultCode,
  isRetryable: boolean,
  explain: FaultRule['explain'],
): FaultRule => ({ matches, fault, isRetryable, explain });

/** First matching row wins; order from the most specific to the broadest. */
export const POWERSHELL_FAULTS: readonly FaultRule[] = [
  rule(
    (e) => isDiskFull(e.record),
    'invalid-state',
    false,
    () => 'a volume of the host is full',
  ),
  rule(
    (e) => e.record.category === 'PermissionDenied' || e.record.hresult === ACCESS_DENIED_HRESULT,
    'host-unreachable',
    false,
    () =>
      'the account may not manage Hyper-V: add it to the "Hyper-V Administrators" group (or use an elevated administrator)',
  ),
  rule(
    // get-, remove- or restore-checkpoint.ps1 could not read one VM's checkpoint list (a VM being
    // removed, a WMI fault): the checkpoint may be on it, so it is neither found, removed nor known
    // gone. Access denied is matched above, by the category kept from the cause.
    (e) => e.errorId === 'CheckpointListFailed',
    'invalid-state',
    true,
    () => 'the checkpoint is not taken for gone and will be looked for again',
  ),
  rule(
    (e) => e.errorId === 'CommandNotFoundException',
    'connector-missing',
    false,
    () => 'the Hyper-V PowerShell module is not installed on the host (RSAT-Hyper-V-Tools)',
  ),
  rule(
    (e) => e.errorId === 'PassThroughDiskPresent',
    'snapshot-failed',
    false,
    () => 'Hyper-V cannot checkpoint a VM with a pass-through disk (exclude the disk or use the guest agent)',
  ),
  rule(
    (e) => e.command === 'CheckpointVM' && e.errorId === 'OperationFailed',
    'snapshot-failed',
    false,
    () => 'Hyper-V refused the checkpoint',
  ),
  rule(
    (e) => e.errorId === 'InvalidState' || e.errorId === 'OperationInProgress',
    'invalid-state',
    true,
    () => 'the VM is busy with another operation (a checkpoint merge, a backup): it will be free later',
  ),
  rule(
    (e) =>
      (e.errorId === 'InvalidParameter' &&
        e.record.category === 'InvalidArgument' &&
        /GetVM/.test(e.command)) ||
      e.record.category === 'ObjectNotFound',
    'not-found',
    false,
    () => 'the host does not have it (anymore)',
  ),
  rule(
    // Any failure of Invoke-Command -VMId is PowerShell Direct not reaching the guest (VM not
    // running, credential refused, guest older than Windows 10 / Server 2016); the ids vary by cause.
    (e) => e.command === 'InvokeCommandCommand' || e.errorId === 'PSSessionStateBroken',
    'script-failed',
    false,
    () =>
      'PowerShell Direct could not reach the guest (guest off, credential refused or not Windows 10 / Server 2016+)',
  ),
];

/** Maps a failure of `what` onto a `DriverError`; anything else (a DriverError, a bug) passes through. */
export function toDriverError(error: unknown, what: string): unknown {
  if (!isPowerShellError(error)) return error;
  const row = POWERSHELL_FAULTS.find((candidate) => candidate.matches(error));
  if (!row) {
    return new DriverError('invalid-state', `${what}: ${error.record.message} (${error.record.fqid})`, {
      isRetryable: false,
    });
  }
  return new DriverError(row.fault, `${what}: ${row.explain(error)} — ${error.record.message}`, {
    isRetryable: row.isRetryable,
  });
}
