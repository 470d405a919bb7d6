/**
 * The one way services validate raw input: a zod schema, and on failure INVALID_INPUT naming every
 * bad field in the same path notation as the import format and the tRPC layer ("vms[3].hostId").
 * Nothing is written before this passes.
 */
import type { z } from 'zod';
import { formatIssuePath } from '../schemas/inventory';
import { DomainError } from './errors';

export function parseInput<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const fieldErrors = parsed.error.issues.map((issue) => ({
    path: formatIssuePath(issue.path),
    message: issue.message,
  }));
  throw new DomainError(
    'INVALID_INPUT',
    `Invalid input: ${fieldErrors.map((error) => `${error.path}: ${error.message}`).join('; ')}`,
    fieldErrors,
  );
}
