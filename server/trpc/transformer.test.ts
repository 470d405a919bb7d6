import fc from 'fast-check';
import superjson, { type SuperJSONResult } from 'superjson';
import { describe, expect, it } from 'vitest';
import { serializeOnce, serializePlain, transformer } from './transformer';

const event = () => ({
  id: 7,
  operationId: 'op-1',
  type: 'step.completed',
  payload: { stepId: 's-1' },
  at: new Date('2026-11-30T10:00:00Z'),
});

describe('the tRPC transformer', () => {
  it.each([
    { name: 'a value sent to many streams', value: serializeOnce(event()), shared: true },
    { name: 'an ordinary answer', value: event(), shared: false },
    { name: 'a value that is not an object', value: 'text', shared: false },
    { name: 'null', value: null, shared: false },
  ])('serialises $name as superjson does', ({ value, shared }) => {
    const first = transformer.output.serialize(value);
    const second = transformer.output.serialize(value);
    expect(JSON.parse(JSON.stringify(first))).toEqual(JSON.parse(JSON.stringify(superjson.serialize(value))));
    expect(superjson.deserialize(JSON.parse(JSON.stringify(first)) as never)).toEqual(value);
    // Shared: the second stream reuses the first one's serialisation.
    if (typeof value === 'object' && value !== null) expect(first === second).toBe(shared);
  });

  it('marks a value once, whatever the number of streams that mark it', () => {
    const value = event();
    expect(serializeOnce(value)).toBe(value);
    const serialized = transformer.output.serialize(value);
    serializeOnce(value);
    expect(transformer.output.serialize(value)).toBe(serialized);
  });
});

/**
 * What the browser receives: the serialisation as tRPC stringifies it, parsed (compared with
 * toEqual, so the annotations' order does not count), or what serialising threw.
 */
function wire(serialize: (value: unknown) => unknown, value: unknown): unknown {
  try {
    const text = JSON.stringify(serialize(value));
    return text === undefined ? undefined : JSON.parse(text);
  } catch (error) {
    return `threw ${(error as Error).message}`;
  }
}

const date = new Date('2026-11-30T10:00:00Z');
const sharedObject = { a: 1 };
const cyclic: Record<string, unknown> = { name: 'loop' };
cyclic.self = cyclic;
const withHole: unknown[] = [1];
withHole[2] = 3;
const withExtraProperty = Object.assign([1, 2], { label: date });

describe('answers of plain data', () => {
  it.each([
    { name: 'a page of rows with dates', value: { items: [{ id: 'vm-1', at: date, tags: [] }], next: null } },
    { name: 'dates nested in arrays', value: [[date], { at: [new Date(0), date.getTime()] }] },
    { name: 'keys with dots and backslashes', value: { 'a.b': { 'c\\d': new Date(1) } } },
    { name: 'an object without a prototype', value: Object.assign(Object.create(null), { at: date }) },
    { name: 'no date at all', value: { ok: true, count: 3, name: 'x', nothing: null } },
    { name: 'an empty array', value: [] },
  ])('$name: serialised without superjson, to the same JSON', ({ value }) => {
    expect(serializePlain(value)).toBeDefined();
    expect(wire(transformer.output.serialize, value)).toEqual(wire(superjson.serialize, value));
  });

  it.each([
    { name: 'undefined in an object', value: { a: undefined } },
    { name: 'NaN', value: { a: Number.NaN } },
    { name: 'minus zero', value: [-0] },
    { name: 'Infinity', value: { a: Number.POSITIVE_INFINITY } },
    { name: 'a bigint', value: { a: 10n } },
    { name: 'a Map', value: { a: new Map([[1, date]]) } },
    { name: 'a Set', value: { a: new Set([1]) } },
    { name: 'an invalid date', value: { a: new Date(Number.NaN) } },
    { name: 'an object reached twice', value: { a: sharedObject, b: sharedObject } },
    { name: 'a date reached twice', value: [date, date] },
    { name: 'a cycle', value: cyclic },
    { name: 'a sparse array', value: withHole },
    { name: 'an array with a named property', value: withExtraProperty },
    { name: 'a class instance', value: { a: new URL('https://example.test/') } },
    { name: 'an error', value: { a: new Error('x') } },
    { name: 'a regular expression', value: { a: /x/g } },
    { name: 'a function', value: { a: () => 1 } },
    { name: 'Object.prototype itself', value: Object.prototype },
    { name: 'a date alone', value: date },
    { name: 'a string alone', value: 'text' },
    { name: 'undefined alone', value: undefined },
  ])('$name: left to superjson', ({ value }) => {
    expect(serializePlain(value)).toBeUndefined();
    expect(wire(transformer.output.serialize, value)).toEqual(wire(superjson.serialize, value));
  });

  it('writes what superjson writes, for any value', () => {
    const anything = fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withNullPrototype: true,
      withObjectString: true,
      withSet: true,
      withSparseArray: true,
      withTypedArray: true,
      withUnicodeString: true,
    });
    fc.assert(
      fc.property(anything, (value) => {
        expect(wire(transformer.output.serialize, value)).toEqual(wire(superjson.serialize, value));
      }),
      { numRuns: 2_000 },
    );
  });

  it('writes what superjson writes for plain data, and reads back the same value', () => {
    const leaf = fc.oneof(
      fc.string(),
      fc.boolean(),
      fc.constant(null),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
      fc.date({ noInvalidDate: true }),
    );
    // Not the keys superjson refuses (it throws on them: 'left to superjson' above).
    const key = fc.string().filter((text) => !['__proto__', 'constructor', 'prototype'].includes(text));
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
      array: fc.array(tie('tree'), { maxLength: 5 }),
      object: fc.dictionary(key, tie('tree'), { maxKeys: 5 }),
    }));
    fc.assert(
      fc.property(fc.oneof(fc.array(tree), fc.dictionary(key, tree)), (value) => {
        expect(serializePlain(value)).toBeDefined();
        const received = wire(transformer.output.serialize, value);
        expect(received).toEqual(wire(superjson.serialize, value));
        expect(superjson.deserialize(received as SuperJSONResult)).toEqual(value);
      }),
      { numRuns: 2_000 },
    );
  });
});
