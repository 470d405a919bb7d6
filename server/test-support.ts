/**
 * Helpers shared by test files (imported by tests only): a demo-lab database, a temporary
 * directory, a tRPC context signed in with any role, and the TRPCError of a call that must fail.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { expect } from 'vitest';
import { type Db, openDatabase, sqliteOf } from '../db/client';
import type { DatabaseHandle } from '../db/process-database';
import { ensureDemoLab } from '../db/seed/ensure-demo-lab';
import type { ServiceContext } from './context';
import type { ApprovalKind } from './engine/approvals';
import type { Role } from './engine/roles';
import type { BackupJobInput } from './schemas/operations';
import { type Context, contextFor, type Principal } from './trpc/init';

/** A fresh in-memory database, migrated and seeded with the demo lab. */
export function openDemoLab(): Db {
  const db = openDatabase(':memory:');
  expect(ensureDemoLab(db, { seedDemo: true })).toBe(true);
  return db;
}

/** A new empty directory under the system's temp directory; `remove()` deletes it with its content. */
export function makeTempDir(label: string): { path: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), `migawka-${label}-`));
  return { path: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs a tRPC call that must fail and returns its TRPCError. */
export async function rejectionOf(call: () => Promise<unknown>): Promise<TRPCError> {
  try {
    await call();
  } catch (error) {
    expect(error).toBeInstanceOf(TRPCError);
    return error as TRPCError;
  }
  throw new Error('expected the call to fail');
}

/**
 * The content of every table except the audit trail, as one digest: equal before and after a call
 * means the call changed nothing. The audit trail is left out because it records every mutation,
 * refused ones included — that entry is the record of the refusal, not a change the call made.
 */
export function contentDigest(db: Db): string {
  const connection = sqliteOf(db);
  const tables = connection
    .prepare(
      "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name <> 'audit_entries' order by name",
    )
    .all() as { name: string }[];
  const hash = createHash('sha256');
  for (const { name } of tables) {
    hash.update(name);
    for (const row of connection.prepare(`select * from "${name}" order by rowid`).raw().iterate()) {
      hash.update(JSON.stringify(row, (_key, value) => (typeof value === 'bigint' ? String(value) : value)));
    }
  }
  return hash.digest('hex');
}

/** A principal of `role` without a session (a server-side caller), named after its role. */
export function principalOf(role: Role): Principal {
  return {
    user: { id: `test-${role}`, name: `Test ${role}`, email: `${role}@migawka.test` },
    role,
    session: null,
  };
}

/** A named person's principal without a session (`<id>@migawka.test`): two-person flows. */
export function person(id: string, name: string, role: Role): Principal {
  return { user: { id, name, email: `${id}@migawka.test` }, role, session: null };
}

/**
 * A tRPC context signed in as `role` (admin by default: tests of what procedures do, not of who
 * may call them — role-matrix.test.ts covers that).
 */
export function signedIn(
  database: DatabaseHandle,
  role: Role = 'admin',
  service: Partial<ServiceContext> = {},
): Context {
  return contextFor(database, service, principalOf(role));
}

/**
 * Four-eyes turned off for `kind`, as an approved request to turn it off leaves the policy: for the
 * tests of the action itself (server/trpc/routers/approvals*.test.ts test its approval).
 */
export async function fourEyesOffFor(context: Context, kind: ApprovalKind): Promise<void> {
  await context.stores.approvals.setPolicy({
    kind,
    required: false,
    reason: 'the action itself under test',
    updatedAt: context.service.now(),
    updatedBy: 'user:approver',
    updatedByName: 'A second admin',
  });
}

/**
 * The data events of a tRPC SSE response (superjson), in order, until `done(event)` says stop or the
 * stream ends; the stream is cancelled on return.
 */
export async function readSseEvents<T>(response: Response, done: (event: T) => boolean): Promise<T[]> {
  const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
  if (!reader) throw new Error('the events answer has no body');
  const events: T[] = [];
  let buffered = '';
  try {
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (ended) return events;
      buffered += value;
      let end = buffered.indexOf('\n\n');
      while (end >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        end = buffered.indexOf('\n\n');
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n');
        if (!block.split('\n').some((line) => line === 'event: ' || line.startsWith('id: '))) continue;
        const event = superjson.deserialize(JSON.parse(data)) as T;
        events.push(event);
        if (done(event)) return events;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * A valid nightly job backing up one VM, as the job wizard sends it (02:00 Warsaw time, 26 h RPO);
 * a test overrides what it exercises.
 */
export function nightlyJobInput(
  name: string,
  vmId: string,
  overrides: Partial<BackupJobInput> = {},
): BackupJobInput {
  return {
    name,
    request: {
      scope: { kind: 'vms', vmIds: [vmId] },
      consistencyPolicy: 'fallback',
      passthroughPolicy: 'skip',
    },
    schedule: { cron: '0 2 * * *', timeZone: 'Europe/Warsaw' },
    missedRunPolicy: 'run-once',
    retention: { keepLast: 3, daily: 7, weekly: 4, monthly: 0 },
    rpoHours: 26,
    isEnabled: true,
    ...overrides,
  };
}

/** A job edit's answer when it saved (its retention deleted no point), not a four-eyes request. */
export function savedJob<T extends object>(answer: T): Exclude<T, { approvalRequest: unknown }> {
  if ('approvalRequest' in answer) throw new Error('expected the job saved, not sent for approval');
  return answer as Exclude<T, { approvalRequest: unknown }>;
}
