import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RULE_IDS } from './engine/types';

describe('docs/domain.md', () => {
  const doc = readFileSync(new URL('../docs/domain.md', import.meta.url), 'utf8');
  // Each rule is a table row of section 9: "| `RULE-ID` | when | why |".
  const documented = [...doc.matchAll(/^\| `([A-Z][A-Z0-9-]+)` \|/gm)].map((m) => m[1]);

  it('gives every rule id of the engine its reason, once', () => {
    expect([...documented].sort()).toEqual([...RULE_IDS].sort());
  });
});
