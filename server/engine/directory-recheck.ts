/**
 * Directory re-check: while a directory user keeps using the console, their groups are read from
 * the identity provider again every `intervalMs`, so a person taken out of "Migawka Admins" (or
 * disabled in the directory) loses the role within one interval instead of keeping it for the rest
 * of a 12-hour session. Pure: when a user is due, and what the console does with the answer. The
 * provider calls and the writes live in server/auth/directory-recheck.ts.
 *
 * An answer that could not be read is unknown, never taken as "nothing changed": the last role the
 * directory confirmed is kept for `graceMs` after the first unanswered re-check (a provider restart
 * or a network blip should not throw everybody out), then the user's sessions end.
 */
import { type GroupRole, roleFromGroups } from './directory-roles';
import type { Role } from './roles';

export interface DirectoryRecheckPolicy {
  /** How long the directory's word on a user's groups stands before it is asked again. */
  intervalMs: number;
  /** How long the last confirmed role is kept while the directory gives no answer. */
  graceMs: number;
  /**
   * How soon an unanswered re-check is tried again; also how long a re-check in progress holds its
   * claim (a process that died mid-way leaves the user to the next one after this).
   */
  retryMs: number;
}

/** What the user row keeps about the re-check (both null for a user who never signed in with the directory). */
export interface DirectoryCheckState {
  /** When the next re-check may start. */
  dueAt: Date | null;
  /** Since when re-checks have got no answer; null while the directory answers. */
  unknownSince: Date | null;
}

/** A user the directory does not manage, one whose groups were read recently enough, or one to ask about. */
export type DirectoryStanding = 'not-directory' | 'fresh' | 'due';

export function directoryStandingOf(state: DirectoryCheckState, now: Date): DirectoryStanding {
  if (state.dueAt === null) return 'not-directory';
  return now < state.dueAt ? 'fresh' : 'due';
}

/** Whether the directory has been silent for the whole grace period: the user's sessions end. */
export function hasGraceLapsed(
  state: DirectoryCheckState,
  now: Date,
  policy: DirectoryRecheckPolicy,
): boolean {
  return state.unknownSince !== null && now.getTime() - state.unknownSince.getTime() >= policy.graceMs;
}

/** What asking the directory gave. */
export type DirectoryAnswer =
  /** The provider renewed the sign-in and said which groups the user is in (`claim` as it came). */
  | { kind: 'groups'; claim: unknown }
  /** The provider (or the stored sign-in) says no: refresh token refused, none to ask with, another subject. */
  | { kind: 'refused'; reason: string }
  /** No answer to judge by: unreachable, timed out, an error of its own, an answer that cannot be verified. */
  | { kind: 'unknown'; reason: string };

/** What the console does with an answer. */
export type DirectoryVerdict =
  /** The directory confirmed a role (maybe another one): act with it until the next re-check. */
  | { kind: 'confirm'; role: Role; changedFrom: Role | null; next: DirectoryCheckState }
  /** The user's sessions end, for `reason`. */
  | { kind: 'end'; reason: string }
  /** No answer yet: keep `role` until `keptUntil` unless a retry gets one. */
  | {
      kind: 'keep';
      role: Role;
      next: DirectoryCheckState;
      keptUntil: Date;
      isFirstFailure: boolean;
      reason: string;
    };

export interface VerdictInput {
  answer: DirectoryAnswer;
  /** The role the user acts with now. */
  role: Role;
  state: DirectoryCheckState;
  now: Date;
  policy: DirectoryRecheckPolicy;
  mapping: readonly GroupRole[];
}

export function directoryVerdictOf({
  answer,
  role,
  state,
  now,
  policy,
  mapping,
}: VerdictInput): DirectoryVerdict {
  if (answer.kind === 'refused') return { kind: 'end', reason: answer.reason };
  if (answer.kind === 'groups') {
    const confirmed = roleFromGroups(answer.claim, mapping);
    if (!confirmed)
      return { kind: 'end', reason: 'the directory puts them in no group mapped to a Migawka role' };
    return {
      kind: 'confirm',
      role: confirmed,
      changedFrom: confirmed === role ? null : role,
      next: { dueAt: new Date(now.getTime() + policy.intervalMs), unknownSince: null },
    };
  }
  const unknownSince = state.unknownSince ?? now;
  const next = { dueAt: new Date(now.getTime() + policy.retryMs), unknownSince };
  if (hasGraceLapsed(next, now, policy)) {
    return {
      kind: 'end',
      reason: `the directory has given no answer since ${unknownSince.toISOString()} (${answer.reason}), longer than the ${minutes(policy.graceMs)} grace`,
    };
  }
  return {
    kind: 'keep',
    role,
    next,
    keptUntil: new Date(unknownSince.getTime() + policy.graceMs),
    isFirstFailure: state.unknownSince === null,
    reason: answer.reason,
  };
}

function minutes(ms: number): string {
  const count = Math.round(ms / 60_000);
  return count === 1 ? '1-minute' : `${count}-minute`;
}

/** The audit trail's words for each verdict, naming the user by email. */
export const directoryRecheckWording = {
  roleChanged: (email: string, from: Role, to: Role) =>
    `role of ${email} changed by the directory from ${from} to ${to}`,
  sessionsEnded: (email: string, reason: string) => `sessions of ${email} ended: ${reason}`,
  kept: (email: string, role: Role, until: Date, reason: string) =>
    `the groups of ${email} could not be re-checked (${reason}); their role ${role} is kept until ${until.toISOString()} unless the directory answers, then their sessions end`,
};
