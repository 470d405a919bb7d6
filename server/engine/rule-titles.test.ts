import { describe, expect, it } from 'vitest';
import { RULE_IDS } from './types';
import { RULE_TITLES } from './words';

describe('rule titles: what an operator reads before the code', () => {
  it.each(RULE_IDS.map((ruleId) => [ruleId, RULE_TITLES[ruleId]]))(
    '%s reads "%s": words, not the code again',
    (ruleId, title) => {
      expect(title).toMatch(/^[A-Z].* [a-z]+/);
      expect(title).not.toContain(ruleId);
      expect(title).not.toMatch(/[A-Z]{2,}-[A-Z]/);
    },
  );

  it('no two rules share a title (the filter lists them side by side)', () => {
    expect(new Set(Object.values(RULE_TITLES)).size).toBe(RULE_IDS.length);
  });
});
