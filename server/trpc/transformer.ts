/**
 * superjson on the wire, with two shortcuts on the way out.
 *
 * Answers made of plain data are serialised without superjson's walker. superjson walks every node
 * of an answer copying path arrays and trying each of its type rules on every leaf: for the VM
 * list's page of 50 rows (26 KB of JSON) that was ~0.8 ms, eight times `JSON.stringify` and a fifth
 * of the console's CPU per request. Our answers are plain objects and arrays of strings, booleans,
 * null, finite numbers and Dates. For such a value superjson's output is the value itself (a Date
 * becomes its ISO string, which is what `JSON.stringify` writes for it) plus a `['Date']`
 * annotation at each Date's path. `serializePlain` walks the value once without copying it, notes
 * those paths, and gives up on anything else: undefined, NaN, -0, Infinity, a bigint, a Map, a
 * class instance, a sparse array, an object reached twice (superjson records those as referential
 * equalities). superjson itself serialises what it gave up on. transformer.test.ts holds the two
 * to the same JSON on arbitrary values (the annotations' order may differ: superjson's follows its
 * object-building, and readers look each path up).
 *
 * A value sent to many live streams is serialised once. An operation event published on the bus
 * is the same object in every SSE stream that sends it, and tRPC serialises what each stream
 * yields on its own: 500 open streams ran the serialiser 500 times per event. A value marked with
 * `serializeOnce` is serialised by the first stream and the result reused by the others; the mark
 * lives as long as the value (a WeakMap), and a marked value must not change afterwards (events
 * are facts: nothing edits one once it is published).
 */
import type { CombinedDataTransformer } from '@trpc/server';
import superjson, { type SuperJSONResult } from 'superjson';

const NOT_YET: unique symbol = Symbol('not serialised yet');
const shared = new WeakMap<object, unknown>();

/** Marks `value` (never changed again) as sent to many streams: serialised once for all of them. */
export function serializeOnce<T extends object>(value: T): T {
  if (!shared.has(value)) shared.set(value, NOT_YET);
  return value;
}

type DateAnnotations = Record<string, ['Date']>;

/** superjson's path segment: its escaping of '\' and '.' (superjson's pathstringifier). */
function escapeSegment(segment: string | number): string {
  if (typeof segment === 'number') return String(segment);
  // Most keys have neither: no regular expression runs for them.
  if (!segment.includes('\\') && !segment.includes('.')) return segment;
  return segment.replace(/\\/g, '\\\\').replace(/\./g, '\\.');
}

/** Keys superjson refuses (prototype pollution); it throws, so they are left to it. */
const REFUSED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * superjson's serialisation of `root` when it is plain data (see above), undefined when superjson
 * must do it. The result's `json` is `root` itself, not a copy: it is stringified at once.
 */
export function serializePlain(root: unknown): SuperJSONResult | undefined {
  // A Date or a primitive alone is superjson's: its annotation is not at a path.
  if (typeof root !== 'object' || root === null || root instanceof Date) return undefined;
  const reached = new Set<object>();
  // The keys from the root to the value looked at, array positions as numbers: the path is written
  // out only where a Date is found (a page of 50 rows has one per row, against ~1,000 values).
  const path: (string | number)[] = [];
  let dates: DateAnnotations | undefined;

  const isPlain = (value: unknown): boolean => {
    if (typeof value === 'string' || typeof value === 'boolean' || value === null) return true;
    if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
    if (typeof value !== 'object') return false;
    if (reached.has(value) || value === Object.prototype) return false;
    reached.add(value);
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) return false;
      dates ??= {};
      dates[path.map(escapeSegment).join('.')] = ['Date'];
      return true;
    }
    if (Array.isArray(value)) {
      // A hole or a property that is not an index: superjson walks those as entries.
      if (Object.keys(value).length !== value.length) return false;
      for (let index = 0; index < value.length; index++) {
        path.push(index);
        const isPlainItem = isPlain(value[index]);
        path.pop();
        if (!isPlainItem) return false;
      }
      return true;
    }
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return false;
    for (const key of Object.keys(value)) {
      if (REFUSED_KEYS.has(key)) return false;
      path.push(key);
      const isPlainEntry = isPlain((value as Record<string, unknown>)[key]);
      path.pop();
      if (!isPlainEntry) return false;
    }
    return true;
  };

  if (!isPlain(root)) return undefined;
  return dates
    ? { json: root as SuperJSONResult['json'], meta: { values: dates, v: 1 } as SuperJSONResult['meta'] }
    : { json: root as SuperJSONResult['json'] };
}

/** The serialisation itself; an object, so a test can count how often a value is serialised. */
export const answerSerializer = {
  serialize: (value: unknown): unknown => serializePlain(value) ?? superjson.serialize(value),
};

function serialize(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !shared.has(value))
    return answerSerializer.serialize(value);
  let serialized = shared.get(value);
  if (serialized === NOT_YET) {
    serialized = answerSerializer.serialize(value);
    shared.set(value, serialized);
  }
  return serialized;
}

export const transformer: CombinedDataTransformer = {
  input: superjson,
  output: { serialize, deserialize: (value) => superjson.deserialize(value) },
};
