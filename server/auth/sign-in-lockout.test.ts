/**
 * The account lockout holds however the wrong passwords are sent, on both databases: the library
 * also takes a sign-in as a form post, and several attempts may arrive at once. Each way below
 * sends more wrong passwords than the lockout allows; after them the account is locked, the right
 * password is refused, and no more than `maxFailures` of the wrong ones were judged (401). Two
 * console processes failing the account at once count every failure.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../db/stores/contract/dialects';
import { createServiceContext } from '../context';
import { createAccount } from '../services/account-service';
import { openEmptyOn } from '../test-rows';
import { createAuth } from './auth';
import { type AccountDirectory, createAccountDirectory } from './directory';
import { createAuthRouteHandler } from './route';

const ORIGIN = 'http://127.0.0.1:3000';
const PASSWORD = 'correct horse battery';
const WRONG = 'not the password at all';
const VICTIM = 'victim@example.test';
const MAX_FAILURES = 3;
const silent = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

/** Each test signs in from its own address: the library's per-address rate limit lives for the process. */
let clientIp = 0;

type Body = { type: string; text: string };

const json = (email: string, password: string): Body => ({
  type: 'application/json',
  text: JSON.stringify({ email, password }),
});
const form = (fields: [string, string][]): Body => ({
  type: 'application/x-www-form-urlencoded',
  text: new URLSearchParams(fields).toString(),
});

interface Way {
  way: string;
  /** Sends `count` wrong passwords for the victim; the answers' statuses. */
  send(signIn: (body: Body) => Promise<Response>, count: number): Promise<number[]>;
}

async function oneAfterAnother(signIn: () => Promise<Response>, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let attempt = 0; attempt < count; attempt++) statuses.push((await signIn()).status);
  return statuses;
}

const WAYS: Way[] = [
  {
    way: 'as JSON, one after another',
    send: (signIn, count) => oneAfterAnother(() => signIn(json(VICTIM, WRONG)), count),
  },
  {
    way: 'as a form post',
    send: (signIn, count) =>
      oneAfterAnother(
        () =>
          signIn(
            form([
              ['email', VICTIM],
              ['password', WRONG],
            ]),
          ),
        count,
      ),
  },
  {
    way: 'as a form naming another email before the victim’s (the library reads the last)',
    send: (signIn, count) =>
      oneAfterAnother(
        () =>
          signIn(
            form([
              ['email', 'nobody@example.test'],
              ['email', VICTIM],
              ['password', WRONG],
            ]),
          ),
        count,
      ),
  },
  {
    way: 'as JSON, all at once',
    send: async (signIn, count) =>
      (await Promise.all(Array.from({ length: count }, () => signIn(json(VICTIM, WRONG))))).map(
        (response) => response.status,
      ),
  },
];

const dialects = await storeDialects('signinlockout');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let close: () => Promise<void>;
    let accounts: AccountDirectory;
    let route: (request: Request) => Promise<Response>;
    let client: string;
    let database: Awaited<ReturnType<typeof openEmptyOn>>['database'];
    const clock = new Date('2026-05-04T09:00:00Z');

    beforeEach(async () => {
      const opened = await openEmptyOn(dialect);
      close = opened.close;
      database = opened.database;
      const auth = createAuth(opened.database, { secret: 's'.repeat(32), trustedProxy: false });
      accounts = createAccountDirectory(auth);
      route = createAuthRouteHandler({
        auth,
        accounts,
        now: () => clock,
        lockout: { maxFailures: MAX_FAILURES, minutes: 15 },
        log: silent,
      });
      client = `10.77.${dialect.name === 'SQLite' ? 1 : 2}.${++clientIp}`;
      await createAccount(accounts, createServiceContext({ log: silent as never }), {
        email: VICTIM,
        name: 'Victim',
        role: 'admin',
        password: PASSWORD,
      });
    });
    afterEach(async () => {
      await close();
    });

    const signIn = (body: Body) =>
      route(
        new Request(`${ORIGIN}/api/auth/sign-in/email`, {
          method: 'POST',
          headers: { 'content-type': body.type, origin: ORIGIN, 'x-forwarded-for': client },
          body: body.text,
        }),
      );

    it.each(WAYS)('locks the account after $way', async ({ send }) => {
      const statuses = await send(signIn, MAX_FAILURES + 2);
      expect(statuses.filter((status) => status === 401)).toHaveLength(MAX_FAILURES);
      expect(statuses.filter((status) => status !== 401)).toEqual([429, 429]);
      expect((await accounts.findUserByEmail(VICTIM))?.lockedUntil).toEqual(new Date('2026-05-04T09:15:00Z'));
      expect((await signIn(json(VICTIM, PASSWORD))).status).toBe(429);
    });

    it('counts every failure judged by two console processes at once, and locks the account', async () => {
      // A second route over its own library instance and the same database stands for a second
      // process: it does not wait for this one's attempts, so their counts race.
      const otherAuth = createAuth(database, { secret: 's'.repeat(32), trustedProxy: false });
      const otherProcess = createAuthRouteHandler({
        auth: otherAuth,
        accounts: createAccountDirectory(otherAuth),
        now: () => clock,
        lockout: { maxFailures: MAX_FAILURES, minutes: 15 },
        log: silent,
      });
      const statuses = await Promise.all(
        Array.from({ length: MAX_FAILURES }, (_, i) => {
          const via = i % 2 === 0 ? route : otherProcess;
          return via(
            new Request(`${ORIGIN}/api/auth/sign-in/email`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', origin: ORIGIN, 'x-forwarded-for': client },
              body: json(VICTIM, WRONG).text,
            }),
          ).then((response) => response.status);
        }),
      );
      expect(statuses).toEqual(Array(MAX_FAILURES).fill(401));
      expect((await accounts.findUserByEmail(VICTIM))?.lockedUntil).toEqual(new Date('2026-05-04T09:15:00Z'));
      expect((await signIn(json(VICTIM, PASSWORD))).status).toBe(429);
    });

    it('signs in with the right password sent as a form post', async () => {
      const response = await signIn(
        form([
          ['email', VICTIM],
          ['password', PASSWORD],
        ]),
      );
      expect(response.status).toBe(200);
    });

    it('refuses a sign-in that names no email, without asking the library', async () => {
      const response = await signIn({ type: 'application/json', text: JSON.stringify({ password: WRONG }) });
      expect(response.status).toBe(400);
      expect((await response.json()).message).toBe('Sign in with your email and password');
    });
  });
});
