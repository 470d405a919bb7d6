/**
 * A connection's account is a vault secret of a kind its protocol can sign in with
 * (engine/security.ts PASSWORD_LOGIN, SSH_LOGIN). Checked when the account is chosen, so an API
 * token is not first sent as a password at the connection's first sync.
 */
import type { Stores } from '../../db/stores/ports';
import type { SecretKind } from '../engine/security';
import { DomainError } from './errors';

export { PASSWORD_LOGIN, SSH_LOGIN } from '../engine/security';

/** Why the secret cannot be the account (null: it can). */
export function accountKindProblem(
  secret: { name: string; kind: SecretKind },
  what: string,
  kinds: readonly SecretKind[],
): string | null {
  if (kinds.includes(secret.kind)) return null;
  const wanted = kinds.map((kind) => KIND_WORDS[kind]).join(' or ');
  return `The ${what} must be ${wanted}: "${secret.name}" is ${KIND_WORDS[secret.kind]}`;
}

const KIND_WORDS: Record<SecretKind, string> = {
  password: 'a password',
  'ssh-private-key': 'an SSH private key',
  'api-token': 'an API token',
};

/** Refuses an account that is not in the vault, or not of a kind the protocol signs in with. */
export async function requireVaultAccount(
  stores: Pick<Stores, 'secrets'>,
  id: string | null,
  account: { path: string; what: string; kinds: readonly SecretKind[] },
): Promise<void> {
  if (id === null) return;
  const secret = await stores.secrets.get(id);
  if (!secret) {
    throw new DomainError('INVALID_INPUT', `The ${account.what} must be a secret in the vault.`, [
      { path: account.path, message: 'No secret has this id' },
    ]);
  }
  const problem = accountKindProblem(secret, account.what, account.kinds);
  if (problem)
    throw new DomainError('INVALID_INPUT', `${problem}.`, [{ path: account.path, message: problem }]);
}
