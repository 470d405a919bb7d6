/**
 * Asking the identity provider about one directory user again, for the re-check of
 * server/auth/directory-recheck.ts: renew their sign-in with the refresh token kept from it, then
 * read their groups from the renewed ID token (verified against the provider's keys) or, when the
 * token does not carry the groups claim, from the userinfo endpoint with the renewed access token.
 *
 * Every call has a deadline (a hung provider must not hold a request), and every failure is sorted
 * by what it tells: the provider refusing the refresh token (`invalid_grant`: the user was disabled
 * or their sign-in revoked there) is an answer; a provider that cannot be reached, times out,
 * fails or answers something unverifiable has said nothing (`unknown`).
 */
import { refreshAccessTokenRequest } from 'better-auth/oauth2';
import type { OidcConfig } from '../config';
import type { DirectoryAnswer } from '../engine/directory-recheck';

/** Per call to the provider: long enough for a slow directory, short enough to hold one request only briefly. */
export const DIRECTORY_CALL_TIMEOUT_MS = 5_000;

export interface RenewedTokens {
  accessToken: string;
  /** A new refresh token when the provider rotates them (the old one is then spent). */
  refreshToken?: string;
  idToken?: string;
  accessTokenExpiresAt?: Date;
  refreshTokenExpiresAt?: Date;
}

export type RenewResult =
  | { kind: 'renewed'; tokens: RenewedTokens }
  | Extract<DirectoryAnswer, { kind: 'refused' | 'unknown' }>;

export interface DirectoryProvider {
  /** Renews the sign-in with `refreshToken`. */
  renew(refreshToken: string, now: Date): Promise<RenewResult>;
  /** The groups claim of the user `subject` (the provider's `sub`), as the renewed tokens give it. */
  groupsOf(tokens: RenewedTokens, subject: string): Promise<DirectoryAnswer>;
}

export interface DirectoryProviderOptions {
  /** The claims of an ID token the provider signed for this client, or null when it does not verify. */
  verifyIdToken: (idToken: string) => Promise<Record<string, unknown> | null>;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

interface Endpoints {
  token: string;
  userinfo: string | null;
}

const unknown = (reason: string) => ({ kind: 'unknown', reason }) as const;
const refused = (reason: string) => ({ kind: 'refused', reason }) as const;

export function createDirectoryProvider(
  oidc: OidcConfig,
  options: DirectoryProviderOptions,
): DirectoryProvider {
  const { verifyIdToken, fetch: send = fetch, timeoutMs = DIRECTORY_CALL_TIMEOUT_MS } = options;
  const call = (url: string, init: RequestInit) =>
    // A redirect is refused, as the library's own OAuth calls do: a token must not be sent elsewhere.
    send(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  let endpoints: Promise<Endpoints> | null = null;
  /** The discovery document, read once per process (a failed read is tried again next time). */
  const endpointsOf = () => {
    endpoints ??= discover(oidc.issuer, call).catch((error: unknown) => {
      endpoints = null;
      throw error;
    });
    return endpoints;
  };

  return {
    async renew(refreshToken, now) {
      let found: Endpoints;
      try {
        found = await endpointsOf();
      } catch (error) {
        return unknown(
          `the directory's discovery document could not be read: ${failureOf(error, timeoutMs)}`,
        );
      }
      const { body, headers } = await refreshAccessTokenRequest({
        refreshToken,
        options: { clientId: oidc.clientId, clientSecret: oidc.clientSecret },
        tokenEndpoint: found.token,
      });
      let response: Response;
      try {
        response = await call(found.token, { method: 'POST', body, headers });
      } catch (error) {
        return unknown(`the directory's token endpoint did not answer: ${failureOf(error, timeoutMs)}`);
      }
      const answer = (await response.json().catch(() => null)) as Record<string, unknown> | null;
      if (!response.ok) {
        const code = typeof answer?.error === 'string' ? answer.error : null;
        const description =
          typeof answer?.error_description === 'string' ? `: ${answer.error_description}` : '';
        // The one answer about the user: their refresh token is no longer good (disabled, revoked, expired).
        if (code === 'invalid_grant')
          return refused(`the directory refused to renew their sign-in (invalid_grant${description})`);
        return unknown(
          `the directory's token endpoint answered HTTP ${response.status}${code ? ` ${code}${description}` : ''}`,
        );
      }
      if (!answer || typeof answer.access_token !== 'string') {
        return unknown("the directory's token endpoint answered without an access token");
      }
      return { kind: 'renewed', tokens: tokensOf(answer, now) };
    },

    async groupsOf(tokens, subject) {
      if (tokens.idToken) {
        const claims = await verifyIdToken(tokens.idToken);
        if (!claims) return unknown("the renewed ID token did not verify against the directory's keys");
        if (claims.sub !== subject) return refused('the directory renewed the sign-in of another subject');
        if (oidc.groupsClaim in claims) return { kind: 'groups', claim: claims[oidc.groupsClaim] };
      }
      let found: Endpoints;
      try {
        found = await endpointsOf();
      } catch (error) {
        return unknown(
          `the directory's discovery document could not be read: ${failureOf(error, timeoutMs)}`,
        );
      }
      if (!found.userinfo)
        return unknown(`neither the renewed ID token nor a userinfo endpoint gives "${oidc.groupsClaim}"`);
      let response: Response;
      try {
        response = await call(found.userinfo, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
      } catch (error) {
        return unknown(`the directory's userinfo endpoint did not answer: ${failureOf(error, timeoutMs)}`);
      }
      const claims = (await response.json().catch(() => null)) as Record<string, unknown> | null;
      if (!response.ok || !claims)
        return unknown(`the directory's userinfo endpoint answered HTTP ${response.status}`);
      if (claims.sub !== subject) return refused('the directory described another subject');
      // A provider that leaves the claim out for a user in no group has said "no groups".
      return { kind: 'groups', claim: claims[oidc.groupsClaim] };
    },
  };
}

async function discover(
  issuer: string,
  call: (url: string, init: RequestInit) => Promise<Response>,
): Promise<Endpoints> {
  const response = await call(`${issuer}/.well-known/openid-configuration`, {});
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const document = (await response.json()) as { token_endpoint?: unknown; userinfo_endpoint?: unknown };
  if (typeof document.token_endpoint !== 'string') throw new Error('it names no token endpoint');
  return {
    token: document.token_endpoint,
    userinfo: typeof document.userinfo_endpoint === 'string' ? document.userinfo_endpoint : null,
  };
}

function tokensOf(answer: Record<string, unknown>, now: Date): RenewedTokens {
  const expiresIn = (field: string) =>
    typeof answer[field] === 'number'
      ? new Date(now.getTime() + (answer[field] as number) * 1000)
      : undefined;
  return {
    accessToken: answer.access_token as string,
    refreshToken: typeof answer.refresh_token === 'string' ? answer.refresh_token : undefined,
    idToken: typeof answer.id_token === 'string' ? answer.id_token : undefined,
    accessTokenExpiresAt: expiresIn('expires_in'),
    refreshTokenExpiresAt: expiresIn('refresh_token_expires_in'),
  };
}

/** Why a call got no answer, in words for the audit trail and the log. */
function failureOf(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  if (error instanceof Error) {
    const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
    const detail =
      typeof cause?.code === 'string'
        ? cause.code
        : typeof cause?.message === 'string'
          ? cause.message
          : null;
    return detail ? `${error.message} (${detail})` : error.message;
  }
  return String(error);
}
