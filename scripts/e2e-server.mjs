// Starts the built console for the Playwright suite on a fresh, throw-away data directory. The
// server's output is also written to reports/e2e-server.log (and the data directory named in
// reports/e2e-server.json) so the global teardown can check that no secret leaked into either.
//
// E2E_POSTGRES=1 runs the console on PostgreSQL instead: a throwaway database is created on
// MIGAWKA_TEST_POSTGRES_URL (default the local trust-auth server), handed to the server as
// DATABASE_URL, and dropped when the server exits (or by the next run on the same port). (A DATABASE_URL already set is used as it is.)
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import users from '../e2e/fixtures/users.json' with { type: 'json' };

const port = process.argv[2] ?? '3100';
const postgres = process.env.E2E_POSTGRES === '1' ? await createThrowawayDatabase() : null;

/** A new, empty database on the test server, named after this process; returns its URL and drop(). */
async function createThrowawayDatabase() {
  const { default: pg } = await import('pg');
  const server = process.env.MIGAWKA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  // Named after the port, not the pid: Playwright may end this script with SIGKILL before it drops
  // the database, and the next run on the same port drops what that one left.
  const name = `migawka_e2e_${port}`;
  const admin = async (statement) => {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
const dataDir = mkdtempSync(path.join(tmpdir(), 'migawka-e2e-'));
mkdirSync('reports', { recursive: true });
writeFileSync('reports/e2e-server.json', JSON.stringify({ dataDir }));
const log = createWriteStream('reports/e2e-server.log');
// The console as `npm start` serves it (scripts/start.mjs), without the build `npm start` runs first.
const child = spawn(process.execPath, ['scripts/start.mjs'], {
  stdio: ['inherit', 'pipe', 'pipe'],
  env: {
    ...process.env,
    PORT: port,
    MIGAWKA_HOST: '127.0.0.1',
    MIGAWKA_DATA_DIR: dataDir,
    MIGAWKA_DB_PATH: path.join(dataDir, 'migawka.db'),
    // Slow enough that an operator (and a test) can watch steps progress and cancel mid-way.
    MIGAWKA_LAB_STEP_DELAY_MS: process.env.MIGAWKA_LAB_STEP_DELAY_MS ?? '400',
    NEXT_TELEMETRY_DISABLED: '1',
    // The suite's admin (e2e/auth.setup.ts signs in as it and creates the other roles' users).
    MIGAWKA_DEMO_ADMIN: `${users.admin.email}:${users.admin.password}`,
    ...(postgres ? { DATABASE_URL: postgres.url } : {}),
  },
});
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  log.write(chunk);
});
child.stderr.on('data', (chunk) => {
  process.stderr.write(chunk);
  log.write(chunk);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) =>
  log.end(async () => {
    await postgres
      ?.drop()
      .catch((error) => console.error(`could not drop the e2e database: ${error.message}`));
    process.exit(code ?? 0);
  }),
);
