import { describe, expect, it } from 'vitest';
import type { Auth } from './auth';
import { principalFromHeaders } from './session';
import { createSessionChecks } from './session-checks';

type Found = Awaited<ReturnType<Auth['api']['getSession']>>;

const START = Date.parse('2026-03-28T12:00:00Z');

function sessionOf(overrides: { role?: string; banned?: boolean; expiresAt?: Date } = {}): Found {
  return {
    session: {
      id: 's1',
      token: 'token-1',
      userId: 'u1',
      expiresAt: overrides.expiresAt ?? new Date(START + 60_000),
      createdAt: new Date(START),
      updatedAt: new Date(START),
    },
    user: {
      id: 'u1',
      name: 'Vera',
      email: 'vera@example.test',
      role: overrides.role ?? 'viewer',
      banned: overrides.banned ?? false,
    },
  } as unknown as Found;
}

/** A library whose answer the test sets, counting what it is asked; a clock the test moves. */
function harness(initial: Found = sessionOf()) {
  let now = START;
  let answer = initial;
  const asked: (string | null)[] = [];
  const auth = {
    api: {
      getSession: async ({ headers }: { headers: Headers }) => {
        asked.push(headers.get('cookie'));
        return answer;
      },
    },
  } as unknown as Pick<Auth, 'api'>;
  const checks = createSessionChecks<unknown>({ maxAgeMs: 1_000, now: () => now });
  const principal = (cookie: string | null, on: Pick<Auth, 'api'> = auth) =>
    principalFromHeaders(on, new Headers(cookie === null ? {} : { cookie }), {
      checks,
      now: () => new Date(now),
    });
  return {
    auth,
    checks,
    asked,
    principal,
    answer: (next: Found) => {
      answer = next;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const COOKIE = 'better-auth.session_token=token-1.signature';

describe('the principal of a request, shared by the requests of a session', () => {
  it('asks the library once for the requests of one cookie within the window', async () => {
    const h = harness();
    const principals = await Promise.all(Array.from({ length: 50 }, () => h.principal(COOKIE)));
    h.advance(999);
    principals.push(await h.principal(COOKIE));
    expect(h.asked).toEqual([COOKIE]);
    expect(new Set(principals.map((p) => p?.user.id))).toEqual(new Set(['u1']));
    h.advance(1);
    await h.principal(COOKIE);
    expect(h.asked).toEqual([COOKIE, COOKIE]);
  });

  it('asks again at once after a session or user changed in this process (revoked: refused)', async () => {
    const h = harness();
    expect(await h.principal(COOKIE)).not.toBeNull();
    h.answer(null);
    h.checks.noteChanged();
    expect(await h.principal(COOKIE)).toBeNull();
    expect(h.asked).toHaveLength(2);
  });

  it('does not keep a refusal: a cookie without a session is asked every time', async () => {
    const h = harness(null);
    expect(await h.principal(COOKIE)).toBeNull();
    expect(await h.principal(COOKIE)).toBeNull();
    expect(h.asked).toEqual([COOKIE, COOKIE]);
  });

  it('keeps cookies, and the databases behind two authentications, apart', async () => {
    const h = harness();
    const other = harness(null);
    await h.principal(COOKIE);
    await h.principal(`${COOKIE}x`);
    expect(await h.principal(COOKIE, other.auth)).toBeNull();
    expect(h.asked).toEqual([COOKIE, `${COOKIE}x`]);
    expect(other.asked).toEqual([COOKIE]);
  });

  it('asks the library every time for a request without a cookie', async () => {
    const h = harness(null);
    await h.principal(null);
    await h.principal(null);
    expect(h.asked).toEqual([null, null]);
  });

  it.each([
    { case: 'a viewer', found: sessionOf(), at: 0, role: 'viewer' },
    { case: 'an admin', found: sessionOf({ role: 'admin' }), at: 0, role: 'admin' },
    { case: 'a disabled user', found: sessionOf({ banned: true }), at: 0, role: null },
    { case: 'a role the console does not know', found: sessionOf({ role: 'superuser' }), at: 0, role: null },
    {
      case: 'a shared answer whose session expired since',
      found: sessionOf({ expiresAt: new Date(START + 500) }),
      at: 501,
      role: null,
    },
    {
      case: 'a shared answer at its session’s last moment',
      found: sessionOf({ expiresAt: new Date(START + 500) }),
      at: 500,
      role: 'viewer',
    },
  ])('judges $case on every request: role $role', async ({ found, at, role }) => {
    const h = harness(found);
    await h.principal(COOKIE);
    h.advance(at);
    const principal = await h.principal(COOKIE);
    expect(principal?.role ?? null).toBe(role);
    expect(h.asked).toHaveLength(1);
  });
});
