import { describe, expect, it } from 'vitest';
import { failureSentence, inWords } from './stale-facts-words';

const failed = {
  kind: 'failed' as const,
  connectionName: 'hv-lab',
  connectionKind: 'Hyper-V host' as const,
  readAt: null,
};

describe('a failed sync in words', () => {
  it.each([
    // The sentence has named the connection: its label in front of the stored error is dropped.
    { error: 'Hyper-V host hv-lab: the host did not answer', sentence: 'the host did not answer.' },
    { error: 'The pool master did not answer.', sentence: 'The pool master did not answer.' },
    // Another connection's label is part of what happened: it stays.
    { error: 'Hyper-V host hv-02: refused ', sentence: 'Hyper-V host hv-02: refused.' },
  ])('$error', ({ error, sentence }) => {
    expect(failureSentence({ ...failed, error })).toBe(sentence);
  });
});

describe('hosts in a sentence', () => {
  it.each([
    { items: ['a'], more: 0, words: 'a' },
    { items: ['a', 'b'], more: 0, words: 'a and b' },
    { items: ['a', 'b', 'c'], more: 0, words: 'a, b and c' },
    { items: ['a', 'b'], more: 3, words: 'a, b and 3 more' },
  ])('$words', ({ items, more, words }) => {
    expect(inWords(items, more).join('')).toBe(words);
  });
});
