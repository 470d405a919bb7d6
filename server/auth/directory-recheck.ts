/**
 * The directory re-check while a directory user's session lives (the rules are in
 * server/engine/directory-recheck.ts). The session look-up (server/auth/session.ts) asks `roleOf`
 * on every request; it answers from the user row alone until the user is due, which is once per
 * `intervalMs` per user, not per request. The request that finds the user due renews their sign-in
 * at the provider and waits for it (each call has a deadline); the other requests of that user in
 * this process wait for the same answer, and a web node sharing the database that finds the user
 * due meanwhile leaves the re-check to whoever claimed it (the claim is a compare-and-set on
 * `directoryCheckDueAt`, so a rotating refresh token is never spent twice).
 *
 * Then: a changed role is written to the user row (the next request acts with it) and recorded; a
 * refused refresh, no refresh token or no mapped group left ends every session of the user, recorded
 * with the reason; no answer keeps the role for the grace period, recorded once, then ends them.
 */
import type { AuthContext } from 'better-auth';
import { decryptOAuthToken, setTokenUtil, verifyProviderIdToken } from 'better-auth/oauth2';
import type { OidcConfig } from '../config';
import {
  type DirectoryAnswer,
  type DirectoryCheckState,
  type DirectoryVerdict,
  directoryStandingOf,
  directoryVerdictOf,
  hasGraceLapsed,
  directoryRecheckWording as wording,
} from '../engine/directory-recheck';
import type { Role } from '../engine/roles';
import type { AuditOutcome } from '../engine/security';
import type { Auth } from './auth';
import { createDirectoryProvider, type DirectoryProvider } from './directory-provider';

/** The library's context: its data layer (its tables are its own), its providers, its token sealing. */
type LibraryContext = Awaited<Auth['$context']>;

/** The directory user as the session look-up read them. */
export interface DirectoryUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  directoryCheckDueAt?: Date | null;
  directoryUnknownSince?: Date | null;
}

export interface DirectoryRecheck {
  /** The role `user` acts with at `now`, the directory asked first when due; null when their sessions end. */
  roleOf(user: DirectoryUser, now: Date): Promise<Role | null>;
}

export interface DirectoryRecheckEvent {
  action: 'auth.directory-role' | 'auth.directory-session-end' | 'auth.directory-unanswered';
  outcome: AuditOutcome;
  message: string;
  user: DirectoryUser;
}

export interface DirectoryRecheckOptions {
  /** The provider, the groups mapping and the re-check policy (`oidc.recheck`). */
  oidc: OidcConfig;
  /** The library's data layer (its tables are its own) and the provider it signed the user in with. */
  context: () => Promise<LibraryContext>;
  providerId: string;
  /** Records a verdict in the audit trail; a failure to record is logged, never a failed request. */
  audit: (event: DirectoryRecheckEvent, at: Date) => Promise<void>;
  /** A user row changed: session answers shared by requests are read again (server/auth/session-checks.ts). */
  noteChanged: () => void;
  log: { warn(fields: object, message: string): void };
}

export function createDirectoryRecheck(options: DirectoryRecheckOptions): DirectoryRecheck {
  const { context, providerId } = options;
  const policy = options.oidc.recheck;
  const provider = createDirectoryProvider(options.oidc, {
    verifyIdToken: async (idToken) => {
      // The same verification as at sign-in: the provider's published keys, issuer and audience.
      const library = (await context()).socialProviders.find((found) => found.id === providerId);
      return library && (await verifyProviderIdToken(library, idToken)) ? claimsOf(idToken) : null;
    },
  });
  /** Re-checks running in this process, by user: the requests that find the same user due wait for one. */
  const running = new Map<string, Promise<Role | null | 'claimed elsewhere'>>();

  /**
   * Claims the re-check by moving the due time on from the value read (another process that read
   * the same value then finds nothing to move), asks the directory and applies the answer.
   */
  async function recheck(user: DirectoryUser, state: DirectoryCheckState, now: Date) {
    const library = await context();
    const claimed = await library.adapter.updateMany({
      model: 'user',
      where: [
        { field: 'id', value: user.id },
        { field: 'directoryCheckDueAt', value: state.dueAt as Date },
      ],
      update: { directoryCheckDueAt: new Date(now.getTime() + policy.retryMs) },
    });
    if (claimed !== 1) return 'claimed elsewhere' as const;
    const answer = await askDirectory(provider, library, providerId, user.id, now).catch(
      (error: unknown): DirectoryAnswer => ({
        kind: 'unknown',
        reason: error instanceof Error ? error.message : String(error),
      }),
    );
    const mapping = options.oidc.roleGroups;
    const verdict = directoryVerdictOf({ answer, role: user.role, state, now, policy, mapping });
    return applyVerdict(options, library, user, verdict, now);
  }

  return {
    async roleOf(user, now) {
      const state = {
        dueAt: user.directoryCheckDueAt ?? null,
        unknownSince: user.directoryUnknownSince ?? null,
      };
      const standing = directoryStandingOf(state, now);
      if (standing === 'due') {
        let run = running.get(user.id);
        if (!run) {
          run = recheck(user, state, now).finally(() => running.delete(user.id));
          running.set(user.id, run);
        }
        const answered = await run;
        if (answered !== 'claimed elsewhere') return answered;
      }
      // Not due, or being re-checked by another process: the row's word stands, unless the
      // directory has been silent for the whole grace period (that process ends the sessions).
      return standing !== 'not-directory' && hasGraceLapsed(state, now, policy) ? null : user.role;
    },
  };
}

/**
 * Renews the user's sign-in and reads their groups. The renewed tokens are kept at once, before
 * the groups are read: a provider that rotates refresh tokens has spent the old one.
 */
async function askDirectory(
  provider: DirectoryProvider,
  library: LibraryContext,
  providerId: string,
  userId: string,
  now: Date,
): Promise<DirectoryAnswer> {
  const account = (await library.internalAdapter.findAccounts(userId)).find(
    (found) => found.providerId === providerId,
  );
  if (!account) return { kind: 'refused', reason: 'their directory account is no longer linked' };
  if (!account.refreshToken) {
    return {
      kind: 'refused',
      reason:
        'the directory gave no refresh token to re-check their groups with, so a directory session lasts one re-check interval',
    };
  }
  // The library's token sealing takes its context untyped; ours is the same object, typed by our options.
  const sealing = library as unknown as AuthContext;
  const renewed = await provider.renew(await decryptOAuthToken(account.refreshToken, sealing), now);
  if (renewed.kind !== 'renewed') return renewed;
  const { tokens } = renewed;
  await library.internalAdapter.updateAccount(account.id, {
    accessToken: (await setTokenUtil(tokens.accessToken, sealing)) ?? null,
    refreshToken: tokens.refreshToken
      ? await setTokenUtil(tokens.refreshToken, sealing)
      : account.refreshToken,
    idToken: tokens.idToken ?? account.idToken,
    accessTokenExpiresAt: tokens.accessTokenExpiresAt ?? null,
    refreshTokenExpiresAt: tokens.refreshTokenExpiresAt ?? account.refreshTokenExpiresAt,
  });
  return provider.groupsOf(tokens, account.accountId);
}

/**
 * Writes what the verdict says and returns the role the user acts with now (null: signed out
 * everywhere). Every write is noted: a session answer shared by requests still holding the row
 * read before it would find the user due again and, its claim refused, judge by the old row.
 */
async function applyVerdict(
  options: DirectoryRecheckOptions,
  library: LibraryContext,
  user: DirectoryUser,
  verdict: DirectoryVerdict,
  now: Date,
): Promise<Role | null> {
  const record = (action: DirectoryRecheckEvent['action'], outcome: AuditOutcome, message: string) =>
    options.audit({ action, outcome, message, user }, now).catch((error: unknown) => {
      options.log.warn({ err: error, action, userId: user.id }, 'audit entry could not be recorded');
    });
  if (verdict.kind === 'end') {
    await library.internalAdapter.deleteUserSessions(user.id);
    options.noteChanged();
    await record('auth.directory-session-end', 'refused', wording.sessionsEnded(user.email, verdict.reason));
    return null;
  }
  if (verdict.kind === 'keep') {
    options.log.warn({ userId: user.id, reason: verdict.reason }, 'directory re-check got no answer');
    await library.internalAdapter.updateUser(user.id, { directoryUnknownSince: verdict.next.unknownSince });
    options.noteChanged();
    // Recorded once per outage, not at every retry; the log has each one.
    if (verdict.isFirstFailure) {
      const message = wording.kept(user.email, verdict.role, verdict.keptUntil, verdict.reason);
      await record('auth.directory-unanswered', 'failed', message);
    }
    return verdict.role;
  }
  await library.internalAdapter.updateUser(user.id, {
    directoryCheckDueAt: verdict.next.dueAt,
    directoryUnknownSince: null,
    ...(verdict.changedFrom ? { role: verdict.role } : {}),
  });
  options.noteChanged();
  if (verdict.changedFrom) {
    await record(
      'auth.directory-role',
      'succeeded',
      wording.roleChanged(user.email, verdict.changedFrom, verdict.role),
    );
  }
  return verdict.role;
}

/** The claims of a JWT whose signature was verified (the payload is the middle part, base64url JSON). */
function claimsOf(idToken: string): Record<string, unknown> | null {
  try {
    const claims: unknown = JSON.parse(
      Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8'),
    );
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
