/**
 * Who may set a backup's guest scripts. A pre-freeze or post-thaw script is a command run inside
 * the guest as the vault's guest account (often an administrator of the guest), its output written
 * to the operation's log that every viewer reads: writing one is running code on every VM it names.
 * Only an admin sets or changes them; an operator still starts, edits and runs a job an admin
 * scripted, as long as the scripts stay as the admin left them.
 */

import type { ServiceContext } from '../context';
import { canonicalJson } from '../engine/audit-chain';
import { capabilitiesOf, ROLE_LABELS } from '../engine/roles';
import type { BackupRequest } from '../schemas/operations';
import { DomainError } from './errors';

type Scripts = BackupRequest['scripts'];

/** Refuses scripts the actor may not write: any, or (editing) any other than `saved`. */
export function assertMayWriteGuestScripts(
  ctx: Pick<ServiceContext, 'actor'>,
  scripts: Scripts,
  saved: Scripts = undefined,
): void {
  const { actor } = ctx;
  if (actor.kind !== 'user' || capabilitiesOf(actor.role).writeGuestScripts) return;
  const asked = scripts ?? {};
  if (canonicalJson(asked) === canonicalJson(saved ?? {})) return;
  throw new DomainError(
    'FORBIDDEN',
    `Only an admin sets or changes guest scripts (they run commands inside the guests as their vault accounts); ${ROLE_LABELS[actor.role]}s run the scripts an admin set`,
    [{ path: 'request.scripts', message: 'Only an admin sets or changes guest scripts' }],
  );
}
