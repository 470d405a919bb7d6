/**
 * The settings of directory sign-in (OpenID Connect), read by server/config.ts with the rest of the
 * environment: their variables, how each is parsed, and the `OidcConfig` they make together.
 */
import { z } from 'zod';
import type { DirectoryRecheckPolicy } from './engine/directory-recheck';
import type { GroupRole } from './engine/directory-roles';
import type { Role } from './engine/roles';

/**
 * "admin=Migawka Admins;operator=Ops;viewer=Everyone" → which directory group gives which role
 * (pairs separated by ';', the group name may contain spaces and commas).
 */
const roleGroups = z
  .string()
  .transform((value) =>
    value
      .split(';')
      .map((pair) => pair.trim())
      .filter(Boolean),
  )
  .pipe(
    z
      .array(
        z
          .string()
          .regex(
            /^(viewer|operator|restore-operator|admin)=.+$/,
            'must be role=group pairs separated by ";" (roles: viewer, operator, restore-operator, admin)',
          )
          .transform((pair) => {
            const at = pair.indexOf('=');
            return { role: pair.slice(0, at) as Role, group: pair.slice(at + 1).trim() };
          }),
      )
      .min(1, 'must map at least one group to a role'),
  );

const minutesBetween = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number of minutes')
    .transform(Number)
    .refine((value) => value >= min && value <= max, `must be between ${min} and ${max} minutes`);

/**
 * Ten minutes: someone taken out of an admin group in the directory loses the role within ten
 * minutes of using the console, while a signed-in user costs the provider one token refresh per
 * ten minutes of activity (a hundred active users: ten a minute) — and it stays under the idle
 * timeouts providers put on the sessions behind refresh tokens (Keycloak's default is 30 minutes).
 */
export const DEFAULT_RECHECK_MINUTES = 10;
/**
 * Fifteen minutes: long enough to ride out a provider restart or a network blip without signing
 * everybody out, short enough that an outage does not hand a removed admin their rights for long.
 * A longer outage is what a local (password) admin account is for.
 */
export const DEFAULT_GRACE_MINUTES = 15;
/** How soon an unanswered re-check is tried again while the grace lasts. */
export const RECHECK_RETRY_MS = 60_000;

/** The directory sign-in variables of the environment schema (all optional: the feature is off without them). */
export const oidcEnvShape = {
  MIGAWKA_OIDC_ISSUER: z
    .string()
    .trim()
    .refine(
      (value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol),
      'must be the issuer URL (https://…)',
    )
    .optional(),
  MIGAWKA_OIDC_CLIENT_ID: z.string().trim().min(1).optional(),
  MIGAWKA_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  MIGAWKA_OIDC_SCOPES: z.string().trim().min(1).optional(),
  MIGAWKA_OIDC_GROUPS_CLAIM: z.string().trim().min(1).optional(),
  MIGAWKA_OIDC_ROLE_GROUPS: roleGroups.optional(),
  MIGAWKA_OIDC_LABEL: z.string().trim().min(1).max(60).optional(),
  MIGAWKA_OIDC_RECHECK_MINUTES: minutesBetween(1, 60).optional(),
  MIGAWKA_OIDC_GRACE_MINUTES: minutesBetween(0, 240).optional(),
  MIGAWKA_OIDC_PROMPT: z.enum(['consent', 'login', 'select_account']).optional(),
};

type OidcVariables = { [name in keyof typeof oidcEnvShape]?: z.output<(typeof oidcEnvShape)[name]> };

export interface OidcConfig {
  /** The provider's issuer; its discovery document is `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
  /** The ID token / userinfo claim listing the user's groups. */
  groupsClaim: string;
  roleGroups: GroupRole[];
  /** The sign-in button's words: "Sign in with <label>". */
  label: string;
  /** The re-check of a directory user's groups while their session lives (server/auth/directory-recheck.ts). */
  recheck: DirectoryRecheckPolicy;
  /**
   * The `prompt` of the authorization request; null sends none. `consent` is what OpenID Connect
   * asks of a provider before it honours `offline_access` (some do not issue a refresh token without it).
   */
  prompt: 'consent' | 'login' | 'select_account' | null;
}

/** The settings directory sign-in cannot work without: one given asks for the others. */
const OIDC_VARIABLES = [
  'MIGAWKA_OIDC_ISSUER',
  'MIGAWKA_OIDC_CLIENT_ID',
  'MIGAWKA_OIDC_CLIENT_SECRET',
  'MIGAWKA_OIDC_ROLE_GROUPS',
] as const;

/** What is missing when some of the required settings are given but not all; null when none is missing. */
export function incompleteOidcSettings(vars: OidcVariables): string | null {
  const set = OIDC_VARIABLES.filter((name) => vars[name] !== undefined);
  if (set.length === 0 || set.length === OIDC_VARIABLES.length) return null;
  const missing = OIDC_VARIABLES.filter((name) => vars[name] === undefined);
  return `${missing.join(', ')}: needed for directory sign-in (OpenID Connect) together with ${set.join(', ')}`;
}

/**
 * `offline_access` asks for the refresh token the re-check renews the sign-in with; a provider that
 * gives none leaves directory sessions one re-check interval long.
 */
export const DEFAULT_SCOPES = 'openid email profile offline_access';

/** Directory sign-in as configured, or null when it is not. */
export function oidcConfigOf(vars: OidcVariables): OidcConfig | null {
  const {
    MIGAWKA_OIDC_ISSUER,
    MIGAWKA_OIDC_CLIENT_ID,
    MIGAWKA_OIDC_CLIENT_SECRET,
    MIGAWKA_OIDC_ROLE_GROUPS,
  } = vars;
  if (
    !MIGAWKA_OIDC_ISSUER ||
    !MIGAWKA_OIDC_CLIENT_ID ||
    !MIGAWKA_OIDC_CLIENT_SECRET ||
    !MIGAWKA_OIDC_ROLE_GROUPS
  )
    return null;
  return {
    issuer: MIGAWKA_OIDC_ISSUER.replace(/\/$/, ''),
    clientId: MIGAWKA_OIDC_CLIENT_ID,
    clientSecret: MIGAWKA_OIDC_CLIENT_SECRET,
    scopes: (vars.MIGAWKA_OIDC_SCOPES ?? DEFAULT_SCOPES).split(/\s+/).filter(Boolean),
    groupsClaim: vars.MIGAWKA_OIDC_GROUPS_CLAIM ?? 'groups',
    roleGroups: MIGAWKA_OIDC_ROLE_GROUPS,
    label: vars.MIGAWKA_OIDC_LABEL ?? 'your directory',
    recheck: {
      intervalMs: (vars.MIGAWKA_OIDC_RECHECK_MINUTES ?? DEFAULT_RECHECK_MINUTES) * 60_000,
      graceMs: (vars.MIGAWKA_OIDC_GRACE_MINUTES ?? DEFAULT_GRACE_MINUTES) * 60_000,
      retryMs: RECHECK_RETRY_MS,
    },
    prompt: vars.MIGAWKA_OIDC_PROMPT ?? null,
  };
}
