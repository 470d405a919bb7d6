/**
 * One row per failure the connector meets: the error record as Windows PowerShell 5.1 reports it
 * (the English message is kept here, in the fixture, and never matched) and the fault the runner
 * gets. Messages marked (illustrative) follow the documented shape but were not captured verbatim.
 */
import { describe, expect, it } from 'vitest';
import { DriverError } from '../../engine/driver';
import { PowerShellError, type PowerShellErrorRecord, toDriverError } from './hyperv-errors';

const rows: [string, PowerShellErrorRecord, string, boolean][] = [
  [
    'an unknown VM is not found (CONNECTORS.md H5)',
    {
      type: 'VirtualizationInvalidArgumentException',
      message: 'Hyper-V was unable to find a virtual machine with name "sql99".',
      fqid: 'InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM',
      category: 'InvalidArgument',
    },
    'not-found',
    false,
  ],
  [
    'a non-elevated account is refused for good',
    {
      type: 'VirtualizationException',
      message: 'You do not have the required permission to complete this task. (illustrative)',
      fqid: 'Unspecified,Microsoft.HyperV.PowerShell.Commands.GetVM',
      category: 'PermissionDenied',
    },
    'host-unreachable',
    false,
  ],
  [
    "a VM's checkpoint list that cannot be read (VM being removed) is retried, never taken for gone (our own error id)",
    {
      type: 'RuntimeException',
      message:
        "Checkpoint 'migawka:s1' could not be looked for on VM 'sql01': its checkpoints could not be listed (Hyper-V was unable to find a virtual machine with ID \"0b6c5a2e-0000-4000-8000-00000000a001\".)",
      fqid: 'CheckpointListFailed',
      category: 'InvalidArgument',
    },
    'invalid-state',
    true,
  ],
  [
    "a VM's checkpoint list refused for lack of rights is refused for good (our own error id, the cause's category)",
    {
      type: 'RuntimeException',
      message:
        "Checkpoint 'migawka:s1' could not be looked for on VM 'sql01': its checkpoints could not be listed (You do not have the required permission to complete this task.) (illustrative)",
      fqid: 'CheckpointListFailed',
      category: 'PermissionDenied',
    },
    'host-unreachable',
    false,
  ],
  [
    'a host without the Hyper-V module lacks the connector',
    {
      type: 'CommandNotFoundException',
      message:
        "The term 'Get-VM' is not recognized as the name of a cmdlet, function, script file, or operable program.",
      fqid: 'CommandNotFoundException',
      category: 'ObjectNotFound',
    },
    'connector-missing',
    false,
  ],
  [
    'a refused ProductionOnly checkpoint is a failed snapshot',
    {
      type: 'VirtualizationException',
      message: "Production checkpoints cannot be created for 'sql01'. (illustrative)",
      fqid: 'OperationFailed,Microsoft.HyperV.PowerShell.Commands.CheckpointVM',
      category: 'NotSpecified',
    },
    'snapshot-failed',
    false,
  ],
  [
    'a pass-through disk blocks checkpoints (our own error id)',
    {
      type: 'WriteErrorException',
      message: 'file01 has a pass-through disk; Hyper-V cannot checkpoint it.',
      fqid: 'PassThroughDiskPresent',
      category: 'InvalidOperation',
    },
    'snapshot-failed',
    false,
  ],
  [
    'a merge still running makes the VM busy, retry later',
    {
      type: 'VirtualizationException',
      message: "Cannot create checkpoint for 'sql01' because a merge is in progress. (illustrative)",
      fqid: 'InvalidState,Microsoft.HyperV.PowerShell.Commands.CheckpointVM',
      category: 'InvalidOperation',
    },
    'invalid-state',
    true,
  ],
  [
    'a full host volume is named by its HRESULT, whatever the language',
    {
      type: 'IOException',
      message: 'Es steht nicht genug Speicherplatz auf dem Datenträger zur Verfügung.',
      fqid: 'OperationFailed,Microsoft.HyperV.PowerShell.Commands.CheckpointVM',
      category: 'NotSpecified',
      hresult: 0x80070070 | 0,
    },
    'invalid-state',
    false,
  ],
  [
    'PowerShell Direct that cannot reach the guest fails the guest script',
    {
      type: 'PSDirectException',
      message:
        'An error has occurred which Windows PowerShell cannot handle. A remote session might have ended.',
      fqid: 'PSSessionStateBroken,Microsoft.PowerShell.Commands.InvokeCommandCommand',
      category: 'OpenError',
    },
    'script-failed',
    false,
  ],
  [
    'a refused guest credential fails the guest script',
    {
      type: 'PSDirectException',
      message: 'The credential is invalid.',
      fqid: 'InvalidCredentials,Microsoft.PowerShell.Commands.InvokeCommandCommand',
      category: 'InvalidArgument',
    },
    'script-failed',
    false,
  ],
  [
    'anything else is not retried and keeps the host message',
    {
      type: 'RuntimeException',
      message: 'Something unexpected.',
      fqid: 'RuntimeException',
      category: 'NotSpecified',
    },
    'invalid-state',
    false,
  ],
];

describe('PowerShell error records → driver faults', () => {
  it.each(rows)('%s', (_name, record, fault, isRetryable) => {
    const mapped = toDriverError(new PowerShellError(record, 'script'), 'hv01 test');
    expect(mapped).toBeInstanceOf(DriverError);
    expect(mapped).toMatchObject({ faultCode: fault, isRetryable });
    expect((mapped as DriverError).message).toContain(record.message);
  });

  it('passes anything that is not a PowerShell error through', () => {
    const error = new DriverError('timeout', 'late');
    expect(toDriverError(error, 'x')).toBe(error);
  });
});
