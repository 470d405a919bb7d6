/**
 * The one place that reads the environment. Every setting is parsed and validated once with zod;
 * a bad value stops the process with a message naming the variable. Everything else receives a
 * `MigawkaConfig` (or the part it needs) — nothing else reads `process.env`.
 */
import path from 'node:path';
import { z } from 'zod';
import { incompleteOidcSettings, type OidcConfig, oidcConfigOf, oidcEnvShape } from './config-oidc';
import { hostNameOf } from './edge';
import { CONSOLE_BATCH_SIZE } from './http-limits';

/** Directory sign-in's settings live beside (server/config-oidc.ts); its type is read from here like the rest. */
export type { OidcConfig } from './config-oidc';

const wholeNumberAtLeast = (min: number, why?: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((value) => value >= min, `must be ≥ ${min}${why ? ` (${why})` : ''}`);

const nonNegativeNumber = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, 'must be a non-negative number')
  .transform(Number);

const flag = z.enum(['0', '1']).transform((value) => value === '1');

/**
 * The vault's key as an operator writes it: 32 random bytes in base64 (`openssl rand -base64 32`).
 * Anything else is refused here, so a typo never becomes a weak key or a late decryption failure.
 */
const secretKey = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64 (for example the output of `openssl rand -base64 32`)')
  .transform((value) => Buffer.from(value, 'base64'))
  .refine(
    (bytes) => bytes.length === 32,
    'must decode to exactly 32 bytes (an AES-256 key); generate one with `openssl rand -base64 32`',
  );

/** "a, b ,," → ["a", "b"]: the entries of a comma-separated list, trimmed, the empty ones left out. */
const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean),
);

/** "a.example, B.example:8443" → ["a.example", "b.example"]: host names compare without port or case. */
const hostList = commaList.pipe(
  z.array(
    z
      .string()
      .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d+)?$/, 'must be host names separated by commas')
      .transform(hostNameOf),
  ),
);

/** "hv-prague-01, hv-prague-02" → inventory ids (a worker's placement: the hosts or arrays it takes). */
export const inventoryIdList = commaList.pipe(
  z.array(z.string().max(200)).min(1, 'must name at least one inventory id (comma-separated)'),
);

/** "https://migawka.example.com, http://10.0.0.5:3000" → exact origins (scheme://host[:port]). */
const originList = commaList.pipe(
  z.array(
    z
      .string()
      .refine(
        (entry) => URL.canParse(entry) && new URL(entry).origin === entry.replace(/\/$/, ''),
        'must be origins like https://migawka.example.com separated by commas',
      )
      .transform((entry) => new URL(entry).origin),
  ),
);

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const postgresUrl = z
  .string()
  .trim()
  .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// (or postgresql://) URL');

/** Raw variables; empty strings count as unset. */
const envSchema = z.object({
  PORT: wholeNumberAtLeast(1).optional(),
  DATABASE_URL: postgresUrl.optional(),
  MIGAWKA_DB_POOL_MAX: wholeNumberAtLeast(1).optional(),
  MIGAWKA_TEST_POSTGRES_URL: postgresUrl.optional(),
  MIGAWKA_TEST_POSTGRES: z.enum(['auto', '0', '1']).optional(),
  MIGAWKA_TEST_PROOF_OPERATIONS: wholeNumberAtLeast(1).optional(),
  MIGAWKA_DATA_DIR: z.string().optional(),
  MIGAWKA_DB_PATH: z.string().optional(),
  MIGAWKA_MIGRATIONS_DIR: z.string().optional(),
  MIGAWKA_SEED_DEMO: flag.optional(),
  MIGAWKA_WORKER: flag.optional(),
  MIGAWKA_QUERY_THREADS: wholeNumberAtLeast(0)
    .refine((value) => value <= 8, 'must be ≤ 8')
    .optional(),
  MIGAWKA_LAB_DIR: z.string().optional(),
  MIGAWKA_LAB_STEP_DELAY_MS: nonNegativeNumber.optional(),
  MIGAWKA_LAB_SCRIPT_TIME_SCALE: nonNegativeNumber.optional(),
  MIGAWKA_LAB_REPOSITORY_QUOTA_BYTES: nonNegativeNumber.optional(),
  MIGAWKA_LAB_WORKLOADS: flag.optional(),
  MIGAWKA_LIMIT_PER_HOST: wholeNumberAtLeast(1).optional(),
  MIGAWKA_LIMIT_PER_ARRAY: wholeNumberAtLeast(1).optional(),
  MIGAWKA_WORKER_CONCURRENCY: wholeNumberAtLeast(1).optional(),
  MIGAWKA_WORKER_LEASE_MS: wholeNumberAtLeast(1).optional(),
  MIGAWKA_WORKER_POLL_MS: wholeNumberAtLeast(1).optional(),
  MIGAWKA_WORKER_HOSTS: inventoryIdList.optional(),
  MIGAWKA_WORKER_ARRAYS: inventoryIdList.optional(),
  MIGAWKA_HOST: z.string().trim().min(1).optional(),
  MIGAWKA_ALLOWED_HOSTS: hostList.optional(),
  MIGAWKA_ALLOWED_ORIGINS: originList.optional(),
  MIGAWKA_MAX_REQUEST_BYTES: wholeNumberAtLeast(1024).optional(),
  MIGAWKA_MAX_IMPORT_BYTES: wholeNumberAtLeast(1024).optional(),
  MIGAWKA_MAX_BATCH_SIZE: wholeNumberAtLeast(
    CONSOLE_BATCH_SIZE,
    `the console batches up to ${CONSOLE_BATCH_SIZE} calls per request`,
  ).optional(),
  MIGAWKA_SECRET_KEY: secretKey.optional(),
  MIGAWKA_SECRET_KEY_FILE: z.string().optional(),
  MIGAWKA_AUTH_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters (e.g. `openssl rand -base64 32`)')
    .optional(),
  MIGAWKA_TRUSTED_PROXY: flag.optional(),
  MIGAWKA_DEMO_ADMIN: z
    .string()
    .regex(/^[^:\s]+@[^:\s]+:.{12,}$/, 'must be email:password, the password at least 12 characters')
    .optional(),
  MIGAWKA_SIGN_IN_MAX_FAILURES: wholeNumberAtLeast(1).optional(),
  MIGAWKA_SIGN_IN_LOCKOUT_MINUTES: wholeNumberAtLeast(1).optional(),
  MIGAWKA_APPROVAL_EXPIRY_MINUTES: wholeNumberAtLeast(1).optional(),
  ...oidcEnvShape,
  LOG_LEVEL: z.enum(LOG_LEVELS).optional(),
  NEXT_RUNTIME: z.string().optional(),
  NODE_ENV: z.string().optional(),
});

/** Which store implementation the process runs on. */
export type DatabaseConfig =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string; poolMax: number };

export interface MigawkaConfig {
  port: number;
  /** The address `npm start` binds: loopback unless the operator opens the console to the network. */
  host: string;
  /**
   * Who may talk to the console (server/edge.ts): the host names a request's Host header may carry
   * (lower-case, no port), and the origins besides the console's own that may send mutations/streams.
   */
  edge: { allowedHosts: string[]; allowedOrigins: string[] };
  dataDir: string;
  /**
   * DATABASE_URL=postgres://… selects PostgreSQL (several web nodes and workers on one database);
   * unset, the embedded SQLite file `dbPath`.
   */
  database: DatabaseConfig;
  dbPath: string;
  /** Explicit migrations folder; null = look beside the code (db/client.ts). */
  migrationsDir: string | null;
  seedDemo: boolean;
  /** Run the durable worker inside the web server (false: `migawka worker` runs it). */
  runWorkerInProcess: boolean;
  /** Threads that answer the estate's reads beside the main thread (server/query-threads; 0: none). */
  queryThreads: number;
  lab: {
    dir: string;
    stepDelayMs: number;
    scriptTimeScale: number;
    repositoryQuotaBytes: number | null;
    /**
     * Whether the process running the worker starts the lab VMs' workloads (each running VM's
     * disk written ten times a second). Off where several worker processes share one lab (the
     * scale-out proof): each would write every VM's disks, and a freeze in one would not stop
     * the writes of the others.
     */
    isWorkloadEnabled: boolean;
  };
  /**
   * `serves`: the hosts and arrays this process's worker takes (MIGAWKA_WORKER_HOSTS /
   * MIGAWKA_WORKER_ARRAYS, inventory ids; null = every one), for workers placed near their hosts.
   */
  worker: {
    concurrency: number;
    leaseMs: number;
    pollMs: number;
    serves: { hostIds: string[] | null; arrayIds: string[] | null };
  };
  limits: { perHost: number; perArray: number };
  http: { maxRequestBytes: number; maxImportBytes: number; maxBatchSize: number };
  /**
   * The vault's key: from MIGAWKA_SECRET_KEY when set (`key`), otherwise read from (or generated
   * into, mode 0600) `keyFile`; null = `secret.key` beside the database file.
   */
  secrets: { key: Buffer | null; keyFile: string | null };
  auth: AuthConfig;
  /** Four-eyes approval: how long a request waits for a second admin before it is rejected automatically. */
  approvals: { expiryMs: number };
  logLevel: (typeof LOG_LEVELS)[number];
  /** Next's runtime name ('nodejs' | 'edge'), when running inside Next. */
  nextRuntime: string | null;
  /** Under `next dev`: the pages' CSP must allow React's eval-based debug stacks. */
  isDevelopment: boolean;
  /**
   * A PostgreSQL server tests may create and drop throwaway databases on (maintenance database
   * URL); default the local trust-auth server.
   */
  testPostgresUrl: string;
  /**
   * Whether the PostgreSQL halves of the test suite run: 'required' (CI: an unreachable server
   * fails them), 'auto' (run when the server answers, else skipped with a notice), 'off'.
   */
  testPostgres: 'required' | 'auto' | 'off';
  /** Operations the multi-process scale-out proof runs (default 1,000, the issue's full proof; fewer for a quick run). */
  testProofOperations: number;
}

export const DEFAULT_TEST_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A value fit for an error message: a URL's password is never printed. */
function shown(variable: string, value: unknown): string {
  // The vault key is a secret: say how long the refused value was, never what it was.
  if (variable === 'MIGAWKA_SECRET_KEY' || variable === 'MIGAWKA_OIDC_CLIENT_SECRET')
    return `(${String(value ?? '').length} characters, not shown)`;
  if (typeof value === 'string' && /URL$/.test(variable)) {
    return JSON.stringify(value.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@'));
  }
  return JSON.stringify(value);
}

export interface AuthConfig {
  /** Signs session cookies; null = the key file beside the database (server/auth/secret.ts). */
  secret: string | null;
  /**
   * The console is reached through a reverse proxy that terminates HTTPS: session cookies are
   * marked Secure, and X-Forwarded-Proto / X-Forwarded-Host are believed.
   */
  trustedProxy: boolean;
  /** Demo lab only: an admin created at start when no account exists yet. */
  demoAdmin: { email: string; password: string } | null;
  /** Failed sign-ins in a row that lock an account, and for how long. */
  lockout: { maxFailures: number; minutes: number };
  /** Directory sign-in over OpenID Connect; null when not configured. */
  oidc: OidcConfig | null;
}

/** The app's lab latency makes progress visible in the console; tests build their drivers with 0. */
export const DEFAULT_LAB_STEP_DELAY_MS = 1500;
/**
 * Every request but the inventory import: a 10,000-VM backup with its acknowledgements is well under
 * a mebibyte, so 8 MiB leaves room without letting one client make the server buffer much.
 */
export const DEFAULT_MAX_REQUEST_BYTES = 8 * 1024 * 1024;
/**
 * Admits a 90,000-VM inventory with three disks per VM (≈100 MB of compact JSON, ≈115 MB as the
 * import request: the file travels as an escaped JSON string) while refusing bodies that would only
 * exhaust memory.
 */
export const DEFAULT_MAX_IMPORT_BYTES = 128 * 1024 * 1024;
export const DEFAULT_MAX_BATCH_SIZE = 20;
/**
 * One thread beside the main thread: the machines the console is sized for have two cores, and each
 * thread holds its own copy of the server's modules (~100 MB resident). docs/BENCHMARKS.md.
 */
export const DEFAULT_QUERY_THREADS = 1;
/** Four hours: long enough to find a second admin in a working day, short enough that the estate has not moved on. */
export const DEFAULT_APPROVAL_EXPIRY_MINUTES = 240;

/** Loopback: a fresh `npm start` is reachable from this machine only. */
export const DEFAULT_HOST = '127.0.0.1';
/** The loopback names a browser on this machine uses; the bound address is added to them. */
export const LOOPBACK_HOST_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** Wildcard bind addresses name no host a browser could use. */
function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/** The configured host names, else loopback plus the bound address (when it names one). */
function allowedHostsOf(configured: string[] | undefined, bound: string): string[] {
  if (configured?.length) return [...new Set(configured)];
  const names = [...LOOPBACK_HOST_NAMES];
  if (!isWildcard(bound)) names.push(hostNameOf(bound));
  return [...new Set(names)];
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Parses an environment (default: this process's); throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): MigawkaConfig {
  const present = Object.fromEntries(
    Object.entries(env).filter(
      ([key, value]) => key in envSchema.shape && value !== undefined && value !== '',
    ),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) =>
        `${String(issue.path[0])}=${shown(String(issue.path[0]), present[String(issue.path[0])])}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const vars = parsed.data;
  if (vars.MIGAWKA_DEMO_ADMIN && vars.MIGAWKA_SEED_DEMO === false) {
    throw new ConfigError(
      'Invalid configuration:\n  MIGAWKA_DEMO_ADMIN: is for the demo lab only; it cannot be used with MIGAWKA_SEED_DEMO=0',
    );
  }
  const oidcIncomplete = incompleteOidcSettings(vars);
  if (oidcIncomplete) throw new ConfigError(`Invalid configuration:\n  ${oidcIncomplete}`);
  const dataDir = vars.MIGAWKA_DATA_DIR ?? './data';
  const dbPath = vars.MIGAWKA_DB_PATH ?? path.join(dataDir, 'migawka.db');
  return {
    port: vars.PORT ?? 3000,
    host: vars.MIGAWKA_HOST ?? DEFAULT_HOST,
    edge: {
      allowedHosts: allowedHostsOf(vars.MIGAWKA_ALLOWED_HOSTS, vars.MIGAWKA_HOST ?? DEFAULT_HOST),
      allowedOrigins: [...new Set(vars.MIGAWKA_ALLOWED_ORIGINS ?? [])],
    },
    dataDir,
    database: vars.DATABASE_URL
      ? { kind: 'postgres', url: vars.DATABASE_URL, poolMax: vars.MIGAWKA_DB_POOL_MAX ?? 10 }
      : { kind: 'sqlite', path: dbPath },
    dbPath,
    migrationsDir: vars.MIGAWKA_MIGRATIONS_DIR ?? null,
    seedDemo: vars.MIGAWKA_SEED_DEMO ?? true,
    runWorkerInProcess: vars.MIGAWKA_WORKER ?? true,
    queryThreads: vars.MIGAWKA_QUERY_THREADS ?? DEFAULT_QUERY_THREADS,
    lab: {
      dir: vars.MIGAWKA_LAB_DIR ?? path.join(dataDir, 'lab'),
      stepDelayMs: vars.MIGAWKA_LAB_STEP_DELAY_MS ?? DEFAULT_LAB_STEP_DELAY_MS,
      scriptTimeScale: vars.MIGAWKA_LAB_SCRIPT_TIME_SCALE ?? 1,
      repositoryQuotaBytes: vars.MIGAWKA_LAB_REPOSITORY_QUOTA_BYTES ?? null,
      isWorkloadEnabled: vars.MIGAWKA_LAB_WORKLOADS ?? true,
    },
    worker: {
      concurrency: vars.MIGAWKA_WORKER_CONCURRENCY ?? 2,
      leaseMs: vars.MIGAWKA_WORKER_LEASE_MS ?? 15_000,
      pollMs: vars.MIGAWKA_WORKER_POLL_MS ?? 500,
      serves: { hostIds: vars.MIGAWKA_WORKER_HOSTS ?? null, arrayIds: vars.MIGAWKA_WORKER_ARRAYS ?? null },
    },
    limits: {
      perHost: vars.MIGAWKA_LIMIT_PER_HOST ?? 2,
      perArray: vars.MIGAWKA_LIMIT_PER_ARRAY ?? 2,
    },
    http: {
      maxRequestBytes: vars.MIGAWKA_MAX_REQUEST_BYTES ?? DEFAULT_MAX_REQUEST_BYTES,
      maxImportBytes: vars.MIGAWKA_MAX_IMPORT_BYTES ?? DEFAULT_MAX_IMPORT_BYTES,
      maxBatchSize: vars.MIGAWKA_MAX_BATCH_SIZE ?? DEFAULT_MAX_BATCH_SIZE,
    },
    secrets: {
      key: vars.MIGAWKA_SECRET_KEY ?? null,
      keyFile: vars.MIGAWKA_SECRET_KEY_FILE ?? null,
    },
    auth: {
      secret: vars.MIGAWKA_AUTH_SECRET ?? null,
      trustedProxy: vars.MIGAWKA_TRUSTED_PROXY ?? false,
      demoAdmin: vars.MIGAWKA_DEMO_ADMIN ? splitCredentials(vars.MIGAWKA_DEMO_ADMIN) : null,
      lockout: {
        maxFailures: vars.MIGAWKA_SIGN_IN_MAX_FAILURES ?? 5,
        minutes: vars.MIGAWKA_SIGN_IN_LOCKOUT_MINUTES ?? 15,
      },
      oidc: oidcConfigOf(vars),
    },
    approvals: {
      expiryMs: (vars.MIGAWKA_APPROVAL_EXPIRY_MINUTES ?? DEFAULT_APPROVAL_EXPIRY_MINUTES) * 60_000,
    },
    logLevel: vars.LOG_LEVEL ?? 'info',
    nextRuntime: vars.NEXT_RUNTIME ?? null,
    testPostgresUrl: vars.MIGAWKA_TEST_POSTGRES_URL ?? DEFAULT_TEST_POSTGRES_URL,
    testPostgres: ({ '1': 'required', '0': 'off', auto: 'auto' } as const)[
      vars.MIGAWKA_TEST_POSTGRES ?? 'auto'
    ],
    testProofOperations: vars.MIGAWKA_TEST_PROOF_OPERATIONS ?? 1000,
    isDevelopment: vars.NODE_ENV === 'development',
  };
}

/** "email:password" → both parts (the password may itself contain ':'). */
function splitCredentials(value: string): { email: string; password: string } {
  const colon = value.indexOf(':');
  return { email: value.slice(0, colon).toLowerCase(), password: value.slice(colon + 1) };
}

const holder = globalThis as typeof globalThis & { __migawkaConfig?: MigawkaConfig };

/** This process's configuration, parsed on first use. */
export function getConfig(): MigawkaConfig {
  holder.__migawkaConfig ??= loadConfig();
  return holder.__migawkaConfig;
}

/**
 * Replaces this process's configuration (tests that run the process-wide wiring — instrumentation,
 * the route handlers — against a database of their own); null forgets it, so the next use reads
 * the environment again.
 */
export function replaceConfigForTests(config: MigawkaConfig | null): void {
  holder.__migawkaConfig = config ?? undefined;
}
