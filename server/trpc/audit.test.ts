import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sqliteOf } from '../../db/client';
import { createHarness, type Harness } from '../jobs/test-harness';
import { createLogger } from '../logger';
import type { BackupJobInput } from '../schemas/operations';
import { isSensitiveFieldName, REDACTED, redactForAudit } from '../schemas/sensitive';
import { nightlyJobInput, principalOf, rejectionOf } from '../test-support';
import { contextFor, createCallerFactory, originOf, publicProcedure, router } from './init';
import { appRouter, createCaller } from './root';

const PLANTED = 'planted-audit-secret-5c2e';
const ORIGIN = { ip: '192.0.2.7', userAgent: 'Mozilla/5.0 (audit test)' };

let h: Harness;
let logLines: string[];
let caller: ReturnType<typeof createCaller>;

beforeEach(async () => {
  h = await createHarness();
  logLines = [];
  const log = createLogger(
    'debug',
    new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  );
  caller = createCaller(
    contextFor(h.sqlite(), { log, now: () => h.clock.now() }, principalOf('admin'), ORIGIN),
  );
});
afterEach(async () => {
  expect(logLines.join('')).not.toContain(PLANTED);
  await h.close();
});

const nightlyJob: BackupJobInput = nightlyJobInput('Nightly web', 'web1');

type Ids = { job: string; point: string };
/** What the refused mutations of the table were about, filled in as they are made. */
let ids: Ids = { job: '', point: '' };

async function aJob() {
  const job = await caller.jobs.create(nightlyJob);
  ids.job = job.id;
  return job;
}

async function aPoint() {
  const backup = await caller.operations.backupVm({ vmId: 'web1' });
  await h.tickUntilFinal(h.createWorker(), [backup.operationId]);
  const point = (await caller.restorePoints.list({ vmId: 'web1', limit: 1 })).items[0];
  if (!point) throw new Error('web1 has no point');
  ids.point = point.id;
  return point;
}

async function entries() {
  return (await caller.audit.list({ limit: 200 })).items;
}

describe('the audit middleware', () => {
  it('records every mutation with who, what, from where and how it ended — and no query', async () => {
    await caller.vms.list({});
    const job = await caller.jobs.create(nightlyJob);
    await rejectionOf(() => caller.jobs.delete({ id: 'job-nope', confirmation: 'nope' }));
    await rejectionOf(() => caller.jobs.create({ ...nightlyJob, name: '' }));
    // Deleting a job asks a second admin (four-eyes): the request is recorded, then the mutation.
    await caller.jobs.delete({ id: job.id, confirmation: job.name });

    const recorded = (await entries()).filter((entry) => entry.action !== 'approvals.request');
    expect(recorded.map((e) => [e.seq, e.action, e.outcome])).toEqual([
      [5, 'jobs.delete', 'succeeded'],
      [3, 'jobs.create', 'refused'],
      [2, 'jobs.delete', 'refused'],
      [1, 'jobs.create', 'succeeded'],
    ]);
    const [deleted, invalid, missing, created] = recorded;
    expect(created).toMatchObject({
      actorLabel: 'user:test-admin',
      actorName: 'Test admin',
      actorRole: 'admin',
      ip: ORIGIN.ip,
      userAgent: ORIGIN.userAgent,
      message: null,
      objects: [{ kind: 'job', id: job.id, name: 'Nightly web' }],
      input: { name: 'Nightly web', request: { scope: { vmIds: ['web1'] } } },
    });
    expect(created?.at).toEqual(h.clock.now());
    // The refusal is worded for operators, without the id; the entry's objects keep the id.
    expect(missing).toMatchObject({
      message: expect.stringMatching(/^This backup job no longer exists/),
      objects: [{ kind: 'job', id: 'job-nope', name: null }],
    });
    expect(invalid?.message).toBe('Invalid input: name: Name the job');
    // The request returned is the approval's: the job it is about is named from the stores.
    expect(deleted?.objects).toContainEqual({ kind: 'job', id: job.id, name: 'Nightly web' });
    expect(deleted?.objects).toContainEqual(
      expect.objectContaining({ kind: 'approvalRequest', name: 'Delete the backup job Nightly web' }),
    );
    expect(await caller.audit.verify()).toEqual({ ok: true, checked: 5 });
  });

  it('names what a start queued and what it reads: the operation by its title, the VMs and the point by name', async () => {
    const backup = await caller.operations.backupVm({ vmId: 'web1' });
    const [backedUp] = await entries();
    expect(backedUp?.objects).toEqual(
      expect.arrayContaining([
        { kind: 'operation', id: backup.operationId, name: expect.stringMatching(/^Backup web1 \(/) },
        { kind: 'vm', id: 'web1', name: 'web1' },
      ]),
    );
    await h.tickUntilFinal(h.createWorker(), [backup.operationId]);
    const point = (await caller.restorePoints.list({ vmId: 'web1', limit: 1 })).items[0];
    if (!point) throw new Error('web1 has no point');
    const verify = await caller.restorePoints.verify({ id: point.id });
    const [verified] = await entries();
    expect(verified?.objects).toEqual(
      expect.arrayContaining([
        { kind: 'operation', id: verify.operationId, name: verify.title },
        {
          kind: 'restorePoint',
          id: point.id,
          name: expect.stringMatching(/^the \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC point of web1$/),
        },
      ]),
    );
    expect(verified?.objects.every((object) => object.name !== null)).toBe(true);
  });

  it.each<{ refused: string; mutate: () => Promise<unknown>; objects: (ids: Ids) => unknown[] }>([
    {
      refused: 'a job delete confirmed by the wrong name',
      mutate: async () => caller.jobs.delete({ id: (await aJob()).id, confirmation: 'Nightly' }),
      objects: ({ job }) => [{ kind: 'job', id: job, name: 'Nightly web' }],
    },
    {
      refused: 'a point delete confirmed by the wrong name',
      mutate: async () => caller.restorePoints.delete({ id: (await aPoint()).id, confirmation: 'web' }),
      objects: ({ point }) => [
        { kind: 'restorePoint', id: point, name: expect.stringMatching(/^the .+ UTC point of web1$/) },
      ],
    },
    {
      refused: 'a backup of a VM that does not exist',
      mutate: () => caller.operations.backupVm({ vmId: 'vm-never' }),
      objects: () => [{ kind: 'vm', id: 'vm-never', name: null }],
    },
  ])(
    'names the objects of a refused mutation as the stores know them: $refused',
    async ({ mutate, objects }) => {
      ids = { job: '', point: '' };
      await rejectionOf(mutate);
      const [entry] = await entries();
      expect(entry?.outcome).toBe('refused');
      expect(entry?.objects).toEqual(objects(ids));
    },
  );

  it('records a credential stored in the vault without its value', async () => {
    await caller.secrets.create({ name: 'xen pool a', kind: 'password', username: 'root', secret: PLANTED });
    const [entry] = await entries();
    expect(entry).toMatchObject({
      action: 'secrets.create',
      outcome: 'succeeded',
      input: { name: 'xen pool a', kind: 'password', username: 'root', secret: REDACTED },
      objects: [{ kind: 'secret', name: 'xen pool a' }],
    });
    const raw = JSON.stringify(sqliteOf(h.sqlite()).prepare('select * from audit_entries').all());
    expect(raw).not.toContain(PLANTED);
  });

  it("records a change of a pool's SSH accounts as a change of that pool, by secret id, never a value", async () => {
    const account = { kind: 'password' as const, username: 'root', secret: PLANTED };
    const root = await caller.secrets.create({ name: 'pool root', ...account });
    const guests = await caller.secrets.create({ name: 'linux guests', ...account, username: 'backup' });
    const pool = await caller.xapiPools.add({ name: 'pool-lab', address: '192.0.2.10', secretId: root.id });
    await caller.xapiPools.setSshAccounts({ id: pool.id, guestSecretId: guests.id, hostSshSecretId: null });
    await rejectionOf(() =>
      caller.xapiPools.setSshAccounts({ id: pool.id, guestSecretId: 'nope', hostSshSecretId: null }),
    );
    const [refused, changed] = await entries();
    expect(changed).toMatchObject({
      action: 'xapiPools.setSshAccounts',
      outcome: 'succeeded',
      objects: [{ kind: 'xapiPool', id: pool.id, name: 'pool-lab' }],
      input: { id: pool.id, guestSecretId: guests.id, hostSshSecretId: null },
    });
    expect(refused).toMatchObject({
      action: 'xapiPools.setSshAccounts',
      outcome: 'refused',
      message: expect.stringContaining('The guest SSH account must be a secret in the vault'),
    });
    expect(JSON.stringify(await entries())).not.toContain(PLANTED);
  });

  it("records the wizard's edit of a job as a change of that job, with the settings it saved", async () => {
    const job = await caller.jobs.create(nightlyJob);
    const edited = { ...nightlyJob, name: 'Nightly web (weekdays)', rpoHours: 80 };
    edited.schedule = { cron: '0 2 * * 1-5', timeZone: 'Europe/Warsaw' };
    const review = await caller.backups.review(edited.request);
    await caller.backups.updateJob({
      id: job.id,
      loadedUpdatedAt: job.updatedAt,
      job: edited,
      acknowledgedWarnings: review.warningKeys,
      fingerprint: review.fingerprint,
    });
    const [entry] = await entries();
    expect(entry).toMatchObject({
      action: 'backups.updateJob',
      outcome: 'succeeded',
      objects: [{ kind: 'job', id: job.id, name: 'Nightly web (weekdays)' }],
      input: {
        id: job.id,
        job: { name: 'Nightly web (weekdays)', rpoHours: 80, schedule: { cron: '0 2 * * 1-5' } },
      },
    });
  });

  it('records a mutation that failed unexpectedly as failed, with its message', async () => {
    const testRouter = router({
      explode: publicProcedure.input(z.object({ vmId: z.string() })).mutation(() => {
        throw new Error('the disk caught fire');
      }),
    });
    const ctx = contextFor(h.sqlite(), {}, principalOf('admin'), ORIGIN);
    const error = await rejectionOf(() => createCallerFactory(testRouter)(ctx).explode({ vmId: 'web1' }));
    expect(error.code).toBe('INTERNAL_SERVER_ERROR');
    const [entry] = await entries();
    expect(entry).toMatchObject({
      action: 'explode',
      outcome: 'failed',
      message: 'the disk caught fire',
      objects: [{ kind: 'vm', id: 'web1', name: 'web1' }],
    });
  });
});

describe('the request origin', () => {
  it.each<[headers: Record<string, string>, ip: string | null]>([
    [{ 'x-forwarded-for': '198.51.100.9' }, '198.51.100.9'],
    // A client may send its own X-Forwarded-For; only the hop our server appended counts.
    [{ 'x-forwarded-for': '10.6.6.6, 198.51.100.9' }, '198.51.100.9'],
    [{ 'x-real-ip': '198.51.100.10' }, '198.51.100.10'],
    [{}, null],
  ])('%j → %s', (headers, ip) => {
    const origin = originOf(
      new Request('http://localhost/api/trpc/x', { headers: { ...headers, 'user-agent': 'curl/8' } }),
    );
    expect(origin).toEqual({ ip, userAgent: 'curl/8' });
  });
});

describe('secrets in recorded inputs', () => {
  it.each([
    'password',
    'newPassword',
    'passphrase',
    'secret',
    'clientSecret',
    'token',
    'setupToken',
    'apiKey',
    'api_key',
    'privateKey',
    'sshPrivateKey',
    'key',
    'secretKey',
    'credentials',
    'authorization',
    'cookie',
  ])('%s is redacted wherever it is', (field) => {
    const recorded = redactForAudit({
      [field]: PLANTED,
      nested: [{ [field]: { deep: PLANTED } }],
      name: 'kept',
    });
    expect(recorded).toEqual({ [field]: REDACTED, nested: [{ [field]: REDACTED }], name: 'kept' });
  });

  it.each(['name', 'id', 'vmIds', 'username', 'kind', 'mode', 'cron', 'hostId', 'secretId'])(
    '%s is kept',
    (field) => {
      expect(isSensitiveFieldName(field)).toBe(false);
    },
  );

  it('summarises long texts by length and hash, cuts long lists, and writes dates as ISO text', () => {
    const recorded = redactForAudit({
      content: 'x'.repeat(5000),
      vmIds: Array.from({ length: 150 }, (_, i) => `vm${i}`),
      at: new Date('2026-03-01T00:00:00Z'),
    }) as { content: string; vmIds: string[]; at: string };
    expect(recorded.content).toMatch(/^\[text: 5000 characters, sha256 [0-9a-f]{64}\]$/);
    expect(recorded.vmIds).toHaveLength(101);
    expect(recorded.vmIds.at(-1)).toBe('[50 more]');
    expect(recorded.at).toBe('2026-03-01T00:00:00.000Z');
  });

  it('every mutation input field that carries a secret is one the redaction catches, by its schema', () => {
    // Walk each mutation's input schema: the fields the redaction strips must be exactly the
    // reviewed secret fields; a new secret-like field shows up here and gets a decision.
    const redactedFields = new Set<string>();
    const walk = (schema: unknown, path: string) => {
      if (!schema || typeof schema !== 'object') return;
      const node = schema as Record<string, unknown>;
      for (const [key, child] of Object.entries((node.properties as Record<string, unknown>) ?? {})) {
        if (isSensitiveFieldName(key)) redactedFields.add(`${path}.${key}`);
        walk(child, `${path}.${key}`);
      }
      for (const key of ['items', 'anyOf', 'oneOf', 'allOf']) {
        const value = node[key];
        for (const child of Array.isArray(value) ? value : [value]) walk(child, path);
      }
    };
    const procedures = appRouter._def.procedures as unknown as Record<
      string,
      { _def: { type: string; inputs: unknown[] } }
    >;
    for (const [path, procedure] of Object.entries(procedures)) {
      if (procedure._def.type !== 'mutation') continue;
      for (const input of procedure._def.inputs) {
        walk(z.toJSONSchema(input as z.ZodType, { io: 'input', unrepresentable: 'any' }), path);
      }
    }
    expect([...redactedFields].sort()).toEqual([
      // A vault account's value typed again for an address its secret is not used with.
      'arrayConnections.addEqualLogic.accountSecret',
      'arrayConnections.addOntap.accountSecret',
      'hypervConnections.add.guestAccountSecret',
      'hypervConnections.add.hostAccountSecret',
      'hypervConnections.testDraft.guestAccountSecret',
      'hypervConnections.testDraft.hostAccountSecret',
      'secrets.create.secret',
      'secrets.replace.secret',
      'setup.complete.password',
      'setup.complete.token',
      'users.create.password',
      'users.resetPassword.password',
      'xapiPools.add.guestSecret',
      'xapiPools.add.hostSshSecret',
      'xapiPools.add.secret',
      'xapiPools.setSshAccounts.guestSecret',
      'xapiPools.setSshAccounts.hostSshSecret',
    ]);
  });
});
