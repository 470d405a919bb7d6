/**
 * The typed confirmation of a delete or a disconnect: the operator types the name of what goes (a
 * job's name, the VM of a restore point, a connection's name), checked here as well as in the
 * dialog, so a call of the API that skips the dialog deletes nothing by id alone. Compared exactly, spaces around it ignored, as a restore's
 * confirmation is (engine/restore-stages/checks.ts).
 */
import { DomainError } from './errors';

/** What the typed name confirms, in the refusal's words. */
export interface ConfirmedAction {
  /** "the delete" */
  noun: string;
  /** "Nothing was deleted." */
  unchanged: string;
}

export const DELETE_ACTION: ConfirmedAction = { noun: 'the delete', unchanged: 'Nothing was deleted.' };
export const DISCONNECT_ACTION: ConfirmedAction = {
  noun: 'the disconnect',
  unchanged: 'Nothing was disconnected.',
};

/** INVALID_INPUT naming `confirmation` unless `typed` is `name`; `what` says what the name is ("the job's name"). */
export function assertTypedName(
  typed: string | undefined,
  name: string,
  what: string,
  action: ConfirmedAction = DELETE_ACTION,
): void {
  const given = typed?.trim() ?? '';
  if (given === name) return;
  const message =
    given === ''
      ? `Type ${what}, "${name}", to confirm ${action.noun}`
      : `The confirmation "${given}" is not ${what}, "${name}"`;
  throw new DomainError('INVALID_INPUT', `${message}. ${action.unchanged}`, [
    { path: 'confirmation', message },
  ]);
}
