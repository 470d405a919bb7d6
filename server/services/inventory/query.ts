/** List inputs are optional as a whole: no input means the list's defaults. */
import type { z } from 'zod';
import { parseInput } from '../parse-input';

export function parseQuery<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  return parseInput(schema, input ?? {});
}
