import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, sqliteOf } from '../db/client';
import { createSqliteStores } from '../db/stores/sqlite';
import { createServiceContext } from './context';
import { createLogger } from './logger';
import { generateVaultKey } from './services/vault-crypto';
import { keyFileSource } from './services/vault-key';
import { createSecret, revealSecret } from './services/vault-service';
import { makeTempDir } from './test-support';

const repoRoot = path.resolve(import.meta.dirname, '..');
const PLANTED = 'planted-cli-secret-77d0';

let dir: ReturnType<typeof makeTempDir>;
let dbPath: string;
let keyFile: string;
beforeEach(() => {
  dir = makeTempDir('secrets-cli');
  dbPath = path.join(dir.path, 'migawka.db');
  keyFile = path.join(dir.path, 'secret.key');
});
afterEach(() => dir.remove());

function migawka(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'bin/migawka.mjs'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, MIGAWKA_DATA_DIR: dir.path, MIGAWKA_DB_PATH: dbPath, LOG_LEVEL: 'info', ...env },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function withVault<T>(work: (vault: ReturnType<typeof open>) => Promise<T>): Promise<T> {
  const vault = open();
  try {
    return await work(vault);
  } finally {
    sqliteOf(vault.db).close();
  }
}

function open() {
  const db = openDatabase(dbPath);
  return {
    db,
    stores: createSqliteStores(db),
    ctx: createServiceContext({ log: createLogger('silent') }),
    keys: keyFileSource(keyFile),
  };
}

function rows() {
  const db = openDatabase(dbPath);
  try {
    return sqliteOf(db).prepare('select * from secrets order by id').all();
  } finally {
    sqliteOf(db).close();
  }
}

describe('migawka secrets', () => {
  it('rotate re-encrypts every secret under a new key file and says where it is; list shows metadata only', async () => {
    await withVault(async ({ stores, ctx, keys }) => {
      await createSecret(stores, ctx, keys, {
        name: 'xen a',
        kind: 'password',
        username: 'root',
        secret: PLANTED,
      });
      await createSecret(stores, ctx, keys, {
        name: 'eql',
        kind: 'password',
        username: 'grpadmin',
        secret: 'b',
      });
    });
    const oldKey = readFileSync(keyFile, 'utf8');

    const rotated = migawka(['secrets', 'rotate']);
    expect(rotated.stderr).toBe('');
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/^Re-encrypted 2 secrets under key [0-9a-f]{16} \(was [0-9a-f]{16}\)\./);
    expect(rotated.stdout).toContain(`The new key is in ${keyFile}`);
    expect(rotated.stdout).toContain('Back this file up now');
    expect(readFileSync(keyFile, 'utf8')).not.toBe(oldKey);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    await withVault(async ({ stores, ctx, keys }) => {
      expect((await revealSecret(stores, ctx, keys, 'xen a')).value).toBe(PLANTED);
    });

    const listed = migawka(['secrets', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('xen a  password  user root');
    expect(listed.stdout).toContain('2 secrets.');
    // No connection was saved with it: it is bound by its first one (server/engine/secret-binding.ts).
    expect(listed.stdout).toContain('used with no address yet');
    expect(listed.stdout).not.toContain('NOT the configured key');
    for (const output of [rotated, listed]) expect(output.stdout + output.stderr).not.toContain(PLANTED);
    await withVault(async ({ stores }) => {
      const [entry] = (await stores.audit.list({}, { limit: 5, cursor: null })).items;
      expect(entry).toMatchObject({
        action: 'secrets.rotateKey',
        outcome: 'succeeded',
        actorLabel: 'system',
      });
      expect(entry?.message).toMatch(
        /^Re-encrypted 2 secrets under key [0-9a-f]{16} .* from the command line by OS user /,
      );
    });
  });

  it('rotate under the wrong MIGAWKA_SECRET_KEY exits 1 with a clear message and changes nothing', async () => {
    await withVault(async ({ stores, ctx, keys }) => {
      await createSecret(stores, ctx, keys, {
        name: 'xen a',
        kind: 'password',
        username: null,
        secret: PLANTED,
      });
    });
    const before = rows();
    const wrongKey = generateVaultKey().bytes.toString('base64');
    const result = migawka(['secrets', 'rotate'], { MIGAWKA_SECRET_KEY: wrongKey });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Secret "xen a" was sealed under vault key');
    expect(result.stderr).toContain(
      'set MIGAWKA_SECRET_KEY (or the key file) to the key the secrets were stored with',
    );
    expect(result.stderr).not.toContain('    at ');
    expect(rows()).toEqual(before);
    expect(existsSync(`${keyFile}.new`)).toBe(false);
    await withVault(async ({ stores }) => {
      const [entry] = (await stores.audit.list({}, { limit: 5, cursor: null })).items;
      expect(entry).toMatchObject({ action: 'secrets.rotateKey', outcome: 'refused' });
      expect(entry?.message).toContain('Secret "xen a" was sealed under vault key');
    });

    const listed = migawka(['secrets', 'list'], { MIGAWKA_SECRET_KEY: wrongKey });
    expect(listed.stdout).toContain('(NOT the configured key)');
  });

  it('a malformed MIGAWKA_SECRET_KEY stops the command naming the variable, not its value', () => {
    const result = migawka(['secrets', 'list'], { MIGAWKA_SECRET_KEY: 'c2hvcnQ=' });
    // A bad setting is bad input, as every command says it (exit 2, server/cli.ts).
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('MIGAWKA_SECRET_KEY=');
    expect(result.stderr).toContain('must decode to exactly 32 bytes');
    expect(result.stderr).not.toContain('c2hvcnQ=');
  });
});
