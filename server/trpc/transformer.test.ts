import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { serializeOnce, transformer } from './transformer';

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
    expect(first).toEqual(superjson.serialize(value));
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
