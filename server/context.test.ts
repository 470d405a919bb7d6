import { describe, expect, it } from 'vitest';
import { createServiceContext } from './context';

describe('createServiceContext: production ids', () => {
  it('are UUIDs that sort in the order they were made, so rows written together sit together in an index', () => {
    const { newId } = createServiceContext();
    const ids = Array.from({ length: 2_000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
  });

  it('a test can still give its own ids', () => {
    let counter = 0;
    const { newId } = createServiceContext({ newId: () => `id-${++counter}` });
    expect([newId(), newId()]).toEqual(['id-1', 'id-2']);
  });
});
