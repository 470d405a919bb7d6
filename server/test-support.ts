/**
 * Helpers shared by test files (imported by tests only): a demo-lab database, a temporary
 * directory, and the TRPCError of a call that must fail.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TRPCError } from '@trpc/server';
import { expect } from 'vitest';
import { type Db, openDatabase } from '../db/client';
import { ensureDemoLab } from '../db/seed/ensure-demo-lab';

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
