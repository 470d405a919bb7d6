/**
 * An object the operator acted on by a page that listed it, gone when the request reached it, is
 * refused in words: what they were acting on and what happened, never its id (nobody typed it,
 * and a toast or dialog would show it as if they could read it). The field error still names the
 * input by its path, so an API client can tell which one was wrong; its message holds no id either,
 * as the console lists field errors under the message. One row per kind of object, on both stores.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storesOf } from '../../../db/process-database';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { nightlyJobInput, rejectionOf } from '../../test-support';
import { fieldErrorsOf, type Principal } from '../init';
import type { createCaller } from '../root';
import { ADA, callerFor, lab, openApprovalsLab, RITA, requestOf } from './approvals-test-support';

/** An id as the stores make them: what must not reach the operator. */
const GONE = 'gone-3f2a9c7e41';

type Caller = ReturnType<typeof createCaller>;

interface Row {
  kind: string;
  /** Makes what the call acts on gone, if the row needs more than an id never stored: the call, and that id. */
  arrange: () => Promise<{ call: () => Promise<unknown>; goneId: string }>;
  code: 'NOT_FOUND' | 'CONFLICT';
  path: string;
  says: RegExp;
}

/** A call by `principal` naming GONE. */
const naming =
  (call: (caller: Caller) => Promise<unknown>, principal: Principal = RITA) =>
  async () => ({ call: () => call(callerFor(principal)), goneId: GONE });

const ROWS: Row[] = [
  {
    kind: 'a backup job run now',
    arrange: naming((caller) => caller.jobs.runNow({ id: GONE })),
    code: 'NOT_FOUND',
    path: 'id',
    says: /^This backup job no longer exists: someone deleted it since this page was loaded/,
  },
  {
    kind: 'a backup job deleted',
    arrange: naming((caller) => caller.jobs.delete({ id: GONE, confirmation: 'fs nightly' })),
    code: 'NOT_FOUND',
    path: 'id',
    says: /^This backup job no longer exists/,
  },
  {
    kind: 'a Hyper-V host connection',
    arrange: naming((caller) => caller.hypervConnections.remove({ id: GONE, confirmation: 'hv01' })),
    code: 'NOT_FOUND',
    path: 'id',
    says: /^This Hyper-V host connection no longer exists: an admin disconnected the host/,
  },
  {
    kind: 'a XenServer pool connection',
    arrange: naming((caller) =>
      caller.xapiPools.setSshAccounts({ id: GONE, guestSecretId: null, hostSshSecretId: null }),
    ),
    code: 'NOT_FOUND',
    path: 'id',
    says: /^This XenServer pool connection no longer exists: an admin disconnected the pool/,
  },
  {
    kind: 'an array connection',
    arrange: naming((caller) => caller.arrayConnections.remove({ id: GONE, confirmation: 'cluster1' })),
    code: 'NOT_FOUND',
    path: 'id',
    says: /^This array connection no longer exists: an admin disconnected the array/,
  },
  {
    kind: 'a secret given a new value',
    arrange: naming((caller) => caller.secrets.replace({ id: GONE, secret: 'a new password' })),
    code: 'NOT_FOUND',
    path: 'id',
    says: /^This secret no longer exists: an admin deleted it/,
  },
  {
    kind: 'a secret deleted',
    arrange: naming((caller) => caller.secrets.delete({ id: GONE })),
    code: 'NOT_FOUND',
    path: 'id',
    says: /^This secret no longer exists: an admin deleted it/,
  },
  {
    kind: 'an operation opened',
    arrange: naming((caller) => caller.operations.get({ id: GONE })),
    code: 'NOT_FOUND',
    path: 'id',
    says: /^This console has no record of this operation/,
  },
  {
    kind: 'an operation cancelled',
    arrange: naming((caller) => caller.operations.cancel({ id: GONE })),
    code: 'NOT_FOUND',
    path: 'id',
    says: /^This console has no record of this operation/,
  },
  {
    kind: 'an operation retried',
    arrange: naming((caller) => caller.operations.retryFailed({ id: GONE })),
    code: 'NOT_FOUND',
    path: 'id',
    says: /^This console has no record of this operation/,
  },
  {
    kind: 'an approval request approved',
    arrange: naming((caller) => caller.approvals.approve({ id: GONE }), ADA),
    code: 'NOT_FOUND',
    path: 'id',
    says: /^This console has no record of this approval request/,
  },
  {
    kind: "a user's role",
    arrange: naming((caller) => caller.users.setRole({ userId: GONE, role: 'viewer' })),
    code: 'NOT_FOUND',
    path: 'userId',
    says: /^This console has no record of this user/,
  },
  {
    kind: 'one of my sessions',
    arrange: naming((caller) => caller.account.revokeSession({ sessionId: GONE })),
    code: 'NOT_FOUND',
    path: 'sessionId',
    says: /^This session no longer exists: it ended \(signed out, expired or revoked\)/,
  },
  {
    kind: 'a job deletion approved after the job was deleted',
    arrange: async () => {
      const job = await callerFor(RITA).jobs.create(nightlyJobInput('fs nightly', 'vm-fs-01'));
      const request = requestOf(await callerFor(RITA).jobs.delete({ id: job.id, confirmation: job.name }));
      await storesOf(lab.database).jobs.delete(job.id);
      return { call: () => callerFor(ADA).approvals.approve({ id: request.id }), goneId: job.id };
    },
    code: 'CONFLICT',
    path: 'id',
    says: /^"Delete the backup job fs nightly" cannot run: what it acts on was deleted since it was requested/,
  },
];

describe.each(await storeDialects('gone_objects'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let close: () => Promise<void>;
    beforeEach(async () => {
      close = await openApprovalsLab(dialect);
    });
    afterEach(() => close());

    it.each(ROWS)('$kind, gone, is refused ($code) in words, the field named by path', async (row) => {
      const { call, goneId } = await row.arrange();
      const error = await rejectionOf(call);
      expect(error.code).toBe(row.code);
      expect(error.message).toMatch(row.says);
      expect(error.message).not.toContain(goneId);
      const fieldErrors = fieldErrorsOf(error);
      expect(fieldErrors.map((fieldError) => fieldError.path)).toEqual([row.path]);
      for (const fieldError of fieldErrors) expect(fieldError.message).not.toContain(goneId);
    });
  });
});
