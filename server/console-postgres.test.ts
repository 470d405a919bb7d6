/**
 * The web console on PostgreSQL, as `next start` wires it, inside this process: the server's
 * start (instrumentation.ts `register()`) against a throwaway PostgreSQL database named by
 * DATABASE_URL, then the app's own route handlers (/api/health, /api/auth, /api/trpc) called with
 * real HTTP requests by the real tRPC client. The demo admin signs in, lists the demo lab's VMs,
 * starts a backup, watches it over the SSE events stream and sees it succeed, with its restore
 * point in the catalogue. Everything it wrote is read back from PostgreSQL, and no SQLite file is
 * created in the data directory.
 *
 * The in-process worker runs on the wall clock (the server's own wiring, no injected clock): the
 * lab's step delay is 5 ms, so the backup finishes in well under a second of waiting.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createTRPCClient, httpLink } from '@trpc/client';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET as authGet, POST as authPost } from '../app/api/auth/[...all]/route';
import { GET as healthGet } from '../app/api/health/route';
import { GET as trpcGet, POST as trpcPost } from '../app/api/trpc/[trpc]/route';
import { closeProcessWideDatabase, getProcessDatabase } from '../db/process-database';
import { demoLabInventory } from '../db/seed/demo-lab';
import { storeDialects } from '../db/stores/contract/dialects';
import { register } from '../instrumentation';
import { loadConfig, replaceConfigForTests } from './config';
import { isFinalOperationStatus, type OperationStatus } from './engine/statuses';
import { stopBackgroundWorker } from './services/worker-service';
import { makeTempDir, readSseEvents } from './test-support';
import type { AppRouter } from './trpc/root';

const ORIGIN = 'http://127.0.0.1:3204';
const ADMIN = { email: 'admin@pg.example.test', password: 'postgres console pass' };
const postgres = (await storeDialects('console')).find((dialect) => dialect.name === 'PostgreSQL');
if (!postgres) throw new Error('the PostgreSQL dialect is missing');

/** What Next would route: the path decides the handler, the method its export. */
async function serve(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  const get = request.method === 'GET';
  if (pathname === '/api/health') return healthGet();
  if (pathname.startsWith('/api/auth/')) return get ? authGet(request) : authPost(request);
  if (pathname.startsWith('/api/trpc/')) return get ? trpcGet(request) : trpcPost(request);
  return new Response('not found', { status: 404 });
}

function clientWith(cookie: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${ORIGIN}/api/trpc`,
        transformer: superjson,
        headers: { cookie, origin: ORIGIN },
        fetch: (input, init) => serve(new Request(input as string, init as RequestInit)),
      }),
    ],
  });
}

describe.skipIf(postgres.skip)('the console on PostgreSQL (DATABASE_URL)', () => {
  const dataDir = makeTempDir('console-pg');
  let url: string;

  beforeAll(async () => {
    url = await (postgres.url as () => Promise<string>)();
    replaceConfigForTests(
      loadConfig({
        ...process.env,
        DATABASE_URL: url,
        MIGAWKA_DB_POOL_MAX: '4',
        MIGAWKA_DATA_DIR: dataDir.path,
        MIGAWKA_DB_PATH: undefined,
        MIGAWKA_LAB_DIR: path.join(dataDir.path, 'lab'),
        MIGAWKA_LAB_STEP_DELAY_MS: '5',
        MIGAWKA_LAB_SCRIPT_TIME_SCALE: '0.001',
        MIGAWKA_WORKER: '1',
        MIGAWKA_WORKER_POLL_MS: '20',
        MIGAWKA_SEED_DEMO: '1',
        MIGAWKA_DEMO_ADMIN: `${ADMIN.email}:${ADMIN.password}`,
        MIGAWKA_AUTH_SECRET: 'a-shared-session-signing-secret-of-every-web-node',
        LOG_LEVEL: 'warn',
        NEXT_RUNTIME: 'nodejs',
      }),
    );
    process.env.NEXT_RUNTIME = 'nodejs';
    await register();
  });

  afterAll(async () => {
    await stopBackgroundWorker();
    await closeProcessWideDatabase();
    replaceConfigForTests(null);
    dataDir.remove();
  });

  it('answers health from PostgreSQL and keeps no SQLite file', async () => {
    const health = await serve(new Request(`${ORIGIN}/api/health`));
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    expect((await getProcessDatabase()).kind).toBe('postgres');
    expect(readdirSync(dataDir.path).filter((name) => name.endsWith('.db'))).toEqual([]);
    expect(existsSync(path.join(dataDir.path, 'migawka.db'))).toBe(false);
  });

  it('signs the demo admin in, lists the demo lab, runs a backup to the end and sees it live', async () => {
    const refused = await clientWith('')
      .vms.list.query({})
      .catch((error: unknown) => error as { data?: { httpStatus?: number } });
    expect((refused as { data?: { httpStatus?: number } }).data?.httpStatus).toBe(401);

    const signIn = await serve(
      new Request(`${ORIGIN}/api/auth/sign-in/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: ORIGIN },
        body: JSON.stringify(ADMIN),
      }),
    );
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers
      .getSetCookie()
      .find((line) => line.includes('session_token='))
      ?.split(';')[0];
    if (!cookie) throw new Error('the sign-in set no session cookie');
    const trpc = clientWith(cookie);

    const me = await trpc.account.me.query();
    expect(me).toMatchObject({ user: { email: ADMIN.email }, role: 'admin' });
    const vms = await trpc.vms.list.query({ search: 'web' });
    const web = vms.items.find((vm) => vm.id === 'vm-web-01');
    expect(web?.name).toBeTruthy();

    const started = await trpc.operations.backupVm.mutate({ vmId: 'vm-web-01' });
    const stream = await serve(
      new Request(
        `${ORIGIN}/api/trpc/operations.events?input=${encodeURIComponent(
          JSON.stringify(superjson.serialize({ operationId: started.operationId })),
        )}`,
        { headers: { cookie, origin: ORIGIN, accept: 'text/event-stream' } },
      ),
    );
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    type Event = { type: string; payload: { status?: OperationStatus } };
    const ended = (event: Event) =>
      event.type === 'operation.finished' && isFinalOperationStatus(event.payload.status as OperationStatus);
    const events = await readSseEvents<Event>(stream, ended);
    expect(events.at(-1)?.payload.status).toBe('succeeded');

    const operation = await trpc.operations.get.query({ id: started.operationId });
    expect(operation.operation.status).toBe('succeeded');
    expect(operation.steps.every((step) => step.status === 'succeeded')).toBe(true);
    expect(events.map((event) => event.type)).toContain('step.started');

    // Read back from PostgreSQL itself: the account, the operation, its restore point, the audit.
    const { pg } = (await getProcessDatabase()) as Extract<
      Awaited<ReturnType<typeof getProcessDatabase>>,
      { kind: 'postgres' }
    >;
    const one = async (text: string, values: unknown[] = []) => (await pg.pool.query(text, values)).rows[0];
    expect(await one(`select role from "user" where email = $1`, [ADMIN.email])).toEqual({ role: 'admin' });
    expect(await one('select status from operations where id = $1', [started.operationId])).toEqual({
      status: 'succeeded',
    });
    expect(
      Number((await one('select count(*) as n from restore_points where vm_id = $1', ['vm-web-01'])).n),
    ).toBeGreaterThanOrEqual(1);
    expect(await one(`select outcome from audit_entries where action = 'operations.backupVm'`)).toEqual({
      outcome: 'succeeded',
    });

    // The import runs in a worker thread on its own pool to the same PostgreSQL database.
    const imported = await trpc.inventory.import.mutate({ content: '{}', mode: 'merge' });
    // The demo lab, merged with nothing new.
    expect(imported).toMatchObject({
      mode: 'merge',
      stored: { hosts: 6, vms: demoLabInventory().vms.length },
    });
    expect(Number((await one('select count(*) as n from inventory_imports')).n)).toBe(2);
  });

  it('the command line honours DATABASE_URL: a user added from a shell signs in to the console; the audit trail verifies', async () => {
    const passwordFile = path.join(dataDir.path, 'password.txt');
    writeFileSync(passwordFile, 'a shell-made password\n', { mode: 0o600 });
    const migawka = (args: string[]) =>
      spawnSync(process.execPath, ['bin/migawka.mjs', ...args], {
        cwd: path.resolve(import.meta.dirname, '..'),
        encoding: 'utf8',
        env: { ...process.env, DATABASE_URL: url, MIGAWKA_DATA_DIR: dataDir.path, LOG_LEVEL: 'warn' },
        timeout: 60_000,
      });
    const added = migawka([
      'user',
      'add',
      '--email',
      'shell@pg.example.test',
      '--role',
      'viewer',
      '--password-file',
      passwordFile,
    ]);
    expect(added.stderr).toBe('');
    expect(added.stdout).toContain('Created shell@pg.example.test');
    const signIn = await serve(
      new Request(`${ORIGIN}/api/auth/sign-in/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: ORIGIN },
        body: JSON.stringify({ email: 'shell@pg.example.test', password: 'a shell-made password' }),
      }),
    );
    expect(signIn.status).toBe(200);
    const verified = migawka(['audit', 'verify']);
    expect(verified.status).toBe(0);
    expect(verified.stdout).toMatch(/Audit trail intact: \d+ entries checked/);
    expect(readdirSync(dataDir.path).filter((name) => name.endsWith('.db'))).toEqual([]);
  });
});
