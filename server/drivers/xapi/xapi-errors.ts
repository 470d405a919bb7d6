/**
 * XAPI failures and how they become the driver's fault codes. XAPI names every failure with a
 * stable code (`SR_FULL`, `VDI_IN_USE`, …) plus positional parameters; the English text varies by
 * release and locale, so the mapping matches the code only (CONNECTORS.md §1.1). One table, one
 * row per code: the fault the runner sees and whether asking again later can succeed.
 */
import { DriverError, type DriverFaultCode } from '../../engine/driver';

/** A failure the pool answered with: `code` is the XAPI error code, `params` its parameters. */
export class XapiError extends Error {
  readonly code: string;
  readonly params: string[];

  constructor(code: string, params: string[], method: string) {
    super(`${method}: ${code}${params.length > 0 ? ` [${params.join(', ')}]` : ''}`);
    this.name = 'XapiError';
    this.code = code;
    this.params = params;
  }
}

export function isXapiError(error: unknown, code?: string): error is XapiError {
  return error instanceof XapiError && (code === undefined || error.code === code);
}

interface FaultRule {
  fault: DriverFaultCode;
  isRetryable: boolean;
  /** What the operator reads; `p` are the error's parameters. */
  explain: (p: string[]) => string;
}

const rule = (fault: DriverFaultCode, isRetryable: boolean, explain: FaultRule['explain']): FaultRule => ({
  fault,
  isRetryable,
  explain,
});

/**
 * Codes from xapi's datamodel_errors.ml that a connector call can meet. Authentication and RBAC
 * refusals are not retryable: asking again with the same account cannot succeed (and every failed
 * login costs 5 s on the pool, by design). Busy objects (another operation, a VDI in use) are
 * retryable invalid states: the object will be free later.
 */
export const XAPI_FAULTS: Readonly<Record<string, FaultRule>> = {
  SESSION_AUTHENTICATION_FAILED: rule(
    'host-unreachable',
    false,
    (p) => `the pool refused the login of ${p[0] ?? 'the account'}: wrong user name or password`,
  ),
  SESSION_AUTHORIZATION_FAILED: rule('host-unreachable', false, (p) =>
    `the account ${p[0] ?? ''} may not log in to the pool (its role is not allowed to)`.replace('  ', ' '),
  ),
  RBAC_PERMISSION_DENIED: rule(
    'host-unreachable',
    false,
    (p) => `the account's role may not call ${p[0] ?? 'this method'}`,
  ),
  SESSION_INVALID: rule('host-unreachable', true, () => 'the pool forgot the session (it restarted?)'),
  HOST_IS_SLAVE: rule('host-unreachable', true, (p) => `the host is a pool member; the master is ${p[0]}`),
  HOST_OFFLINE: rule('host-unreachable', true, (p) => `host ${p[0] ?? ''} is offline`),
  HOST_STILL_BOOTING: rule('host-unreachable', true, () => 'the host is still booting'),
  HOST_NOT_LIVE: rule('host-unreachable', true, () => 'the host is not live'),
  HANDLE_INVALID: rule('not-found', false, (p) => `the pool has no ${p[0] ?? 'object'} ${p[1] ?? ''}`.trim()),
  UUID_INVALID: rule(
    'not-found',
    false,
    (p) => `the pool has no ${p[0] ?? 'object'} with uuid ${p[1] ?? ''}`,
  ),
  VM_BAD_POWER_STATE: rule('invalid-state', false, (p) =>
    `the VM is ${p[2]?.toLowerCase() ?? 'in another state'}, the action needs it ${p[1]?.toLowerCase() ?? ''}`.trim(),
  ),
  OPERATION_NOT_ALLOWED: rule('invalid-state', false, (p) => `the pool does not allow it: ${p[0] ?? ''}`),
  VM_REVERT_FAILED: rule('invalid-state', false, () => 'the pool could not revert the VM to the snapshot'),
  VDI_IS_A_PHYSICAL_DEVICE: rule(
    'invalid-state',
    false,
    () => 'the disk is a physical device (udev SR): the pool cannot snapshot, copy or delete it',
  ),
  VM_HAS_PCI_ATTACHED: rule('invalid-state', false, () => 'the VM has a PCI device passed through'),
  OTHER_OPERATION_IN_PROGRESS: rule(
    'invalid-state',
    true,
    (p) => `another operation (${p[2] ?? 'unknown'}) is running on the ${p[0] ?? 'object'}`,
  ),
  VDI_IN_USE: rule('invalid-state', true, (p) => `the disk is in use (${p[1] ?? 'another operation'})`),
  SR_FULL: rule(
    'repository-full',
    false,
    (p) => `the storage repository is full (needs ${p[0] ?? '?'} bytes, has ${p[1] ?? '?'})`,
  ),
  SR_BACKEND_FAILURE: rule('snapshot-failed', true, (p) => `the storage backend failed: ${p.join(' ')}`),
  TASK_CANCELLED: rule('invalid-state', false, () => 'the pool task was cancelled'),
  VM_SNAPSHOT_WITH_QUIESCE_FAILED: rule(
    'vss-writer-timeout',
    false,
    () => 'the Xen VSS provider failed to quiesce the guest',
  ),
  VM_SNAPSHOT_WITH_QUIESCE_TIMEOUT: rule(
    'vss-writer-timeout',
    false,
    () => 'the Xen VSS provider did not quiesce the guest in time',
  ),
  VM_SNAPSHOT_WITH_QUIESCE_PLUGIN_DOES_NOT_RESPOND: rule(
    'vss-writer-timeout',
    false,
    () => 'the Xen VSS provider in the guest does not respond',
  ),
  VM_SNAPSHOT_WITH_QUIESCE_NOT_SUPPORTED: rule(
    'vss-writer-timeout',
    false,
    () => 'the guest cannot quiesce (no Xen VSS provider, or a disk resets on boot)',
  ),
  MESSAGE_REMOVED: rule('connector-missing', false, () => 'this release removed the call'),
  MESSAGE_METHOD_UNKNOWN: rule(
    'connector-missing',
    false,
    (p) => `this release has no ${p[0] ?? 'such call'}`,
  ),
  MESSAGE_PARAMETER_COUNT_MISMATCH: rule(
    'connector-missing',
    false,
    () => 'this release takes other parameters for the call',
  ),
  EVENTS_LOST: rule('host-unreachable', true, () => 'the pool dropped events; a full resync follows'),
};

/** `SR_BACKEND_FAILURE_<n>` codes carry the SM backend's error number in their name. */
function ruleFor(code: string): FaultRule | undefined {
  return (
    XAPI_FAULTS[code] ?? (code.startsWith('SR_BACKEND_FAILURE') ? XAPI_FAULTS.SR_BACKEND_FAILURE : undefined)
  );
}

/**
 * The DriverError for a failure of `what` (e.g. "xapi pool lab1 VM.snapshot"). An unknown code is
 * a non-retryable invalid state that names the code and its parameters as they came: the truth,
 * not a guess at what it meant.
 */
export function toDriverError(error: unknown, what: string): unknown {
  if (!(error instanceof XapiError)) return error;
  const found = ruleFor(error.code);
  if (!found) {
    return new DriverError('invalid-state', `${what} failed: ${error.code} [${error.params.join(', ')}]`, {
      isRetryable: false,
    });
  }
  return new DriverError(found.fault, `${what}: ${found.explain(error.params)} (${error.code})`, {
    isRetryable: found.isRetryable,
  });
}
