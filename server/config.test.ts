import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_LAB_STEP_DELAY_MS,
  DEFAULT_MAX_BATCH_SIZE,
  DEFAULT_MAX_IMPORT_BYTES,
  DEFAULT_MAX_REQUEST_BYTES,
  DEFAULT_QUERY_THREADS,
  DEFAULT_TEST_POSTGRES_URL,
  loadConfig,
} from './config';

const KEY_BASE64 = Buffer.alloc(32, 7).toString('base64');

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives every setting its default on an empty environment, ignoring unrelated variables', () => {
    expect(loadConfig({ HOME: '/root', NODE_ENV: 'test' })).toEqual({
      port: 3000,
      host: '127.0.0.1',
      edge: { allowedHosts: ['localhost', '127.0.0.1', '[::1]'], allowedOrigins: [] },
      dataDir: './data',
      database: { kind: 'sqlite', path: path.join('./data', 'migawka.db') },
      dbPath: path.join('./data', 'migawka.db'),
      migrationsDir: null,
      seedDemo: true,
      runWorkerInProcess: true,
      queryThreads: DEFAULT_QUERY_THREADS,
      lab: {
        dir: path.join('./data', 'lab'),
        stepDelayMs: DEFAULT_LAB_STEP_DELAY_MS,
        scriptTimeScale: 1,
        repositoryQuotaBytes: null,
        isWorkloadEnabled: true,
      },
      worker: { concurrency: 2, leaseMs: 15_000, pollMs: 500, serves: { hostIds: null, arrayIds: null } },
      limits: { perHost: 2, perArray: 2 },
      http: {
        maxRequestBytes: DEFAULT_MAX_REQUEST_BYTES,
        maxImportBytes: DEFAULT_MAX_IMPORT_BYTES,
        maxBatchSize: DEFAULT_MAX_BATCH_SIZE,
      },
      secrets: { key: null, keyFile: null },
      auth: {
        secret: null,
        trustedProxy: false,
        demoAdmin: null,
        lockout: { maxFailures: 5, minutes: 15 },
        oidc: null,
      },
      approvals: { expiryMs: 4 * 3_600_000 },
      logLevel: 'info',
      nextRuntime: null,
      isDevelopment: false,
      testPostgresUrl: DEFAULT_TEST_POSTGRES_URL,
      testPostgres: 'auto',
      testProofOperations: 1000,
    });
  });

  it.each<{ env: Record<string, string>; expected: Record<string, unknown> }>([
    { env: { PORT: '8080' }, expected: { port: 8080 } },
    {
      env: { MIGAWKA_DATA_DIR: '/srv/migawka' },
      expected: {
        dataDir: '/srv/migawka',
        dbPath: path.join('/srv/migawka', 'migawka.db'),
        lab: expect.objectContaining({ dir: path.join('/srv/migawka', 'lab') }),
      },
    },
    {
      env: { MIGAWKA_DATA_DIR: '/srv/migawka', MIGAWKA_DB_PATH: '/var/db/m.db', MIGAWKA_LAB_DIR: '/lab' },
      expected: { dbPath: '/var/db/m.db', lab: expect.objectContaining({ dir: '/lab' }) },
    },
    { env: { MIGAWKA_MIGRATIONS_DIR: '/opt/migrations' }, expected: { migrationsDir: '/opt/migrations' } },
    {
      env: { DATABASE_URL: 'postgres://migawka:secret@db.example:5432/migawka' },
      expected: {
        database: {
          kind: 'postgres',
          url: 'postgres://migawka:secret@db.example:5432/migawka',
          poolMax: 10,
        },
      },
    },
    {
      env: { DATABASE_URL: 'postgresql://db/migawka', MIGAWKA_DB_POOL_MAX: '25' },
      expected: { database: { kind: 'postgres', url: 'postgresql://db/migawka', poolMax: 25 } },
    },
    {
      env: { MIGAWKA_TEST_POSTGRES_URL: 'postgres://ci@pg:5432/postgres' },
      expected: { testPostgresUrl: 'postgres://ci@pg:5432/postgres' },
    },
    { env: { MIGAWKA_TEST_POSTGRES: '1' }, expected: { testPostgres: 'required' } },
    { env: { MIGAWKA_TEST_PROOF_OPERATIONS: '100' }, expected: { testProofOperations: 100 } },
    { env: { MIGAWKA_TEST_POSTGRES: '0' }, expected: { testPostgres: 'off' } },
    {
      env: { MIGAWKA_SEED_DEMO: '0', MIGAWKA_WORKER: '0' },
      expected: { seedDemo: false, runWorkerInProcess: false },
    },
    {
      env: { MIGAWKA_SEED_DEMO: '1', MIGAWKA_WORKER: '1' },
      expected: { seedDemo: true, runWorkerInProcess: true },
    },
    {
      env: {
        MIGAWKA_LAB_STEP_DELAY_MS: '0',
        MIGAWKA_LAB_SCRIPT_TIME_SCALE: '0.25',
        MIGAWKA_LAB_REPOSITORY_QUOTA_BYTES: '1048576',
        MIGAWKA_LAB_WORKLOADS: '0',
      },
      expected: {
        lab: expect.objectContaining({
          stepDelayMs: 0,
          scriptTimeScale: 0.25,
          repositoryQuotaBytes: 1_048_576,
          isWorkloadEnabled: false,
        }),
      },
    },
    {
      env: {
        MIGAWKA_WORKER_CONCURRENCY: '4',
        MIGAWKA_WORKER_LEASE_MS: '30000',
        MIGAWKA_WORKER_POLL_MS: ' 250 ',
      },
      expected: {
        worker: { concurrency: 4, leaseMs: 30_000, pollMs: 250, serves: { hostIds: null, arrayIds: null } },
      },
    },
    { env: { MIGAWKA_QUERY_THREADS: '0' }, expected: { queryThreads: 0 } },
    { env: { MIGAWKA_QUERY_THREADS: '2' }, expected: { queryThreads: 2 } },
    {
      env: { MIGAWKA_WORKER_HOSTS: ' hv-prague-01, hv-prague-02 ,', MIGAWKA_WORKER_ARRAYS: 'pure-1' },
      expected: {
        worker: expect.objectContaining({
          serves: { hostIds: ['hv-prague-01', 'hv-prague-02'], arrayIds: ['pure-1'] },
        }),
      },
    },
    {
      env: { MIGAWKA_LIMIT_PER_HOST: '1', MIGAWKA_LIMIT_PER_ARRAY: '3' },
      expected: { limits: { perHost: 1, perArray: 3 } },
    },
    {
      env: {
        MIGAWKA_MAX_REQUEST_BYTES: '1024',
        MIGAWKA_MAX_IMPORT_BYTES: '2048',
        MIGAWKA_MAX_BATCH_SIZE: '50',
      },
      expected: { http: { maxRequestBytes: 1024, maxImportBytes: 2048, maxBatchSize: 50 } },
    },
    // The bound address joins the loopback names; a wildcard bind names no host.
    {
      env: { MIGAWKA_HOST: '10.0.0.5' },
      expected: {
        host: '10.0.0.5',
        edge: { allowedHosts: ['localhost', '127.0.0.1', '[::1]', '10.0.0.5'], allowedOrigins: [] },
      },
    },
    {
      env: { MIGAWKA_HOST: '::1' },
      expected: {
        host: '::1',
        edge: expect.objectContaining({ allowedHosts: ['localhost', '127.0.0.1', '[::1]'] }),
      },
    },
    {
      env: { MIGAWKA_HOST: '0.0.0.0' },
      expected: {
        host: '0.0.0.0',
        edge: expect.objectContaining({ allowedHosts: ['localhost', '127.0.0.1', '[::1]'] }),
      },
    },
    // An explicit list replaces the defaults; ports and case do not matter.
    {
      env: {
        MIGAWKA_HOST: '0.0.0.0',
        MIGAWKA_ALLOWED_HOSTS: 'Migawka.Example.com:443, 10.0.0.5 ,[fd00::5]:3000,',
        MIGAWKA_ALLOWED_ORIGINS: 'https://migawka.example.com, http://10.0.0.5:3000/',
      },
      expected: {
        edge: {
          allowedHosts: ['migawka.example.com', '10.0.0.5', '[fd00::5]'],
          allowedOrigins: ['https://migawka.example.com', 'http://10.0.0.5:3000'],
        },
      },
    },
    {
      env: { LOG_LEVEL: 'silent', NEXT_RUNTIME: 'nodejs', NODE_ENV: 'development' },
      expected: { logLevel: 'silent', nextRuntime: 'nodejs', isDevelopment: true },
    },
    {
      env: { MIGAWKA_SECRET_KEY: KEY_BASE64 },
      expected: { secrets: { key: Buffer.from(KEY_BASE64, 'base64'), keyFile: null } },
    },
    {
      env: { MIGAWKA_SECRET_KEY_FILE: '/etc/migawka/secret.key' },
      expected: { secrets: { key: null, keyFile: '/etc/migawka/secret.key' } },
    },
    {
      env: {
        MIGAWKA_AUTH_SECRET: 'k'.repeat(32),
        MIGAWKA_TRUSTED_PROXY: '1',
        MIGAWKA_DEMO_ADMIN: 'Demo@Example.test:pass:word-long',
        MIGAWKA_SIGN_IN_MAX_FAILURES: '3',
        MIGAWKA_SIGN_IN_LOCKOUT_MINUTES: '30',
      },
      expected: {
        auth: {
          secret: 'k'.repeat(32),
          trustedProxy: true,
          demoAdmin: { email: 'demo@example.test', password: 'pass:word-long' },
          lockout: { maxFailures: 3, minutes: 30 },
        },
      },
    },
    { env: {}, expected: { approvals: { expiryMs: 4 * 3_600_000 }, auth: { oidc: null } } },
    {
      env: {
        MIGAWKA_OIDC_ISSUER: 'https://login.example.com/realms/corp/',
        MIGAWKA_OIDC_CLIENT_ID: 'migawka',
        MIGAWKA_OIDC_CLIENT_SECRET: 'client-secret',
        MIGAWKA_OIDC_ROLE_GROUPS: 'admin=Migawka Admins; operator=Ops, EMEA;viewer=Everyone',
      },
      expected: {
        auth: {
          oidc: {
            issuer: 'https://login.example.com/realms/corp',
            clientId: 'migawka',
            clientSecret: 'client-secret',
            scopes: ['openid', 'email', 'profile', 'offline_access'],
            groupsClaim: 'groups',
            roleGroups: [
              { role: 'admin', group: 'Migawka Admins' },
              { role: 'operator', group: 'Ops, EMEA' },
              { role: 'viewer', group: 'Everyone' },
            ],
            label: 'your directory',
            recheck: { intervalMs: 10 * 60_000, graceMs: 15 * 60_000, retryMs: 60_000 },
            prompt: null,
          },
        },
      },
    },
    {
      env: {
        MIGAWKA_OIDC_ISSUER: 'https://login.example.com',
        MIGAWKA_OIDC_CLIENT_ID: 'migawka',
        MIGAWKA_OIDC_CLIENT_SECRET: 'client-secret',
        MIGAWKA_OIDC_ROLE_GROUPS: 'admin=Migawka Admins',
        MIGAWKA_OIDC_RECHECK_MINUTES: '5',
        MIGAWKA_OIDC_GRACE_MINUTES: '0',
        MIGAWKA_OIDC_PROMPT: 'consent',
      },
      expected: {
        auth: {
          oidc: {
            recheck: { intervalMs: 5 * 60_000, graceMs: 0, retryMs: 60_000 },
            prompt: 'consent',
          },
        },
      },
    },
    { env: { MIGAWKA_APPROVAL_EXPIRY_MINUTES: '30' }, expected: { approvals: { expiryMs: 30 * 60_000 } } },
    // An empty value counts as unset: `FOO= migawka start` keeps the default.
    {
      env: { PORT: '', MIGAWKA_SEED_DEMO: '', LOG_LEVEL: '' },
      expected: { port: 3000, seedDemo: true, logLevel: 'info' },
    },
  ])('reads $env', ({ env, expected }) => {
    expect(loadConfig(env)).toMatchObject(expected);
  });

  it.each<[variable: string, value: string, reason: string]>([
    ['PORT', '0', 'must be ≥ 1'],
    ['PORT', 'eighty', 'must be a whole number'],
    ['PORT', '80.5', 'must be a whole number'],
    ['MIGAWKA_SEED_DEMO', 'yes', ''],
    ['MIGAWKA_WORKER', 'false', ''],
    ['MIGAWKA_LAB_STEP_DELAY_MS', '-1', 'must be a non-negative number'],
    ['MIGAWKA_LAB_SCRIPT_TIME_SCALE', 'fast', 'must be a non-negative number'],
    ['MIGAWKA_LAB_REPOSITORY_QUOTA_BYTES', '1e9', 'must be a non-negative number'],
    ['MIGAWKA_LIMIT_PER_HOST', '0', 'must be ≥ 1'],
    ['MIGAWKA_LIMIT_PER_ARRAY', 'two', 'must be a whole number'],
    ['MIGAWKA_WORKER_CONCURRENCY', '0', 'must be ≥ 1'],
    ['MIGAWKA_QUERY_THREADS', 'one', 'must be a whole number'],
    ['MIGAWKA_QUERY_THREADS', '9', 'must be ≤ 8'],
    ['MIGAWKA_WORKER_LEASE_MS', '1.5', 'must be a whole number'],
    ['MIGAWKA_WORKER_POLL_MS', '-5', 'must be a whole number'],
    ['MIGAWKA_WORKER_HOSTS', ' , ', 'must name at least one inventory id'],
    ['MIGAWKA_MAX_REQUEST_BYTES', '1023', 'must be ≥ 1024'],
    ['MIGAWKA_MAX_IMPORT_BYTES', 'lots', 'must be a whole number'],
    ['MIGAWKA_ALLOWED_HOSTS', 'http://migawka.example.com', 'must be host names separated by commas'],
    ['MIGAWKA_ALLOWED_HOSTS', 'a.example b.example', 'must be host names separated by commas'],
    ['MIGAWKA_ALLOWED_ORIGINS', 'migawka.example.com', 'must be origins like https://migawka.example.com'],
    ['MIGAWKA_ALLOWED_ORIGINS', 'https://migawka.example.com/console', 'must be origins like'],
    ['MIGAWKA_MAX_BATCH_SIZE', '0', 'must be ≥ 1'],
    ['LOG_LEVEL', 'verbose', ''],
    ['DATABASE_URL', 'mysql://db/migawka', 'must be a postgres:// (or postgresql://) URL'],
    ['MIGAWKA_DB_POOL_MAX', '0', 'must be ≥ 1'],
    ['MIGAWKA_TEST_POSTGRES', 'yes', ''],
    ['MIGAWKA_AUTH_SECRET', 'short', 'at least 32 characters'],
    ['MIGAWKA_TRUSTED_PROXY', 'yes', ''],
    ['MIGAWKA_DEMO_ADMIN', 'admin@example.test', 'must be email:password'],
    ['MIGAWKA_DEMO_ADMIN', 'admin@example.test:short', 'at least 12 characters'],
    ['MIGAWKA_SIGN_IN_MAX_FAILURES', '0', 'must be ≥ 1'],
    ['MIGAWKA_SIGN_IN_LOCKOUT_MINUTES', 'ten', 'must be a whole number'],
    ['MIGAWKA_APPROVAL_EXPIRY_MINUTES', '0', 'must be ≥ 1'],
    ['MIGAWKA_OIDC_ISSUER', 'login.example.com', 'must be the issuer URL'],
    ['MIGAWKA_OIDC_ROLE_GROUPS', 'superuser=Admins', 'must be role=group pairs'],
    ['MIGAWKA_OIDC_RECHECK_MINUTES', '0', 'must be between 1 and 60 minutes'],
    ['MIGAWKA_OIDC_RECHECK_MINUTES', '120', 'must be between 1 and 60 minutes'],
    ['MIGAWKA_OIDC_GRACE_MINUTES', 'ten', 'must be a whole number of minutes'],
    ['MIGAWKA_OIDC_PROMPT', 'always', ''],
  ])('refuses %s=%s and names the variable', (variable, value, reason) => {
    const error = errorOf({ [variable]: value });
    expect(error.message).toContain(`${variable}=${JSON.stringify(value)}`);
    if (reason) expect(error.message).toContain(reason);
  });

  it('asks for every directory sign-in setting once one is given, never printing the client secret', () => {
    const { message } = errorOf({
      MIGAWKA_OIDC_ISSUER: 'https://login.example.com',
      MIGAWKA_OIDC_CLIENT_SECRET: 'hunter2',
    });
    expect(message).toContain(
      'MIGAWKA_OIDC_CLIENT_ID, MIGAWKA_OIDC_ROLE_GROUPS: needed for directory sign-in',
    );
    expect(message).not.toContain('hunter2');
  });

  it('never prints the password of a refused database URL', () => {
    const { message } = errorOf({ DATABASE_URL: 'mysql://migawka:hunter2@db/migawka' });
    expect(message).toContain('DATABASE_URL="mysql://migawka:***@db/migawka"');
    expect(message).not.toContain('hunter2');
  });

  it.each<[value: string, reason: string]>([
    ['not base64!', 'must be base64'],
    [Buffer.alloc(16, 1).toString('base64'), 'must decode to exactly 32 bytes'],
    [Buffer.alloc(33, 1).toString('base64'), 'must decode to exactly 32 bytes'],
  ])('refuses MIGAWKA_SECRET_KEY=%s without echoing it', (value, reason) => {
    const error = errorOf({ MIGAWKA_SECRET_KEY: value });
    expect(error.message).toContain('MIGAWKA_SECRET_KEY=');
    expect(error.message).toContain(reason);
    expect(error.message).not.toContain(value);
  });

  it('refuses a demo admin without the demo lab', () => {
    const { message } = errorOf({
      MIGAWKA_DEMO_ADMIN: 'a@example.test:long-enough-pw',
      MIGAWKA_SEED_DEMO: '0',
    });
    expect(message).toContain('MIGAWKA_DEMO_ADMIN: is for the demo lab only');
  });

  it('names every bad variable at once', () => {
    const { message } = errorOf({
      PORT: 'x',
      MIGAWKA_WORKER: '2',
      LOG_LEVEL: 'loud',
      MIGAWKA_DATA_DIR: '/ok',
    });
    expect(
      message
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split('=')[0]),
    ).toEqual(['PORT', 'MIGAWKA_WORKER', 'LOG_LEVEL']);
  });
});
