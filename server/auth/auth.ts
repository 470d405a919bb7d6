/**
 * The authentication library, configured once: better-auth on the console's own database (its
 * Drizzle adapter over the tables in db/schema-auth.ts), email + password with its own hashing
 * (scrypt), sessions in httpOnly SameSite=Lax cookies, and its admin plugin for the role and
 * disabled ("banned") fields. Sign-up is off: accounts are made by the setup page, the command
 * line (`migawka user add`) or an admin.
 *
 * Roles are enforced by the console's base procedures (server/trpc/init.ts), not by the library;
 * its own /admin endpoints are not routed (server/auth/route.ts), so there is one way in.
 */
import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { APIError } from 'better-auth/api';
import { admin, genericOAuth } from 'better-auth/plugins';
import { createAccessControl } from 'better-auth/plugins/access';
import { defaultStatements } from 'better-auth/plugins/admin/access';
import * as pgAuthSchema from '../../db/pg/schema-auth';
import {
  asProcessDatabase,
  type DatabaseHandle,
  identityOf,
  type ProcessDatabase,
  storesOf,
} from '../../db/process-database';
import * as sqliteAuthSchema from '../../db/schema-auth';
import { type AuthConfig, getConfig, type OidcConfig } from '../config';
import { type Actor, createServiceContext } from '../context';
import { keyAnchorOf } from '../database-keys';
import { roleFromGroups } from '../engine/directory-roles';
import { ROLES, type Role } from '../engine/roles';
import { logger } from '../logger';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../schemas/accounts';
import { recordAudit } from '../services/audit-service';
import { noteDirectoryEmail } from './directory-attempt';
import { createDirectoryRecheck, type DirectoryRecheckEvent } from './directory-recheck';
import { resolveAuthSecret } from './secret';
import { processSessionChecks } from './session-checks';

/** A session lasts this long after its last use (renewed at most once per `SESSION_RENEW_SECONDS`). */
export const SESSION_SECONDS = 12 * 60 * 60;
export const SESSION_RENEW_SECONDS = 60 * 60;

const ac = createAccessControl(defaultStatements);
const noUserAdministration = ac.newRole({ user: [], session: [] });
/** Only the admin role may use the library's user administration (the console calls it server-side). */
const libraryRoles = Object.fromEntries(
  ROLES.map((role) => [
    role,
    role === 'admin'
      ? ac.newRole({
          user: ['create', 'list', 'set-role', 'ban', 'delete', 'set-password', 'get', 'update'],
          session: ['list', 'revoke', 'delete'],
        })
      : noUserAdministration,
  ]),
) as Record<Role, typeof noUserAdministration>;

/** Sign-in attempts one client address may make per minute (the library's rate limit). */
export const SIGN_INS_PER_MINUTE = 20;

export interface AuthOptions extends Pick<AuthConfig, 'trustedProxy'> {
  secret: string;
  signInsPerMinute?: number;
  /** Directory sign-in over OpenID Connect (the provider id is `oidc`); off when null. */
  oidc?: OidcConfig | null;
  /** The clock a directory sign-in starts the re-check interval on. */
  now?: () => Date;
}

/** The provider id of directory sign-in: its callback is /api/auth/callback/oidc. */
export const OIDC_PROVIDER_ID = 'oidc';

/**
 * Directory sign-in through the library's generic OAuth plugin: discovery, PKCE, ID-token
 * verification against the provider's keys. The role comes from the groups claim on every sign-in,
 * and again every re-check interval while the session lives (server/auth/directory-recheck.ts); a
 * user in no mapped group is refused.
 */
function directorySignIn(oidc: OidcConfig, rolesByEmail: Map<string, Role>) {
  return genericOAuth({
    config: [
      {
        providerId: OIDC_PROVIDER_ID,
        name: oidc.label,
        discoveryUrl: `${oidc.issuer}/.well-known/openid-configuration`,
        requireIdTokenVerification: true,
        clientId: oidc.clientId,
        clientSecret: oidc.clientSecret,
        scopes: oidc.scopes,
        prompt: oidc.prompt ?? undefined,
        pkce: true,
        overrideUserInfo: true,
        mapProfileToUser: (profile) => {
          const email = typeof profile.email === 'string' ? profile.email.toLowerCase() : undefined;
          noteDirectoryEmail(email);
          const role = roleFromGroups(profile[oidc.groupsClaim], oidc.roleGroups);
          if (!role) {
            throw new APIError('FORBIDDEN', {
              message: `None of your directory groups (claim "${oidc.groupsClaim}") gives access to Migawka`,
            });
          }
          // The library keeps only fields a user may set themselves; the role is applied by the
          // user hooks below, which see the same email when the user is created or updated.
          if (email) rolesByEmail.set(email, role);
          return { email, name: typeof profile.name === 'string' ? profile.name : email };
        },
      },
    ],
  });
}

/**
 * The library's Drizzle adapter over the accounts tables of the database's dialect (the pg provider
 * quotes the reserved `user` table itself).
 */
function accountsAdapterOf(database: ProcessDatabase) {
  const tables = (schema: typeof sqliteAuthSchema | typeof pgAuthSchema) => ({
    user: schema.user,
    session: schema.session,
    account: schema.account,
    verification: schema.verification,
  });
  return database.kind === 'sqlite'
    ? drizzleAdapter(database.db, { provider: 'sqlite', schema: tables(sqliteAuthSchema) })
    : drizzleAdapter(database.pg.db, { provider: 'pg', schema: tables(pgAuthSchema) });
}

/**
 * The user hook of directory sign-in: the user row written by a sign-in whose groups gave a role
 * takes that role, and the re-check interval starts again (no failed re-check is pending then).
 */
function directoryRoleHook(rolesByEmail: Map<string, Role>, oidc: OidcConfig | null, now: () => Date) {
  return async <T extends { email?: unknown }>(user: T) => {
    if (!oidc || typeof user.email !== 'string') return undefined;
    const role = rolesByEmail.get(user.email);
    rolesByEmail.delete(user.email);
    if (!role) return undefined;
    const directoryCheckDueAt = new Date(now().getTime() + oidc.recheck.intervalMs);
    return { data: { ...user, role, directoryCheckDueAt, directoryUnknownSince: null } };
  };
}

export function createAuth(database: DatabaseHandle, options: AuthOptions) {
  /** Directory sign-ins in flight: the role their groups gave, until the user row is written. */
  const rolesByEmail = new Map<string, Role>();
  const withDirectoryRole = directoryRoleHook(
    rolesByEmail,
    options.oidc ?? null,
    options.now ?? (() => new Date()),
  );
  const auth = betterAuth({
    appName: 'Migawka',
    secret: options.secret,
    database: accountsAdapterOf(asProcessDatabase(database)),
    emailAndPassword: {
      enabled: true,
      disableSignUp: true,
      minPasswordLength: MIN_PASSWORD_LENGTH,
      maxPasswordLength: MAX_PASSWORD_LENGTH,
      autoSignIn: false,
    },
    session: { expiresIn: SESSION_SECONDS, updateAge: SESSION_RENEW_SECONDS },
    user: {
      additionalFields: {
        failedSignIns: { type: 'number', required: false, input: false, defaultValue: 0 },
        lockedUntil: { type: 'date', required: false, input: false },
        directoryCheckDueAt: { type: 'date', required: false, input: false },
        directoryUnknownSince: { type: 'date', required: false, input: false },
      },
    },
    // Directory sign-ins keep a refresh token for the re-check: at rest it is sealed with the session key.
    account: { encryptOAuthTokens: true },
    rateLimit: {
      // On in every environment (the library's default is production only), in this process's memory.
      enabled: true,
      storage: 'memory',
      window: 60,
      max: 300,
      customRules: {
        '/sign-in/email': { window: 60, max: options.signInsPerMinute ?? SIGN_INS_PER_MINUTE },
        '/sign-in/social': { window: 60, max: options.signInsPerMinute ?? SIGN_INS_PER_MINUTE },
      },
    },
    advanced: {
      // Behind an HTTPS-terminating proxy the cookies must be Secure; plain HTTP (the demo lab) cannot set them.
      useSecureCookies: options.trustedProxy,
      trustedProxyHeaders: options.trustedProxy,
      defaultCookieAttributes: { httpOnly: true, sameSite: 'lax' },
    },
    plugins: [
      admin({ ac, roles: libraryRoles, defaultRole: 'viewer', adminRoles: ['admin'] }),
      ...(options.oidc ? [directorySignIn(options.oidc, rolesByEmail)] : []),
    ],
    databaseHooks: { user: { create: { before: withDirectoryRole }, update: { before: withDirectoryRole } } },
    telemetry: { enabled: false },
    logger: {
      log: (level, message, ...args) =>
        // The origin is derived from each request on purpose (no fixed public URL to configure).
        logger[message.includes('Base URL is not set') ? 'debug' : level](
          { library: 'better-auth', args },
          message,
        ),
    },
  });
  const directoryRecheck = options.oidc
    ? createDirectoryRecheck({
        oidc: options.oidc,
        context: () => auth.$context,
        providerId: OIDC_PROVIDER_ID,
        audit: recordDirectoryEventIn(database, options.oidc.label),
        noteChanged: () => processSessionChecks().noteChanged(),
        log: logger,
      })
    : null;
  return Object.assign(auth, { directoryRecheck });
}

/** The directory's verdicts into the database's audit trail, under the directory as actor and naming the user. */
function recordDirectoryEventIn(database: DatabaseHandle, label: string) {
  const stores = storesOf(database);
  const actor: Actor = { kind: 'system', id: 'system', name: `Directory (${label})` };
  return async (event: DirectoryRecheckEvent, at: Date) => {
    await recordAudit(stores, createServiceContext({ actor, now: () => at }), {
      action: event.action,
      outcome: event.outcome,
      message: event.message,
      objects: [{ kind: 'user', id: event.user.id, name: event.user.email }],
    });
  };
}

export type Auth = ReturnType<typeof createAuth>;

const authByDb = new WeakMap<object, Auth>();

/**
 * The authentication over one database, made once per database: the process-wide one for requests
 * (its secret from the configuration or the key file beside the database, or in the data directory
 * on PostgreSQL), an in-memory one in tests.
 */
export function authFor(database: DatabaseHandle): Auth {
  const opened = asProcessDatabase(database);
  const identity = identityOf(opened);
  let auth = authByDb.get(identity);
  if (!auth) {
    const config = getConfig().auth;
    const { secret, source, file } = resolveAuthSecret(config.secret, keyAnchorOf(opened));
    if (source !== 'in-memory') logger.info({ source, file }, 'session signing key ready');
    if (opened.kind === 'postgres' && source !== 'environment') {
      // Each node would sign with its own key file: a session from one node is refused by the others.
      logger.warn(
        { file },
        'MIGAWKA_AUTH_SECRET is not set: sessions are signed with this node’s own key file; set it to the same value on every web node',
      );
    }
    auth = createAuth(opened, { secret, trustedProxy: config.trustedProxy, oidc: config.oidc });
    authByDb.set(identity, auth);
  }
  return auth;
}
