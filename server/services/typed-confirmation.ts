/**
 * The typed confirmation of a delete: the operator types the name of what goes (a job's name, the
 * VM of a restore point), checked here as well as in the dialog, so a call of the API that skips
 * the dialog deletes nothing by id alone. Compared exactly, spaces around it ignored, as a restore's
 * confirmation is (engine/restore-stages/checks.ts).
 */
import { DomainError } from './errors';

/** INVALID_INPUT naming `confirmation` unless `typed` is `name`; `what` says what the name is ("the job's name"). */
export function assertTypedName(typed: string | undefined, name: string, what: string): void {
  const given = typed?.trim() ?? '';
  if (given === name) return;
  const message =
    given === ''
      ? `Type ${what}, "${name}", to confirm the delete`
      : `The confirmation "${given}" is not ${what}, "${name}"`;
  throw new DomainError('INVALID_INPUT', `${message}. Nothing was deleted.`, [
    { path: 'confirmation', message },
  ]);
}
