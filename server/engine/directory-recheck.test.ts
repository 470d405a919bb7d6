/**
 * The directory re-check's rules, one row per situation: when a user is due, and what the console
 * does with each answer the directory gives (or does not give). The provider calls and the writes
 * are tested against a real provider in server/auth/oidc.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  type DirectoryAnswer,
  type DirectoryCheckState,
  type DirectoryStanding,
  type DirectoryVerdict,
  directoryStandingOf,
  directoryVerdictOf,
  hasGraceLapsed,
} from './directory-recheck';

const MINUTE = 60_000;
const T0 = new Date('2026-03-02T09:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * MINUTE);
const POLICY = { intervalMs: 10 * MINUTE, graceMs: 15 * MINUTE, retryMs: MINUTE };
const MAPPING = [
  { group: 'Migawka Admins', role: 'admin' },
  { group: 'Ops', role: 'operator' },
] as const;

describe('when a user is due for a re-check', () => {
  it.each<[behaviour: string, state: DirectoryCheckState, now: Date, standing: DirectoryStanding]>([
    [
      'a user who never signed in with the directory is not re-checked',
      { dueAt: null, unknownSince: null },
      at(0),
      'not-directory',
    ],
    ['read less than an interval ago: fresh', { dueAt: at(10), unknownSince: null }, at(9), 'fresh'],
    ['the interval over: due', { dueAt: at(10), unknownSince: null }, at(10), 'due'],
    ['long idle: due at the first request back', { dueAt: at(10), unknownSince: null }, at(300), 'due'],
    [
      'a retry scheduled after no answer: fresh until then',
      { dueAt: at(11), unknownSince: at(10) },
      at(10),
      'fresh',
    ],
  ])('%s', (_behaviour, state, now, standing) => {
    expect(directoryStandingOf(state, now)).toBe(standing);
  });

  it.each<[behaviour: string, unknownSince: Date | null, now: Date, lapsed: boolean]>([
    ['the directory answering: no grace running', null, at(100), false],
    ['silent for less than the grace: the role is kept', at(10), at(24), false],
    ['silent for the whole grace: the sessions end', at(10), at(25), true],
  ])('%s', (_behaviour, unknownSince, now, lapsed) => {
    expect(hasGraceLapsed({ dueAt: at(11), unknownSince }, now, POLICY)).toBe(lapsed);
  });
});

describe('what an answer does', () => {
  const fresh: DirectoryCheckState = { dueAt: at(10), unknownSince: null };
  const silentSince10: DirectoryCheckState = { dueAt: at(11), unknownSince: at(10) };
  it.each<
    [
      behaviour: string,
      answer: DirectoryAnswer,
      state: DirectoryCheckState,
      now: Date,
      verdict: DirectoryVerdict,
    ]
  >([
    [
      'the same role (the highest of their groups): confirmed until the next interval',
      { kind: 'groups', claim: ['Ops', 'Migawka Admins'] },
      fresh,
      at(10),
      { kind: 'confirm', role: 'admin', changedFrom: null, next: { dueAt: at(20), unknownSince: null } },
    ],
    [
      'taken out of the admin group: the lower role, named with the old one',
      { kind: 'groups', claim: ['Ops'] },
      fresh,
      at(10),
      {
        kind: 'confirm',
        role: 'operator',
        changedFrom: 'admin',
        next: { dueAt: at(20), unknownSince: null },
      },
    ],
    [
      'a single group sent as a string counts',
      { kind: 'groups', claim: 'Migawka Admins' },
      fresh,
      at(10),
      { kind: 'confirm', role: 'admin', changedFrom: null, next: { dueAt: at(20), unknownSince: null } },
    ],
    [
      'an answer after an outage clears it',
      { kind: 'groups', claim: ['Migawka Admins'] },
      silentSince10,
      at(12),
      { kind: 'confirm', role: 'admin', changedFrom: null, next: { dueAt: at(22), unknownSince: null } },
    ],
    [
      'in no mapped group any more: the sessions end',
      { kind: 'groups', claim: ['Sales'] },
      fresh,
      at(10),
      { kind: 'end', reason: 'the directory puts them in no group mapped to a Migawka role' },
    ],
    [
      'no groups claim at all is no group, as at sign-in',
      { kind: 'groups', claim: undefined },
      fresh,
      at(10),
      { kind: 'end', reason: 'the directory puts them in no group mapped to a Migawka role' },
    ],
    [
      'the refresh refused: the sessions end with the directory’s reason',
      { kind: 'refused', reason: 'the directory refused to renew their sign-in (invalid_grant)' },
      fresh,
      at(10),
      { kind: 'end', reason: 'the directory refused to renew their sign-in (invalid_grant)' },
    ],
    [
      'the first unanswered re-check: the role is kept for the grace, retried a minute later',
      { kind: 'unknown', reason: 'no answer within 5 s' },
      fresh,
      at(10),
      {
        kind: 'keep',
        role: 'admin',
        next: { dueAt: at(11), unknownSince: at(10) },
        keptUntil: at(25),
        isFirstFailure: true,
        reason: 'no answer within 5 s',
      },
    ],
    [
      'a retry unanswered within the grace: the grace still counts from the first failure',
      { kind: 'unknown', reason: 'no answer within 5 s' },
      silentSince10,
      at(24),
      {
        kind: 'keep',
        role: 'admin',
        next: { dueAt: at(25), unknownSince: at(10) },
        keptUntil: at(25),
        isFirstFailure: false,
        reason: 'no answer within 5 s',
      },
    ],
    [
      'unanswered for the whole grace: the sessions end, saying since when',
      { kind: 'unknown', reason: 'no answer within 5 s' },
      silentSince10,
      at(25),
      {
        kind: 'end',
        reason:
          'the directory has given no answer since 2026-03-02T09:10:00.000Z (no answer within 5 s), longer than the 15-minute grace',
      },
    ],
  ])('%s', (_behaviour, answer, state, now, verdict) => {
    expect(
      directoryVerdictOf({ answer, role: 'admin', state, now, policy: POLICY, mapping: MAPPING }),
    ).toEqual(verdict);
  });

  it('with no grace, the first unanswered re-check ends the sessions', () => {
    const verdict = directoryVerdictOf({
      answer: { kind: 'unknown', reason: 'HTTP 503' },
      role: 'viewer',
      state: { dueAt: at(10), unknownSince: null },
      now: at(10),
      policy: { ...POLICY, graceMs: 0 },
      mapping: MAPPING,
    });
    expect(verdict.kind).toBe('end');
  });
});
