/**
 * After the whole run: the planted vault secret (e2e/audit.spec.ts) appears nowhere in the server's
 * log of the run, nor in the database files (where it is stored encrypted). The log must hold the
 * server's start line, so an empty or missing log cannot pass for a clean one. Then the audit
 * trail the whole run wrote is checked with the operator's own command, `migawka audit verify`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { E2E_SERVER_INFO, E2E_SERVER_LOG, PLANTED_SECRET } from './fixtures/planted-secret';

export default function globalTeardown(): void {
  const log = readFileSync(E2E_SERVER_LOG, 'utf8');
  if (!log.includes('database ready')) {
    throw new Error(`${E2E_SERVER_LOG} does not hold the server's log (no "database ready" line)`);
  }
  const places = [{ name: E2E_SERVER_LOG, text: log }];
  const { dataDir } = JSON.parse(readFileSync(E2E_SERVER_INFO, 'utf8')) as { dataDir: string };
  for (const name of readdirSync(dataDir)) {
    const file = path.join(dataDir, name);
    if (statSync(file).isFile()) places.push({ name: file, text: readFileSync(file, 'latin1') });
  }
  const leaks = places.filter((place) => place.text.includes(PLANTED_SECRET)).map((place) => place.name);
  if (leaks.length > 0) throw new Error(`The planted vault secret leaked in clear into: ${leaks.join(', ')}`);
  verifyAuditTrailOf(dataDir);
}

/** Every sign-in, mutation and approval of the run, chained: one edited row would fail this. */
function verifyAuditTrailOf(dataDir: string): void {
  const verify = spawnSync(process.execPath, ['bin/migawka.mjs', 'audit', 'verify'], {
    encoding: 'utf8',
    env: { ...process.env, MIGAWKA_DATA_DIR: dataDir, MIGAWKA_DB_PATH: path.join(dataDir, 'migawka.db') },
  });
  if (verify.status !== 0 || !verify.stdout.includes('Audit trail intact')) {
    throw new Error(
      `migawka audit verify failed on the e2e run's database:\n${verify.stdout}${verify.stderr}`,
    );
  }
  console.log(verify.stdout.trim());
}
