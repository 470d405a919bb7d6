/**
 * XenServer / XCP-ng pool connections (admins only): add, test, change and test the SSH accounts,
 * accept a changed certificate, discover into the inventory, remove. The connected set of this process follows every change.
 */

import { connectionSyncsInput } from '../../schemas/sync-log';
import {
  acceptXapiCertificateInput,
  addXapiPoolInput,
  removeXapiPoolInput,
  setXapiPoolSshAccountsInput,
  testXapiPoolSshAccountInput,
  xapiPoolIdInput,
  xapiPoolTestTargetsInput,
} from '../../schemas/xapi-pools';
import { disconnectXapiPoolOrRequestApproval } from '../../services/disconnect-approval';
import { xapiPoolDisconnectImpact } from '../../services/disconnect-impact';
import { listConnectionSyncs } from '../../services/sync-log-service';
import { refreshXapiPools } from '../../services/xapi-connection-service';
import {
  acceptXapiCertificate,
  addXapiPool,
  discoverXapiPool,
  listXapiPools,
  testXapiPool,
} from '../../services/xapi-pool-service';
import {
  listXapiPoolTestTargets,
  setXapiPoolSshAccounts,
  testXapiPoolSshAccount,
} from '../../services/xapi-pool-ssh-accounts';
import { adminProcedure, router } from '../init';

/** A console request waits at most this long for a pool (a login failure alone takes 5 s). */
const POOL_CALL = { timeoutMs: 60_000 };

export const xapiPoolsRouter = router({
  list: adminProcedure.query(({ ctx }) => listXapiPools(ctx.stores)),
  add: adminProcedure.input(addXapiPoolInput).mutation(async ({ ctx, input }) => {
    const pool = await addXapiPool(ctx.stores, ctx.service, ctx.vaultKeys, input);
    await refreshXapiPools(ctx.stores);
    return pool;
  }),
  test: adminProcedure.input(xapiPoolIdInput).mutation(({ ctx, input, signal }) =>
    testXapiPool(ctx.stores, ctx.service, ctx.vaultKeys, input.id, {
      ...POOL_CALL,
      signal: signal ?? new AbortController().signal,
    }),
  ),
  /** The guest hook's and host flush's accounts, both at once (null: none); names come back, never values. */
  setSshAccounts: adminProcedure.input(setXapiPoolSshAccountsInput).mutation(async ({ ctx, input }) => {
    const pool = await setXapiPoolSshAccounts(ctx.stores, ctx.service, ctx.vaultKeys, input);
    await refreshXapiPools(ctx.stores);
    return pool;
  }),
  /** Signs in with one SSH account where the hook (a running guest) or the flush (master's dom0) would. */
  testSshAccount: adminProcedure.input(testXapiPoolSshAccountInput).mutation(({ ctx, input, signal }) =>
    testXapiPoolSshAccount(ctx.stores, ctx.service, ctx.vaultKeys, input, {
      ...POOL_CALL,
      signal: signal ?? new AbortController().signal,
    }),
  ),
  /** The pool's VMs (guest) or hosts (host) by name, for the test's picker; a limited page. */
  testTargets: adminProcedure
    .input(xapiPoolTestTargetsInput)
    .query(({ ctx, input }) => listXapiPoolTestTargets(ctx.stores, input)),
  acceptCertificate: adminProcedure.input(acceptXapiCertificateInput).mutation(async ({ ctx, input }) => {
    const pool = await acceptXapiCertificate(ctx.stores, ctx.service, input);
    await refreshXapiPools(ctx.stores);
    return pool;
  }),
  discover: adminProcedure.input(xapiPoolIdInput).mutation(async ({ ctx, input, signal }) => {
    const found = await discoverXapiPool(ctx.stores, ctx.service, ctx.vaultKeys, input.id, {
      ...POOL_CALL,
      signal: signal ?? new AbortController().signal,
    });
    await refreshXapiPools(ctx.stores);
    return {
      poolName: found.facts.poolName,
      hosts: found.facts.hosts.length,
      vms: found.import.imported.vms,
      assessment: found.import.assessment,
      notRead: found.notRead,
    };
  }),
  /** The pool's last syncs (full syncs and batches of changes), newest first, a page at a time. */
  syncs: adminProcedure
    .input(connectionSyncsInput)
    .query(({ ctx, input }) => listConnectionSyncs(ctx.stores, input)),
  /** What disconnecting it stops: the VMs on its hosts and the jobs backing them up. */
  disconnectImpact: adminProcedure
    .input(xapiPoolIdInput)
    .query(({ ctx, input }) => xapiPoolDisconnectImpact(ctx.stores, input)),
  /** Disconnects (and drops it from the connected set), or asks a second admin first (four-eyes). */
  remove: adminProcedure
    .input(removeXapiPoolInput)
    .mutation(({ ctx, input }) => disconnectXapiPoolOrRequestApproval(ctx, input)),
});
