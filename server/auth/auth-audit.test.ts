/**
 * The audit trail of accounts: sign-in, failed sign-in (wrong password, unknown account, locked),
 * sign-out, and an admin's role change, disable and password reset — each with who, the address
 * and the user agent of the request. Driven over HTTP through the /api/auth route and the tRPC
 * handler, with an injected clock.
 */
import { eq } from 'drizzle-orm';
import superjson from 'superjson';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../db/client';
import { auditEntries } from '../../db/schema';
import { createServiceContext } from '../context';
import { createAccount } from '../services/account-service';
import { openDemoLab } from '../test-support';
import { createTrpcHttpHandler } from '../trpc/http-handler';
import { contextForRequest } from '../trpc/init';
import { authFor } from './auth';
import { type AccountDirectory, createAccountDirectory } from './directory';
import { recordAuthEventIn } from './http';
import { createAuthRouteHandler } from './route';

const ORIGIN = 'http://127.0.0.1:3000';
const PASSWORD = 'correct horse battery';
const AGENT = 'Mozilla/5.0 (audit test)';
const silent = { info: () => {}, warn: () => {} };

let db: Db;
let accounts: AccountDirectory;
let clock: Date;
let authRoute: (request: Request) => Promise<Response>;
let trpc: (request: Request) => Promise<Response>;
let clientIp = 0;
let client: string;

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'content-type': 'application/json',
    origin: ORIGIN,
    'x-forwarded-for': client,
    'user-agent': AGENT,
    ...extra,
  };
}

beforeEach(async () => {
  client = `10.9.0.${++clientIp}`;
  db = openDemoLab();
  accounts = createAccountDirectory(authFor(db));
  clock = new Date('2026-04-02T08:00:00Z');
  authRoute = createAuthRouteHandler({
    auth: authFor(db),
    accounts,
    now: () => clock,
    lockout: { maxFailures: 2, minutes: 15 },
    log: silent,
    audit: recordAuthEventIn(db, () => clock),
  });
  trpc = createTrpcHttpHandler({
    maxRequestBytes: 1024 * 1024,
    maxImportBytes: 1024 * 1024,
    maxBatchSize: 10,
    edge: { allowedHosts: ['127.0.0.1'], allowedOrigins: [] },
    createContext: (request) => contextForRequest(db, request),
  });
  for (const [email, name, role] of [
    ['ada@example.test', 'Ada Admin', 'admin'],
    ['otto@example.test', 'Otto Operator', 'operator'],
  ]) {
    await createAccount(accounts, createServiceContext({ log: silent as never }), {
      email,
      name,
      role,
      password: PASSWORD,
    });
  }
});

function signIn(email: string, password = PASSWORD): Promise<Response> {
  return authRoute(
    new Request(`${ORIGIN}/api/auth/sign-in/email`, {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify({ email, password }),
    }),
  );
}

async function cookieOf(email: string): Promise<string> {
  const response = await signIn(email);
  expect(response.status).toBe(200);
  const line = response.headers.getSetCookie().find((cookie) => cookie.includes('session_token=')) ?? '';
  return line.split(';')[0] as string;
}

function entries(action: string) {
  return db.select().from(auditEntries).where(eq(auditEntries.action, action)).all();
}

describe('the audit trail of signing in and out', () => {
  it('records a sign-in with the user, role, address and user agent', async () => {
    await cookieOf('otto@example.test');
    expect(entries('auth.sign-in')).toEqual([
      expect.objectContaining({
        actorName: 'Otto Operator',
        actorRole: 'operator',
        outcome: 'succeeded',
        ip: client,
        userAgent: AGENT,
        at: clock,
        objectsJson: [expect.objectContaining({ kind: 'user', name: 'otto@example.test' })],
      }),
    ]);
  });

  it.each([
    {
      situation: 'a wrong password names the account tried',
      attempt: () => signIn('otto@example.test', 'not the password'),
      actorName: 'Otto Operator',
      message: 'Wrong email or password',
    },
    {
      situation: 'an unknown account names the email tried',
      attempt: () => signIn('nobody@example.test'),
      actorName: 'unknown account nobody@example.test',
      message: 'Wrong email or password',
    },
  ])('records a failed sign-in: $situation', async ({ attempt, actorName, message }) => {
    expect((await attempt()).status).toBe(401);
    expect(entries('auth.sign-in')).toEqual([
      expect.objectContaining({ actorName, outcome: 'refused', message, ip: client, userAgent: AGENT }),
    ]);
  });

  it('records the lockout and each sign-in the lock refuses', async () => {
    await signIn('otto@example.test', 'wrong one');
    await signIn('otto@example.test', 'wrong two');
    expect((await signIn('otto@example.test')).status).toBe(429);
    const recorded = entries('auth.sign-in').map((entry) => [entry.outcome, entry.message]);
    expect(recorded).toEqual([
      ['refused', 'Wrong email or password'],
      ['refused', 'Wrong email or password'],
      ['refused', 'Account locked until 2026-04-02T08:15:00.000Z after 2 failed sign-ins'],
      ['refused', 'Account locked until 2026-04-02T08:15:00.000Z'],
    ]);
  });

  it('records a sign-out for the user whose session it ended', async () => {
    const cookie = await cookieOf('otto@example.test');
    const response = await authRoute(
      new Request(`${ORIGIN}/api/auth/sign-out`, {
        method: 'POST',
        headers: headers({ cookie }),
        body: '{}',
      }),
    );
    expect(response.status).toBe(200);
    expect(entries('auth.sign-out')).toEqual([
      expect.objectContaining({
        actorName: 'Otto Operator',
        outcome: 'succeeded',
        ip: client,
        userAgent: AGENT,
      }),
    ]);
  });
});

describe('the audit trail of user administration', () => {
  it('records a role change, a disable and a password reset with the admin, the user and the request', async () => {
    const cookie = await cookieOf('ada@example.test');
    const otto = await accounts.findUserByEmail('otto@example.test');
    const mutate = (path: string, input: unknown) =>
      trpc(
        new Request(`${ORIGIN}/api/trpc/${path}`, {
          method: 'POST',
          headers: headers({ cookie }),
          body: JSON.stringify(superjson.serialize(input)),
        }),
      );
    expect((await mutate('users.setRole', { userId: otto?.id, role: 'restore-operator' })).status).toBe(200);
    expect((await mutate('users.setDisabled', { userId: otto?.id, disabled: true })).status).toBe(200);
    expect(
      (await mutate('users.resetPassword', { userId: otto?.id, password: 'another long password' })).status,
    ).toBe(200);
    for (const [action, input] of [
      ['users.setRole', { role: 'restore-operator' }],
      ['users.setDisabled', { disabled: true }],
      ['users.resetPassword', { password: '[redacted]' }],
    ] as const) {
      expect(entries(action), action).toEqual([
        expect.objectContaining({
          actorName: 'Ada Admin',
          actorRole: 'admin',
          outcome: 'succeeded',
          ip: client,
          userAgent: AGENT,
          inputJson: expect.objectContaining({ userId: otto?.id, ...input }),
          objectsJson: expect.arrayContaining([
            expect.objectContaining({ id: otto?.id, name: 'Otto Operator' }),
          ]),
        }),
      ]);
    }
  });
});
