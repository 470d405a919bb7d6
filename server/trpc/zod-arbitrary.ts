/**
 * fast-check arbitraries derived from a procedure's zod input schema (test support for the input
 * fuzzing in input-fuzz.test.ts): `nearValid` makes inputs shaped like the schema (right keys,
 * right kinds, bounds respected where the schema states them, ids drawn from the database so calls
 * reach their services), `invalid` makes inputs with exactly one node broken — a wrong kind, a
 * string past its length limits, a number out of range, a value outside an enum, a missing required
 * key, an unknown key where the object is strict. Walks zod 4's public `_zod.def` descriptions, so
 * a schema kind it does not know fails the test loudly instead of being skipped.
 */
import fc, { type Arbitrary } from 'fast-check';
import type { z } from 'zod';

type Schema = z.core.$ZodType;
type Def = Record<string, unknown> & { type: string };

export interface DerivationPool {
  /** Strings that exist in the database (ids, names), so lookups sometimes succeed. */
  knownStrings: readonly string[];
}

function defOf(schema: Schema): Def {
  return schema._zod.def as unknown as Def;
}

interface Bounds {
  min?: number;
  max?: number;
  isInteger: boolean;
  pattern?: RegExp;
}

/** Length bounds of a string/array, value bounds of a number, from the schema's checks. */
function boundsOf(def: Def): Bounds {
  const bounds: Bounds = { isInteger: def.format === 'safeint' || def.format === 'int32' };
  for (const check of (def.checks as { _zod: { def: Record<string, unknown> } }[] | undefined) ?? []) {
    const c = check._zod.def;
    if (c.check === 'min_length') bounds.min = Math.max(bounds.min ?? 0, c.minimum as number);
    if (c.check === 'max_length') bounds.max = Math.min(bounds.max ?? Infinity, c.maximum as number);
    if (c.check === 'length_equals') bounds.min = bounds.max = c.length as number;
    if (c.check === 'greater_than') bounds.min = (c.value as number) + (c.inclusive ? 0 : 1);
    if (c.check === 'less_than') bounds.max = (c.value as number) - (c.inclusive ? 0 : 1);
    if (c.check === 'number_format' && (c.format === 'safeint' || c.format === 'int32'))
      bounds.isInteger = true;
    if (c.check === 'string_format' && c.pattern instanceof RegExp) bounds.pattern = c.pattern;
  }
  return bounds;
}

function isOptional(schema: Schema): boolean {
  const type = defOf(schema).type;
  return type === 'optional' || type === 'default' || type === 'prefault';
}

/** A string of 1..n characters that reads like an id, or one the database holds. */
function stringArbitrary(bounds: Bounds, pool: DerivationPool): Arbitrary<string> {
  const min = bounds.min ?? 0;
  const max = Math.min(bounds.max ?? 40, Math.max(min, 40));
  const plain = fc.string({ minLength: min, maxLength: max });
  const known = pool.knownStrings.filter((s) => s.length >= min && s.length <= (bounds.max ?? Infinity));
  const choices: Arbitrary<string>[] = [plain];
  if (known.length) choices.push(fc.constantFrom(...known));
  // Only the schema's own bounds filter a pattern's strings (a pattern may demand more than 40).
  if (bounds.pattern) {
    choices.push(
      fc
        .stringMatching(bounds.pattern)
        .filter((s) => s.length >= min && s.length <= (bounds.max ?? Infinity)),
    );
  }
  return fc.oneof(...choices);
}

function numberArbitrary(bounds: Bounds): Arbitrary<number> {
  const min = bounds.min ?? -1_000_000;
  const max = bounds.max ?? 1_000_000;
  return bounds.isInteger
    ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) })
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

/** Inputs shaped like the schema. */
export function nearValid(schema: Schema, pool: DerivationPool): Arbitrary<unknown> {
  const def = defOf(schema);
  switch (def.type) {
    case 'string':
      return stringArbitrary(boundsOf(def), pool);
    case 'number':
    case 'int':
      return numberArbitrary(boundsOf(def));
    case 'boolean':
      return fc.boolean();
    case 'date':
      return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true });
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries as Record<string, string>));
    case 'literal':
      return fc.constantFrom(...(def.values as unknown[]));
    case 'optional':
    case 'default':
    case 'prefault':
      return fc.option(nearValid(def.innerType as Schema, pool), { nil: undefined, freq: 3 });
    case 'nullable':
      return fc.option(nearValid(def.innerType as Schema, pool), { nil: null, freq: 3 });
    case 'pipe':
      return nearValid(def.in as Schema, pool);
    case 'array': {
      const bounds = boundsOf(def);
      const min = bounds.min ?? 0;
      return fc.array(nearValid(def.element as Schema, pool), {
        minLength: min,
        maxLength: Math.min(bounds.max ?? 4, min + 4),
      });
    }
    case 'union':
      return fc.oneof(...(def.options as Schema[]).map((option) => nearValid(option, pool)));
    case 'record':
      return fc.dictionary(
        fc.string({ minLength: 1, maxLength: 12 }),
        nearValid(def.valueType as Schema, pool),
        { maxKeys: 3 },
      );
    case 'object': {
      const shape = def.shape as Record<string, Schema>;
      const arbitraries = Object.fromEntries(
        Object.entries(shape).map(([key, field]) => [key, nearValid(field, pool)]),
      );
      const requiredKeys = Object.keys(shape).filter((key) => !isOptional(shape[key]));
      return fc.record(arbitraries, { requiredKeys });
    }
    default:
      throw new Error(`zod-arbitrary: no derivation for schema kind "${def.type}"`);
  }
}

/** Values of another kind than the node expects (each kind some node rejects). */
const wrongKinds: Arbitrary<unknown>[] = [
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 8 }),
  fc.constant([]),
  fc.constant({}),
];

/** Inputs with one node broken somewhere in them (possibly the root). */
export function invalid(schema: Schema, pool: DerivationPool): Arbitrary<unknown> {
  const def = defOf(schema);
  const wrongKind = fc.oneof(...wrongKinds);
  switch (def.type) {
    case 'string': {
      const bounds = boundsOf(def);
      const broken: Arbitrary<unknown>[] = [wrongKind];
      if (bounds.max !== undefined) {
        broken.push(
          fc.string({ minLength: bounds.max + 1, maxLength: bounds.max + 20, unit: 'grapheme-ascii' }),
        );
      }
      if ((bounds.min ?? 0) > 0) broken.push(fc.constant(''));
      return fc.oneof(...broken);
    }
    case 'number':
    case 'int': {
      const bounds = boundsOf(def);
      const broken: Arbitrary<unknown>[] = [wrongKind, fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY)];
      if (bounds.min !== undefined)
        broken.push(fc.integer({ min: Math.ceil(bounds.min) - 1_000_000, max: Math.ceil(bounds.min) - 1 }));
      if (bounds.max !== undefined)
        broken.push(fc.integer({ min: Math.floor(bounds.max) + 1, max: Math.floor(bounds.max) + 1_000_000 }));
      if (bounds.isInteger) broken.push(fc.double({ min: 0.1, max: 0.9, noNaN: true }));
      return fc.oneof(...broken);
    }
    case 'enum':
    case 'literal':
      return fc.oneof(wrongKind, fc.constant('not-one-of-the-choices'));
    case 'optional':
    case 'default':
    case 'prefault':
    case 'nullable':
    case 'pipe':
      return invalid((def.innerType ?? def.in) as Schema, pool);
    case 'array': {
      const bounds = boundsOf(def);
      const element = def.element as Schema;
      const broken: Arbitrary<unknown>[] = [
        wrongKind,
        fc
          .tuple(invalid(element, pool), fc.array(nearValid(element, pool), { maxLength: 2 }))
          .map(([bad, rest]) => [...rest, bad]),
      ];
      if (bounds.max !== undefined && bounds.max < 50) {
        broken.push(
          fc.array(nearValid(element, pool), { minLength: bounds.max + 1, maxLength: bounds.max + 3 }),
        );
      }
      return fc.oneof(...broken);
    }
    case 'object':
      return invalidObject(def.shape as Record<string, Schema>, pool, wrongKind);
    default:
      return wrongKind;
  }
}

/** An object with one field broken, one required field missing, or not an object at all. */
function invalidObject(
  shape: Record<string, Schema>,
  pool: DerivationPool,
  wrongKind: Arbitrary<unknown>,
): Arbitrary<unknown> {
  const keys = Object.keys(shape);
  const base = nearValid(
    { _zod: { def: { type: 'object', shape } } } as unknown as Schema,
    pool,
  ) as Arbitrary<Record<string, unknown>>;
  const broken: Arbitrary<unknown>[] = [wrongKind];
  if (keys.length) {
    broken.push(
      fc
        .constantFrom(...keys)
        .chain((key) => fc.tuple(fc.constant(key), base, invalid(shape[key], pool)))
        .map(([key, value, bad]) => ({ ...value, [key]: bad })),
    );
  }
  const required = keys.filter((key) => !isOptional(shape[key]));
  if (required.length) {
    broken.push(
      fc
        .tuple(fc.constantFrom(...required), base)
        .map(([key, value]) => Object.fromEntries(Object.entries(value).filter(([k]) => k !== key))),
    );
  }
  return fc.oneof(...broken);
}
