import { describe, expect, it } from 'vitest';
import { type GroupRole, roleFromGroups } from './directory-roles';

const MAPPING: GroupRole[] = [
  { group: 'migawka-admins', role: 'admin' },
  { group: 'restorers', role: 'restore-operator' },
  { group: 'ops', role: 'operator' },
  { group: 'everyone', role: 'viewer' },
];

describe('the role a directory user gets from their groups', () => {
  it.each<[situation: string, claim: unknown, role: string | null]>([
    ['one mapped group gives its role', ['ops'], 'operator'],
    ['several mapped groups give the highest role', ['everyone', 'restorers', 'ops'], 'restore-operator'],
    ['the admin group wins over everything', ['everyone', 'migawka-admins'], 'admin'],
    ['unmapped groups are ignored', ['sales', 'ops'], 'operator'],
    ['no mapped group: no role (refused)', ['sales'], null],
    ['no groups claim at all: no role', undefined, null],
    ['a single group sent as a string', 'everyone', 'viewer'],
    ['group names compare exactly (case matters)', ['OPS'], null],
    ['non-text entries are ignored', [42, { name: 'ops' }, 'everyone'], 'viewer'],
  ])('%s', (_situation, claim, role) => {
    expect(roleFromGroups(claim, MAPPING)).toBe(role);
  });
});
