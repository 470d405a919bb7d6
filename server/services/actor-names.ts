/**
 * Who an actor label (context.ts actorLabel: "user:<id>", "scheduler", "system") names, in words:
 * a user's account name as it is now, the scheduler's or the local system user's own name. The
 * console shows these where it would otherwise show "user:0191a7…".
 */
import type { AccountDirectory } from '../auth/directory';
import { type Actor, ANONYMOUS_ACTOR, SCHEDULER_ACTOR, SYSTEM_ACTOR } from '../context';

const USER_LABEL_PREFIX = 'user:';
const NAMED_ACTORS: readonly Actor[] = [SYSTEM_ACTOR, SCHEDULER_ACTOR, ANONYMOUS_ACTOR];

export type AccountNames = Pick<AccountDirectory, 'findUserById'>;

/** The account id a user's actor label names ("user:<id>"), or null for any other actor. */
export function accountIdOf(label: string): string | null {
  return label.startsWith(USER_LABEL_PREFIX) ? label.slice(USER_LABEL_PREFIX.length) : null;
}

/**
 * The name of the actor `label` stands for. An account since removed is said to be one; a label
 * of no known kind (a worker's, a sync's) is its own name. Without `accounts` (the command line)
 * a user is named by the label, as before.
 */
export async function actorNameOf(label: string, accounts: AccountNames | null): Promise<string> {
  const named = NAMED_ACTORS.find((actor) => actor.id === label);
  if (named) return named.name;
  const accountId = accountIdOf(label);
  if (accountId === null || !accounts) return label;
  const user = await accounts.findUserById(accountId);
  return user ? user.name : 'an account since removed';
}
