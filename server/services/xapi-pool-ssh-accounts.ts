/**
 * A pool's SSH accounts after it was added: the Linux guests' account (the guest hook: scripts and
 * fsfreeze) and dom0's (the host flush before an array snapshot). An admin changes either (or sets
 * none), and the freeze window, and tests an account against a guest or the pool master's dom0. Both are vault secrets: only
 * their ids are stored on the pool, and no value leaves the vault except into the SSH login.
 * The connector reads the pool's record at each SSH connect, so a change applies to the next
 * connection (this process at once; a separate worker at its next scheduler pass).
 */
import type { Stores } from '../../db/stores/ports';
import type { PoolMember } from '../../db/stores/ports/inventory';
import type { XapiPoolSshAccounts } from '../../db/stores/ports/xapi-pool-store';
import { actorLabel, type ServiceContext } from '../context';
import type { CallOptions } from '../drivers/call';
import { toDriverError } from '../drivers/xapi/xapi-errors';
import { checkSshAccount } from '../drivers/xapi/xapi-ssh-account-check';
import { isDriverError } from '../engine/driver';
import { endpointOf } from '../engine/secret-binding';
import {
  DEFAULT_FREEZE_WINDOW_MINUTES,
  type SetXapiPoolSshAccounts,
  setXapiPoolSshAccountsInput,
  testXapiPoolSshAccountInput,
  xapiPoolTestTargetsInput,
} from '../schemas/xapi-pools';
import { connectionLabel } from './connection-labels';
import { DomainError, deletedMeanwhile } from './errors';
import { parseInput } from './parse-input';
import { authorizeSave, type BindingStores } from './secret-binding';
import { accountKindProblem, SSH_LOGIN } from './vault-accounts';
import type { VaultKeySource } from './vault-key';
import { poolOrThrow, poolSshAccounts, xapiClientFor, xapiSshAccessFor } from './xapi-pool-service';

type PoolStores = Pick<Stores, 'xapiPools' | 'secrets'>;

const ACCOUNTS = [
  ['guestSecretId', 'guest SSH account'],
  ['hostSshSecretId', 'host SSH account'],
] as const;

/** The pool's freeze window in minutes, the default when none is set. */
export function freezeWindowMinutesOf(seconds: number | null): number {
  return seconds === null ? DEFAULT_FREEZE_WINDOW_MINUTES : Math.round(seconds / 60);
}

/** What the console shows after a change: the accounts by name (never a value). */
export interface XapiPoolSshAccountsView {
  id: string;
  name: string;
  guestAccountName: string | null;
  hostSshAccountName: string | null;
  /** Minutes a frozen guest waits for its thaw before it thaws itself. */
  freezeWindowMinutes: number;
}

/**
 * Replaces both SSH accounts of a pool (null: none). Every account is checked before anything is
 * written: each must be a password or SSH key in the vault; a wrong one names its field and
 * changes nothing.
 */
export async function setXapiPoolSshAccounts(
  stores: PoolStores & BindingStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  raw: unknown,
): Promise<XapiPoolSshAccountsView> {
  const input: SetXapiPoolSshAccounts = parseInput(setXapiPoolSshAccountsInput, raw);
  const pool = await poolOrThrow(stores, input.id);
  const names: Record<string, string | null> = {};
  const problems: { path: string; message: string }[] = [];
  for (const [path, what] of ACCOUNTS) {
    const id = input[path];
    names[path] = null;
    if (id === null) continue;
    const secret = await stores.secrets.get(id);
    if (!secret) problems.push({ path, message: `The ${what} must be a secret in the vault` });
    else {
      const problem = accountKindProblem(secret, what, SSH_LOGIN);
      if (problem) problems.push({ path, message: problem });
      else names[path] = secret.name;
    }
  }
  if (problems.length > 0) {
    throw new DomainError(
      'INVALID_INPUT',
      `The SSH accounts of ${pool.name} were not changed: ${problems.map((p) => p.message).join('; ')}.`,
      problems,
    );
  }
  // The accounts sign in to the pool's guests and dom0s: a secret used elsewhere is typed again.
  const bindAccounts = await authorizeSave(
    stores,
    ctx,
    keys,
    endpointOf('xapi', pool.address),
    poolSshAccounts(input),
  );
  const accounts: XapiPoolSshAccounts = {
    guestSecretId: input.guestSecretId,
    hostSshSecretId: input.hostSshSecretId,
    freezeWindowSeconds:
      input.freezeWindowMinutes === undefined
        ? pool.freezeWindowSeconds
        : input.freezeWindowMinutes === null
          ? null
          : input.freezeWindowMinutes * 60,
  };
  const updated = await stores.xapiPools.setSshAccounts(pool.id, accounts);
  if (!updated) throw deletedMeanwhile('XenServer pool', pool.name);
  await bindAccounts();
  ctx.log.info(
    {
      poolId: pool.id,
      poolName: pool.name,
      guest: { from: pool.guestSecretId, to: accounts.guestSecretId },
      host: { from: pool.hostSshSecretId, to: accounts.hostSshSecretId },
      freezeWindowSeconds: { from: pool.freezeWindowSeconds, to: accounts.freezeWindowSeconds },
      by: actorLabel(ctx.actor),
    },
    'xapi pool ssh accounts changed',
  );
  return {
    id: pool.id,
    name: pool.name,
    guestAccountName: names.guestSecretId ?? null,
    hostSshAccountName: names.hostSshSecretId ?? null,
    freezeWindowMinutes: freezeWindowMinutesOf(updated.freezeWindowSeconds),
  };
}

/** The test's answer: where it signed in and what it found, or why it could not. */
export interface XapiSshAccountTestResult {
  ok: boolean;
  account: 'guest' | 'host';
  target: string | null;
  /** The driver's fault code when it failed before or at the login (`connector-missing`, …). */
  fault: string | null;
  message: string;
}

/**
 * Signs in with the pool's guest account on a running Linux guest, or with its host account on
 * the master's dom0, and reports what the account may do there (see xapi-ssh-account-check.ts).
 * `hostPort` is dom0's SSH port (22 unless a test's fake listens elsewhere).
 */
export async function testXapiPoolSshAccount(
  stores: PoolStores,
  ctx: ServiceContext,
  keys: VaultKeySource,
  raw: unknown,
  options: CallOptions,
  ports: { hostPort?: number } = {},
): Promise<XapiSshAccountTestResult> {
  const input = parseInput(testXapiPoolSshAccountInput, raw);
  const pool = await poolOrThrow(stores, input.id);
  const label = connectionLabel('xapi', pool.name);
  const client = xapiClientFor(stores, ctx, keys, pool);
  const access = { ...xapiSshAccessFor(stores, ctx, keys, () => pool), ...ports };
  try {
    const check = await checkSshAccount(client, access, input.account, label, options, input.target);
    return { ...check, account: input.account, fault: null };
  } catch (error) {
    const mapped = toDriverError(error, label);
    const fault = isDriverError(mapped) ? mapped.faultCode : 'internal';
    const message = mapped instanceof Error ? mapped.message : String(mapped);
    return { ok: false, account: input.account, target: null, fault, message };
  } finally {
    await client.logout();
  }
}

/**
 * What the SSH account test can be pointed at, by name: the pool's VMs (guest account) or hosts
 * (host account) as its last sync stored them. `discovered` is false before the pool's first
 * successful discovery: there is nothing to list yet, and the console says so.
 */
export interface XapiPoolTestTargets {
  discovered: boolean;
  items: PoolMember[];
  hasMore: boolean;
}

export async function listXapiPoolTestTargets(
  stores: Pick<Stores, 'xapiPools' | 'inventory'>,
  raw: unknown,
): Promise<XapiPoolTestTargets> {
  const input = parseInput(xapiPoolTestTargetsInput, raw);
  const pool = await poolOrThrow(stores, input.id);
  // hostIds is set by a successful sync only: a pool whose discoveries all failed has none.
  if (pool.hostIds.length === 0) return { discovered: false, items: [], hasMore: false };
  const found = await stores.inventory.listPoolMembers({
    hostIds: pool.hostIds,
    kind: input.account === 'guest' ? 'vm' : 'host',
    search: input.search || undefined,
    limit: input.limit,
  });
  return { discovered: true, ...found };
}
