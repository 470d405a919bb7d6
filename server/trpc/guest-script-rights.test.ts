/**
 * Guest scripts are commands run inside the guests as their vault accounts: only an admin sets or
 * changes them; an operator runs and edits what an admin scripted, the scripts left as they were.
 * Through the router, as the console calls it, per role and action.
 */
import { TRPCError } from '@trpc/server';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../db/client';
import type { Role } from '../engine/roles';
import { nightlyJobInput, openDemoLab, principalOf } from '../test-support';
import { contextFor } from './init';
import { createCaller } from './root';

let db: Db;
beforeEach(() => {
  db = openDemoLab();
});

const callerAs = (role: Role) => createCaller(contextFor(db, {}, principalOf(role)));
const SCRIPT = { 'vm-web-01': { preFreeze: { command: 'sync', timeoutSeconds: 60 } } };
const OTHER_SCRIPT = { 'vm-web-01': { preFreeze: { command: 'type C:\\secrets.txt', timeoutSeconds: 60 } } };

/** A job an admin saved, scripted or not. */
async function savedJob(scripts: typeof SCRIPT | undefined) {
  const base = nightlyJobInput('web nightly', 'vm-web-01');
  const input = { ...base, request: { ...base.request, ...(scripts ? { scripts } : {}) } };
  return { input, job: await callerAs('admin').jobs.create(input) };
}

async function codeOf(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return 'OK';
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

describe('who may write guest scripts', () => {
  it.each([
    { role: 'operator', creates: 'FORBIDDEN' },
    { role: 'restore-operator', creates: 'FORBIDDEN' },
    { role: 'admin', creates: 'OK' },
  ] as const)('a $role creating a scripted job: $creates', async ({ role, creates }) => {
    const base = nightlyJobInput('web scripted', 'vm-web-01');
    const input = { ...base, request: { ...base.request, scripts: SCRIPT } };
    expect(await codeOf(() => callerAs(role).jobs.create(input))).toBe(creates);
  });

  it.each([
    { saved: SCRIPT, edited: SCRIPT, code: 'OK', what: 'keeps the scripts as they were' },
    { saved: SCRIPT, edited: OTHER_SCRIPT, code: 'FORBIDDEN', what: 'changes a script' },
    { saved: SCRIPT, edited: undefined, code: 'FORBIDDEN', what: 'drops the scripts' },
    { saved: undefined, edited: SCRIPT, code: 'FORBIDDEN', what: 'adds a script' },
    { saved: undefined, edited: undefined, code: 'OK', what: 'has no script' },
  ])("an operator's edit that $what: $code", async ({ saved, edited, code }) => {
    const { input, job } = await savedJob(saved);
    const { scripts: _scripts, ...request } = input.request as typeof input.request & { scripts?: unknown };
    const edit = {
      id: job.id,
      job: {
        ...input,
        schedule: { cron: '0 3 * * *', timeZone: 'UTC' },
        request: { ...request, ...(edited ? { scripts: edited } : {}) },
      },
      loadedUpdatedAt: job.updatedAt,
    };
    expect(await codeOf(() => callerAs('operator').jobs.update(edit))).toBe(code);
    // Refused, nothing was saved.
    if (code !== 'OK')
      expect((await callerAs('admin').jobs.get({ id: job.id })).schedule?.cron).toBe('0 2 * * *');
  });

  it('an operator runs a job an admin scripted', async () => {
    const { job } = await savedJob(SCRIPT);
    expect(await codeOf(() => callerAs('operator').jobs.runNow({ id: job.id }))).toBe('OK');
  });

  it('the refusal says who may and why', async () => {
    const base = nightlyJobInput('web scripted', 'vm-web-01');
    const input = { ...base, request: { ...base.request, scripts: SCRIPT } };
    const refusal = await callerAs('operator')
      .jobs.create(input)
      .catch((error: unknown) => error);
    expect((refusal as Error).message).toBe(
      'Only an admin sets or changes guest scripts (they run commands inside the guests as their vault accounts); Operators run the scripts an admin set',
    );
  });
});
