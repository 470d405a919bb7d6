/**
 * The settings of directory sign-in (OpenID Connect), read by server/config.ts with the rest of the
 * environment: their variables, how each is parsed, and the `OidcConfig` they make together.
 */
import { z } from 'zod';
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
    scopes: (vars.MIGAWKA_OIDC_SCOPES ?? 'openid email profile').split(/\s+/).filter(Boolean),
    groupsClaim: vars.MIGAWKA_OIDC_GROUPS_CLAIM ?? 'groups',
    roleGroups: MIGAWKA_OIDC_ROLE_GROUPS,
    label: vars.MIGAWKA_OIDC_LABEL ?? 'your directory',
  };
}
