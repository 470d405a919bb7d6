/**
 * Where a stored secret may be sent (server/engine/secret-binding.ts): every request that would send
 * a vault secret to an address it names — a test before saving, adding a connection, giving a pool
 * an SSH account — goes through here before any connection is opened. A secret bound elsewhere is
 * refused, in names, unless the person typed it again: a test then sends what was typed (the
 * vault's value is not read), and a save binds the secret to the new endpoint once the typed value
 * is found to be the stored one.
 */
import type { SecretMetadata, SecretRecord, Stores } from '../../db/stores/ports';
import { actorLabel, type ServiceContext } from '../context';
import { type BindingUse, bindingProblem, reentryMismatch } from '../engine/secret-binding';
import { DomainError, type FieldError } from './errors';
import type { ConnectionStores } from './secret-uses';
import type { VaultKeySource } from './vault-key';
import { isStoredValue, revealSecret, usedWithBySecret } from './vault-service';

export type BindingStores = Pick<Stores, 'secrets'> & ConnectionStores;

/** A vault account a request names, and its value if the person typed it again. */
export interface ChosenAccount {
  /** The input field naming the secret, e.g. `hostAccountId`. */
  path: string;
  secretId: string | null;
  /** The input field of the value typed again, e.g. `hostAccountSecret`. */
  reenteredPath: string;
  reentered: string | null;
}

/** A secret's metadata and value, read when a connection signs in (not before). */
export type SecretSource = () => Promise<{ metadata: SecretMetadata; value: string }>;

interface Judged {
  account: ChosenAccount & { secretId: string };
  secret: SecretRecord;
  problem: string | null;
}

async function judge(
  stores: BindingStores,
  endpoint: string,
  accounts: readonly ChosenAccount[],
  use: BindingUse,
) {
  const chosen = accounts.filter((account): account is Judged['account'] => account.secretId !== null);
  const usedWith = await usedWithBySecret(
    stores,
    chosen.map((account) => account.secretId),
  );
  const judged: Judged[] = [];
  for (const account of chosen) {
    const secret = await stores.secrets.get(account.secretId);
    // The caller checked each account is in the vault (requireVaultAccount); gone since: not ours to say.
    if (!secret) continue;
    const bound = { ...secret, usedWith: usedWith.get(secret.id) ?? [] };
    judged.push({ account, secret, problem: bindingProblem(bound, endpoint, use) });
  }
  return judged;
}

function refuse(
  ctx: ServiceContext,
  endpoint: string,
  use: BindingUse,
  refused: { judged: Judged; message: string }[],
): never {
  ctx.log.warn(
    { endpoint, secretIds: refused.map(({ judged }) => judged.secret.id), by: actorLabel(ctx.actor) },
    'stored secret refused for an endpoint it is not used with',
  );
  const fieldErrors: FieldError[] = refused.map(({ judged, message }) => ({
    path: judged.account.reenteredPath,
    message,
  }));
  throw new DomainError(
    'FORBIDDEN',
    `${refused.map(({ message }) => message).join('; ')}. ${use === 'test' ? 'Nothing was sent' : 'Nothing was saved or sent'} to ${endpoint}.`,
    fieldErrors,
  );
}

/**
 * For a test against `endpoint`: how each chosen account signs in, by its input path — the vault's
 * value where the secret is used with the endpoint (or with none yet), the typed value where one
 * was typed. Refused before anything is sent when a secret is bound elsewhere and was not typed.
 */
export async function secretsForTest(
  stores: BindingStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  endpoint: string,
  accounts: readonly ChosenAccount[],
): Promise<Map<string, SecretSource>> {
  const judged = await judge(stores, endpoint, accounts, 'test');
  const refused = judged.filter((entry) => entry.problem !== null && entry.account.reentered === null);
  if (refused.length > 0) {
    refuse(
      ctx,
      endpoint,
      'test',
      refused.map((entry) => ({ judged: entry, message: entry.problem ?? '' })),
    );
  }
  const sources = new Map<string, SecretSource>();
  for (const { account, secret } of judged) {
    const { reentered } = account;
    const { sealed: _sealed, ...metadata } = secret;
    sources.set(
      account.path,
      reentered === null
        ? () => revealSecret(stores, ctx, keys, secret.id)
        : async () => ({ metadata, value: reentered }),
    );
  }
  return sources;
}

/**
 * For a save at `endpoint`: refuses, changing nothing, an account bound elsewhere unless the value
 * typed for it is the stored one. Returns what binds the accounts to the endpoint, to run once the
 * connection is written.
 */
export async function authorizeSave(
  stores: BindingStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  endpoint: string,
  accounts: readonly ChosenAccount[],
): Promise<() => Promise<void>> {
  const judged = await judge(stores, endpoint, accounts, 'save');
  const refused: { judged: Judged; message: string }[] = [];
  for (const entry of judged) {
    if (entry.problem === null) continue;
    const { reentered } = entry.account;
    if (reentered === null) refused.push({ judged: entry, message: entry.problem });
    else if (!(await isStoredValue(stores, keys, entry.secret.id, reentered)))
      refused.push({ judged: entry, message: reentryMismatch(entry.secret, endpoint) });
  }
  if (refused.length > 0) refuse(ctx, endpoint, 'save', refused);
  return async () => {
    for (const { secret } of judged) {
      await stores.secrets.bindEndpoint({
        secretId: secret.id,
        endpoint,
        boundAt: ctx.now(),
        boundBy: actorLabel(ctx.actor),
      });
    }
  };
}
