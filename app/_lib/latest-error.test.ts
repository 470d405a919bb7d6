import { describe, expect, it } from 'vitest';
import { latestMutationError } from './latest-error';

const refused = new Error('The estate changed since this request was made');
const missing = new Error('Say why you reject it');

describe('latestMutationError', () => {
  it.each([
    { name: 'nothing run yet', mutations: [{ submittedAt: 0, error: null }], expected: null },
    {
      name: 'the later action failed',
      mutations: [
        { submittedAt: 1, error: refused },
        { submittedAt: 2, error: missing },
      ],
      expected: missing,
    },
    {
      name: 'the later action succeeded: the earlier refusal is old news',
      mutations: [
        { submittedAt: 1, error: refused },
        { submittedAt: 2, error: null },
      ],
      expected: null,
    },
    {
      name: 'the earlier action ran again after the other',
      mutations: [
        { submittedAt: 3, error: refused },
        { submittedAt: 2, error: missing },
      ],
      expected: refused,
    },
  ])('$name', ({ mutations, expected }) => {
    expect(latestMutationError(...mutations)).toBe(expected);
  });
});
