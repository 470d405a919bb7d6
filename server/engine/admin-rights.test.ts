/** Which account changes decide who is an admin (four-eyes `change-admins`), one row per case. */
import { describe, expect, it } from 'vitest';
import { type AccountChange, changesAdminRights } from './approvals';

const CASES: [string, AccountChange, boolean][] = [
  ['a new admin account', { change: 'create', role: 'admin' }, true],
  ['a new restore operator account', { change: 'create', role: 'restore-operator' }, false],
  ['an operator made admin', { change: 'role', from: 'operator', to: 'admin' }, true],
  ['an account with no known role made admin', { change: 'role', from: null, to: 'admin' }, true],
  ['an admin made viewer', { change: 'role', from: 'admin', to: 'viewer' }, true],
  ['an admin left admin', { change: 'role', from: 'admin', to: 'admin' }, false],
  ['an operator made restore operator', { change: 'role', from: 'operator', to: 'restore-operator' }, false],
  ['an admin disabled', { change: 'disabled', role: 'admin', from: false, to: true }, true],
  ['a disabled admin enabled', { change: 'disabled', role: 'admin', from: true, to: false }, true],
  ['a disabled admin disabled again', { change: 'disabled', role: 'admin', from: true, to: true }, false],
  ['an operator disabled', { change: 'disabled', role: 'operator', from: false, to: true }, false],
  ["another admin's password", { change: 'password', role: 'admin', isOwn: false }, true],
  ['one’s own password, as an admin', { change: 'password', role: 'admin', isOwn: true }, false],
  ["a viewer's password", { change: 'password', role: 'viewer', isOwn: false }, false],
];

describe('changesAdminRights', () => {
  it.each(CASES)('%s → %s', (_case, change, expected) => {
    expect(changesAdminRights(change)).toBe(expected);
  });
});
