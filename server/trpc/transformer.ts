/**
 * superjson, with one serialisation shared by every live stream that sends the same value.
 *
 * An operation event published on the bus is the same object in every SSE stream that sends it,
 * and tRPC serialises what each stream yields on its own: 500 open streams ran superjson 500 times
 * per event (~25 µs each on a loaded machine, the larger part of an event's cost per stream after
 * the socket writes). A value marked with `serializeOnce` is serialised by the first stream and
 * the result reused by the others; the mark lives as long as the value (a WeakMap), and a marked
 * value must not change afterwards (events are facts: nothing edits one once it is published).
 * Unmarked values — every query and mutation answer — are serialised as before.
 */
import type { CombinedDataTransformer } from '@trpc/server';
import superjson from 'superjson';

const NOT_YET: unique symbol = Symbol('not serialised yet');
const shared = new WeakMap<object, unknown>();

/** Marks `value` (never changed again) as sent to many streams: serialised once for all of them. */
export function serializeOnce<T extends object>(value: T): T {
  if (!shared.has(value)) shared.set(value, NOT_YET);
  return value;
}

function serialize(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !shared.has(value)) return superjson.serialize(value);
  let serialized = shared.get(value);
  if (serialized === NOT_YET) {
    serialized = superjson.serialize(value);
    shared.set(value, serialized);
  }
  return serialized;
}

export const transformer: CombinedDataTransformer = {
  input: superjson,
  output: { serialize, deserialize: (value) => superjson.deserialize(value) },
};
