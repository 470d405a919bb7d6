/**
 * Property-based fuzzing of every procedure's input (fast-check, fixed seeds and run counts: the
 * same inputs every run). For each procedure of the router, inputs derived from its zod schema —
 * one node broken (zod-arbitrary.ts `invalid`) or shaped like the schema (`nearValid`) — are sent
 * through a server-side caller on a demo-lab database:
 * - no input ever gets a 5xx (or an error that is not a tRPC error);
 * - an input the schema rejects gets BAD_REQUEST whose field errors name the rejected field, and
 *   nothing is written;
 * - any refused call (4xx) writes nothing;
 * - sent anonymously, every procedure but the first-run setup's answers 401 whatever the input,
 *   and writes nothing.
 * A procedure added to the router is fuzzed without editing this file.
 */
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { type Db, sqliteOf } from '../../db/client';
import { formatIssuePath } from '../schemas/inventory';
import { contentDigest, openDemoLab, principalOf } from '../test-support';
import { contextFor, type Principal } from './init';
import { appRouter, createCaller } from './root';
import { type DerivationPool, invalid, nearValid } from './zod-arbitrary';

const SEED = 20_261_129;
const INVALID_RUNS = 20;
const NEAR_VALID_RUNS = 8;

interface ProcedureUnderTest {
  path: string;
  type: 'query' | 'mutation' | 'subscription';
  schema: z.core.$ZodType | null;
}

function proceduresOf(): ProcedureUnderTest[] {
  const procedures = appRouter._def.procedures as unknown as Record<
    string,
    { _def: { type: ProcedureUnderTest['type']; inputs: z.core.$ZodType[] } }
  >;
  return Object.entries(procedures)
    .map(([path, procedure]) => {
      const { inputs, type } = procedure._def;
      if (inputs.length > 1) throw new Error(`${path}: more than one input parser; fuzz their merge`);
      return { path, type, schema: inputs[0] ?? null };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** Ids and names the database holds, so derived inputs sometimes name real objects. */
function poolOf(db: Db): DerivationPool {
  const connection = sqliteOf(db);
  const tables = connection
    .prepare("select name from sqlite_master where type = 'table' and name not like '\\_%' escape '\\'")
    .all() as { name: string }[];
  const strings = new Set<string>();
  for (const { name } of tables) {
    const columns = (connection.prepare(`pragma table_info("${name}")`).all() as { name: string }[]).map(
      (column) => column.name,
    );
    for (const column of ['id', 'name'].filter((c) => columns.includes(c))) {
      const rows = connection.prepare(`select "${column}" as v from "${name}" limit 10`).all() as {
        v: unknown;
      }[];
      for (const { v } of rows) if (typeof v === 'string') strings.add(v);
    }
  }
  return { knownStrings: [...strings].sort() };
}

/** The caller function at a dotted path ("jobs.delete"). */
function procedureCall(caller: unknown, path: string): (input: unknown) => Promise<unknown> {
  return path.split('.').reduce((node, key) => (node as Record<string, unknown>)[key], caller) as (
    input: unknown,
  ) => Promise<unknown>;
}

interface Outcome {
  status: number;
  fieldPaths: string[];
  error: unknown;
}

/** Ids stay unique across calls (a restarted counter would collide with rows already written). */
let idCounter = 0;

async function callOnce(
  db: Db,
  procedure: ProcedureUnderTest,
  input: unknown,
  principal: Principal | null = principalOf('admin'),
): Promise<Outcome> {
  // A stream's client has already gone: validation still runs, the stream ends at once.
  const gone = new AbortController();
  gone.abort();
  const caller = createCaller(
    contextFor(
      db,
      { now: () => new Date('2026-06-01T12:00:00Z'), newId: () => `fuzz-${++idCounter}` },
      principal,
    ),
    { signal: gone.signal },
  );
  try {
    const result = await procedureCall(caller, procedure.path)(input);
    if (procedure.type === 'subscription') {
      const iterator = (result as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      await iterator.return?.();
    }
    return { status: 200, fieldPaths: [], error: null };
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'TRPCError')
      return { status: 500, fieldPaths: [], error };
    const { fieldErrorsOf } = await import('./init');
    return {
      status: getHTTPStatusCodeFromError(error as Parameters<typeof getHTTPStatusCodeFromError>[0]),
      fieldPaths: fieldErrorsOf(error).map((field) => field.path),
      error,
    };
  }
}

/** The paths zod reports for an input, formatted the way the server names fields. */
function rejectedPaths(schema: z.core.$ZodType, input: unknown): string[] | null {
  const parsed = (schema as z.ZodType).safeParse(input);
  if (parsed.success) return null;
  return parsed.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return issue.keys.join(', ');
    return formatIssuePath(issue.path);
  });
}

describe('every procedure, fuzzed as an admin', () => {
  const procedures = proceduresOf();

  it('covers the whole router', () => {
    expect(procedures.length).toBeGreaterThanOrEqual(39);
  });

  it.each(procedures.map((procedure, index) => ({ ...procedure, index })))(
    '$path ($type)',
    async (procedure) => {
      const db = openDemoLab();
      const pool = poolOf(db);
      const schema = procedure.schema;
      const inputs = schema
        ? fc.oneof(
            { arbitrary: invalid(schema, pool), weight: INVALID_RUNS },
            { arbitrary: nearValid(schema, pool), weight: NEAR_VALID_RUNS },
          )
        : fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 }));
      const seen = { rejected: 0, accepted: 0 };

      await fc.assert(
        fc.asyncProperty(inputs, async (input) => {
          const written = contentDigest(db);
          const outcome = await callOnce(db, procedure, input);
          const message = `input ${JSON.stringify(input)?.slice(0, 300)} → ${String(outcome.error)}`;

          expect(outcome.status, message).toBeLessThan(500);
          const rejected = schema ? rejectedPaths(schema, input) : null;
          if (rejected) {
            seen.rejected++;
            expect(outcome.status, message).toBe(400);
            // Every field zod rejected is named in the answer.
            for (const path of rejected) expect(outcome.fieldPaths, message).toContain(path);
          } else {
            seen.accepted++;
          }
          if (outcome.status >= 400)
            expect(contentDigest(db), `${message}: a refused call wrote`).toBe(written);
        }),
        {
          seed: SEED + procedure.index,
          numRuns: INVALID_RUNS + NEAR_VALID_RUNS,
          endOnFailure: true,
          includeErrorInReport: true,
        },
      );
      // The generators really exercise both sides of a schema.
      if (schema) {
        expect(seen.rejected).toBeGreaterThan(INVALID_RUNS / 3);
      }
    },
    60_000,
  );
});

/** Procedures a person reaches before anyone is signed in (the role matrix holds this list). */
const PUBLIC_PROCEDURES = new Set(['setup.status', 'setup.complete']);
const ANONYMOUS_RUNS = 8;

describe('every procedure, fuzzed anonymously', () => {
  const procedures = proceduresOf().filter((procedure) => !PUBLIC_PROCEDURES.has(procedure.path));

  it.each(procedures.map((procedure, index) => ({ ...procedure, index })))(
    '$path ($type) answers 401 and writes nothing',
    async (procedure) => {
      const db = openDemoLab();
      const pool = poolOf(db);
      const schema = procedure.schema;
      const inputs = schema
        ? fc.oneof(invalid(schema, pool), nearValid(schema, pool))
        : fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 }));
      const before = contentDigest(db);
      await fc.assert(
        fc.asyncProperty(inputs, async (input) => {
          const outcome = await callOnce(db, procedure, input, null);
          const message = `input ${JSON.stringify(input)?.slice(0, 300)} → ${String(outcome.error)}`;
          expect(outcome.status, message).toBe(401);
        }),
        { seed: SEED + 1000 + procedure.index, numRuns: ANONYMOUS_RUNS, endOnFailure: true },
      );
      expect(contentDigest(db), 'an anonymous call wrote').toBe(before);
    },
    60_000,
  );
});
