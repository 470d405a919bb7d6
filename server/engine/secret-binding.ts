/**
 * Where a stored secret may be sent. A vault secret is bound to the endpoints (host and port) it is
 * used with: the saved connections that sign in with it, and every endpoint a connection was saved
 * with before (a disconnect does not unbind). A request that would send a stored secret anywhere
 * else — a test before saving, a new connection, another pool's SSH account — is refused unless the
 * person types the secret again (then what is sent is what they typed, not what the vault holds).
 * A secret no connection was saved with yet is bound by its first connection.
 *
 * Pure: shared by the services, which enforce it, and the console's forms, which ask for the
 * secret before the admin clicks. Endpoints are compared as written, host case aside: the console
 * resolves no name, so `hv01.lab` and its IP address are two endpoints.
 */
import type { SecretKind } from './security';

/** The connectors whose addresses take a secret, and the port each uses when none is written. */
export const DEFAULT_PORTS = { hyperv: 22, xapi: 443, ontap: 443, equallogic: 22 } as const;
export type BindingConnector = keyof typeof DEFAULT_PORTS;

const ADDRESS = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/;

/**
 * The endpoint an address reaches, as `host:port` with the host in lower case (an IPv6 address in
 * brackets): `port` when the connector has a port field (Hyper-V), else the port written after the
 * host, else the connector's default.
 */
export function endpointOf(connector: BindingConnector, address: string, port?: number): string {
  const trimmed = address.trim();
  const match = ADDRESS.exec(trimmed);
  const host = (match ? match[1] : trimmed).toLowerCase();
  const written = match?.[2] === undefined ? null : Number(match[2]);
  return `${host}:${port ?? written ?? DEFAULT_PORTS[connector]}`;
}

/** What the request does with the secret, for the refusal's last words. */
export type BindingUse = 'test' | 'save';

/** What is typed again: the secret's value, named by its kind. */
export const REENTRY_WORDS: Record<SecretKind, { verb: string; noun: string }> = {
  password: { verb: 'type', noun: 'password' },
  'ssh-private-key': { verb: 'paste', noun: 'private key' },
  'api-token': { verb: 'paste', noun: 'API token' },
};

/** True when the secret may be sent to `endpoint` without being typed again. */
export function isBoundTo(usedWith: readonly string[], endpoint: string): boolean {
  return usedWith.length === 0 || usedWith.includes(endpoint);
}

/** "a:22", "a:22 and b:22", "a:22, b:22 and c:22". */
export function endpointList(endpoints: readonly string[]): string {
  if (endpoints.length <= 1) return endpoints.join('');
  return `${endpoints.slice(0, -1).join(', ')} and ${endpoints.at(-1)}`;
}

/**
 * Why a stored secret is not sent to `endpoint` (null: it may be), in names: "The saved
 * credential "hv-admin" is used with hv-01.lab:22 only; type its password to test against
 * hv-99.example:22."
 */
export function bindingProblem(
  secret: { name: string; kind: SecretKind; usedWith: readonly string[] },
  endpoint: string,
  use: BindingUse,
): string | null {
  if (isBoundTo(secret.usedWith, endpoint)) return null;
  const { verb, noun } = REENTRY_WORDS[secret.kind];
  const purpose = use === 'test' ? `to test against ${endpoint}` : `to use it with ${endpoint}`;
  return `The saved credential "${secret.name}" is used with ${endpointList(secret.usedWith)} only; ${verb} its ${noun} ${purpose}`;
}

/** A typed value that is not the one the vault holds: the secret is not bound to a new endpoint. */
export function reentryMismatch(secret: { name: string; kind: SecretKind }, endpoint: string): string {
  const { noun } = REENTRY_WORDS[secret.kind];
  return `The ${noun} typed for "${secret.name}" is not the one stored in the vault, so it is not used with ${endpoint}; type it again, or store the account for ${endpoint} as a new vault account`;
}
