import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqliteOf } from '../../db/client';
import { type DialectHandle, storeDialects } from '../../db/stores/contract/dialects';
import type { SecretMetadata, Stores } from '../../db/stores/ports';
import { createServiceContext, type ServiceContext } from '../context';
import { createLogger } from '../logger';
import { createSecretInput } from '../schemas/secrets';
import { processDatabaseOf, rowsOf } from '../test-rows';
import { makeTempDir } from '../test-support';
import { DomainError } from './errors';
import { generateVaultKey, VaultError } from './vault-crypto';
import { environmentKeySource, keyFileSource, memoryKeySource, VaultKeyError } from './vault-key';
import {
  createSecret,
  deleteSecret,
  listSecrets,
  replaceSecretValue,
  revealSecret,
  rotateVaultKey,
} from './vault-service';

/** A value that must never appear anywhere but in what revealSecret returns. */
const PLANTED = 'planted-Xq7!vault-secret-4e1f';
const T0 = new Date('2026-03-01T08:00:00Z');

let handle: DialectHandle;
let stores: Stores;
let dir: ReturnType<typeof makeTempDir>;
let logLines: string[];
let ctx: ServiceContext;

const dialects = await storeDialects('vaultservice');

beforeEach(() => {
  dir = makeTempDir('vault');
  logLines = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  let n = 0;
  ctx = createServiceContext({
    now: () => T0,
    newId: () => `secret-${++n}`,
    log: createLogger('debug', sink),
  });
});
afterEach(() => {
  dir.remove();
  // Every test leaves the planted value out of the log, whatever it did.
  expect(logLines.join('')).not.toContain(PLANTED);
});

const input = (name: string, secret = PLANTED) =>
  createSecretInput.parse({ name, kind: 'password', username: 'root', secret });

/** The secrets table as stored, column by column, in the database's own types. */
async function rawRows(): Promise<Record<string, unknown>[]> {
  return query('select * from secrets order by id', []);
}

/** One statement in the database's own SQL (`?` placeholders, numbered for PostgreSQL). */
async function query(text: string, params: unknown[]): Promise<Record<string, unknown>[]> {
  if (handle.dialect === 'sqlite') {
    const statement = sqliteOf(handle.db).prepare(text);
    if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
    statement.run(...params);
    return [];
  }
  let n = 0;
  return (
    await handle.pg.pool.query(
      text.replace(/\?/g, () => `$${++n}`),
      params,
    )
  ).rows;
}

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    beforeEach(async () => {
      handle = await dialect.open();
      stores = handle.stores;
    });
    afterEach(async () => {
      await handle.close();
    });
    describe('the vault', () => {
      it('seals a value (never stored in clear, a fresh IV each time) and reveals it to a driver, recording the use', async () => {
        const keys = memoryKeySource();
        const first = await createSecret(stores, ctx, keys, input('xen pool a'));
        await createSecret(stores, ctx, keys, input('xen pool b'));
        expect(first).toMatchObject({
          name: 'xen pool a',
          kind: 'password',
          username: 'root',
          createdBy: 'system',
        });
        const rows = await rawRows();
        expect(JSON.stringify(rows)).not.toContain(PLANTED);
        expect(rows[0]?.iv).not.toBe(rows[1]?.iv);
        expect(rows[0]?.ciphertext).not.toBe(rows[1]?.ciphertext);

        const later = new Date('2026-03-01T09:00:00Z');
        const revealed = await revealSecret(stores, { ...ctx, now: () => later }, keys, 'xen pool a');
        expect(revealed.value).toBe(PLANTED);
        expect(revealed.metadata).not.toHaveProperty('sealed');
        expect((await revealSecret(stores, ctx, keys, first.id)).metadata.name).toBe('xen pool a');
        const listed = await listSecrets(stores, keys);
        expect(listed.map((s) => [s.name, s.sealedUnderCurrentKey])).toEqual([
          ['xen pool a', true],
          ['xen pool b', true],
        ]);
        expect(JSON.stringify(listed)).not.toContain(PLANTED);
        expect(listed[0]?.lastUsedAt).toEqual(T0);
        expect(listed[1]?.lastUsedAt).toBeNull();
      });

      it('refuses a second secret with the same name, naming the field', async () => {
        const keys = memoryKeySource();
        await createSecret(stores, ctx, keys, input('array admin'));
        const error = await createSecret(stores, ctx, keys, input('array admin', 'other')).catch((e) => e);
        expect(error).toBeInstanceOf(DomainError);
        expect(error).toMatchObject({ code: 'CONFLICT', fieldErrors: [{ path: 'name' }] });
      });

      it('replaces a value and deletes a secret; unknown secrets are named as missing', async () => {
        const keys = memoryKeySource();
        const stored = await createSecret(stores, ctx, keys, input('array admin', 'old-password'));
        const replaced = await replaceSecretValue(stores, ctx, keys, { id: stored.id, secret: PLANTED });
        expect(replaced.updatedAt).toEqual(T0);
        expect((await revealSecret(stores, ctx, keys, stored.id)).value).toBe(PLANTED);
        await expect(
          replaceSecretValue(stores, ctx, keys, { id: 'nope', secret: 'x' }),
        ).rejects.toMatchObject({
          code: 'NOT_FOUND',
        });
        expect(await deleteSecret(stores, ctx, stored.id)).toEqual({ id: stored.id, name: 'array admin' });
        await expect(deleteSecret(stores, ctx, stored.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
        await expect(revealSecret(stores, ctx, keys, 'array admin')).rejects.toMatchObject({
          code: 'NOT_FOUND',
        });
      });

      it('refuses to delete a secret a connection signs in with, naming it, and keeps the secret', async () => {
        const stored = await createSecret(stores, ctx, memoryKeySource(), input('array admin'));
        await stores.arrayConnections.insert({
          id: 'arr-1',
          name: 'ontap-prod',
          vendor: 'ontap',
          address: 'ontap.example',
          secretId: stored.id,
          stagingTarget: null,
          createdAt: T0,
          createdBy: 'user:1',
        });
        const refusal = await deleteSecret(stores, ctx, stored.id).catch((e) => e);
        expect(refusal).toMatchObject({
          code: 'CONFLICT',
          message: expect.stringContaining(
            'Secret "array admin" is still used by the account of storage array "ontap-prod"',
          ),
        });
        expect((await stores.secrets.list()).map((secret) => secret.name)).toEqual(['array admin']);
        await stores.arrayConnections.delete('arr-1');
        expect(await deleteSecret(stores, ctx, stored.id)).toEqual({ id: stored.id, name: 'array admin' });
      });

      it('refuses to open a value under the wrong key with a message naming both keys, and changes nothing', async () => {
        const right = memoryKeySource();
        const stored = await createSecret(stores, ctx, right, input('array admin'));
        const before = await rawRows();
        const wrong = memoryKeySource();
        const error = await revealSecret(stores, ctx, wrong, 'array admin').catch((e) => e);
        expect(error).toBeInstanceOf(VaultError);
        expect(error.reason).toBe('wrong-key');
        expect(error.message).toContain('"array admin"');
        expect(error.message).toContain(right.read()?.id);
        expect(error.message).toContain(wrong.read()?.id);
        expect(error.message).not.toContain(PLANTED);
        expect(await rawRows()).toEqual(before);
        expect((await listSecrets(stores, wrong))[0]?.sealedUnderCurrentKey).toBe(false);
        expect((await revealSecret(stores, ctx, right, stored.id)).value).toBe(PLANTED);
      });

      it.each<[what: string, column: 'ciphertext' | 'iv' | 'auth_tag']>([
        ['a flipped ciphertext byte', 'ciphertext'],
        ['another IV', 'iv'],
        ['another authentication tag', 'auth_tag'],
      ])('refuses a value with %s', async (_what, column) => {
        const keys = memoryKeySource();
        const stored = await createSecret(stores, ctx, keys, input('array admin'));
        const original = Buffer.from(String((await rawRows())[0]?.[column]), 'base64');
        original[0] = (original[0] ?? 0) ^ 0x01;
        await query(`update secrets set ${column} = ? where id = ?`, [
          original.toString('base64'),
          stored.id,
        ]);
        const error = await revealSecret(stores, ctx, keys, stored.id).catch((e) => e);
        expect(error).toBeInstanceOf(VaultError);
        expect(error.reason).toBe('tampered');
        expect(error.message).toContain('"array admin"');
      });

      it("refuses another secret's ciphertext copied onto a row (the id is authenticated)", async () => {
        const keys = memoryKeySource();
        const a = await createSecret(stores, ctx, keys, input('a', 'value-a'));
        const b = await createSecret(stores, ctx, keys, input('b', PLANTED));
        const rows = rowsOf(processDatabaseOf(handle));
        const row = (await rows.all('secrets')).find((secret) => secret.id === b.id);
        await rows.update('secrets', a.id, {
          ciphertext: row?.ciphertext,
          iv: row?.iv,
          authTag: row?.authTag,
        });
        await expect(revealSecret(stores, ctx, keys, a.id)).rejects.toMatchObject({ reason: 'tampered' });
      });
    });

    describe('the key file', () => {
      it('is generated on first use with mode 0600 and read back by the next process', async () => {
        const file = path.join(dir.path, 'secret.key');
        const keys = keyFileSource(file);
        expect(keys.read()).toBeNull();
        await createSecret(stores, ctx, keys, input('array admin'));
        expect(statSync(file).mode & 0o777).toBe(0o600);
        expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toHaveLength(32);
        expect((await revealSecret(stores, ctx, keyFileSource(file), 'array admin')).value).toBe(PLANTED);
      });

      it('is refused when other users can read it, or when it holds no key', () => {
        const file = path.join(dir.path, 'secret.key');
        keyFileSource(file).readOrCreate();
        chmodSync(file, 0o644);
        expect(() => keyFileSource(file).read()).toThrow(VaultKeyError);
        expect(() => keyFileSource(file).read()).toThrow(`chmod 600 ${file}`);
        writeFileSync(file, 'not a key\n', { mode: 0o600 });
        chmodSync(file, 0o600);
        expect(() => keyFileSource(file).read()).toThrow(
          /does not hold a key: it must contain 32 bytes in base64/,
        );
      });

      it('without a key file, an existing secret cannot be opened and the message says where the key was looked for', async () => {
        const file = path.join(dir.path, 'secret.key');
        await createSecret(stores, ctx, keyFileSource(file), input('array admin'));
        const missing = keyFileSource(path.join(dir.path, 'elsewhere.key'));
        await expect(revealSecret(stores, ctx, missing, 'array admin')).rejects.toThrow(/elsewhere\.key/);
      });
    });

    describe('key rotation', () => {
      it('re-seals every secret under a new key file in one go; the old key no longer opens them', async () => {
        const file = path.join(dir.path, 'secret.key');
        const keys = keyFileSource(file);
        await createSecret(stores, ctx, keys, input('a', PLANTED));
        await createSecret(stores, ctx, keys, input('b', 'value-b'));
        const oldKey = keys.read();
        const before = await rawRows();

        const rotation = await rotateVaultKey(stores, ctx, keys);
        expect(rotation).toMatchObject({ resealed: 2, previousKeyId: oldKey?.id, keyLocation: file });
        expect(rotation.keyId).not.toBe(oldKey?.id);
        expect(rotation.instructions).toContain('Back this file up');
        expect(existsSync(`${file}.new`)).toBe(false);
        expect(statSync(file).mode & 0o777).toBe(0o600);

        const after = await rawRows();
        expect(after.map((r) => r.key_id)).toEqual([rotation.keyId, rotation.keyId]);
        expect(after.map((r) => r.ciphertext)).not.toEqual(before.map((r) => r.ciphertext));
        expect(after.map((r) => r.updated_at)).toEqual(before.map((r) => r.updated_at));
        expect((await revealSecret(stores, ctx, keyFileSource(file), 'a')).value).toBe(PLANTED);
        expect((await revealSecret(stores, ctx, keyFileSource(file), 'b')).value).toBe('value-b');
        await expect(
          revealSecret(stores, ctx, memoryKeySource(oldKey ?? undefined), 'a'),
        ).rejects.toMatchObject({
          reason: 'wrong-key',
        });
      });

      it('with the wrong key configured: refused with a clear error, nothing changed, no new key left behind', async () => {
        const file = path.join(dir.path, 'secret.key');
        await createSecret(stores, ctx, keyFileSource(file), input('a'));
        const otherFile = path.join(dir.path, 'other.key');
        const wrong = keyFileSource(otherFile);
        wrong.readOrCreate();
        const keyBefore = readFileSync(otherFile, 'utf8');
        const before = await rawRows();
        const error = await rotateVaultKey(stores, ctx, wrong).catch((e) => e);
        expect(error).toBeInstanceOf(VaultError);
        expect(error.reason).toBe('wrong-key');
        expect(error.message).toContain(
          'set MIGAWKA_SECRET_KEY (or the key file) to the key the secrets were stored with',
        );
        expect(await rawRows()).toEqual(before);
        expect(readFileSync(otherFile, 'utf8')).toBe(keyBefore);
        expect(existsSync(`${otherFile}.new`)).toBe(false);
      });

      it('with one tampered secret: refused, and every other secret stays under the old key', async () => {
        const keys = memoryKeySource();
        await createSecret(stores, ctx, keys, input('a'));
        const b = await createSecret(stores, ctx, keys, input('b', 'value-b'));
        await createSecret(stores, ctx, keys, input('c', 'value-c'));
        await query("update secrets set ciphertext = 'AAAA' || ciphertext where id = ?", [b.id]);
        const before = await rawRows();
        await expect(rotateVaultKey(stores, ctx, keys)).rejects.toMatchObject({ reason: 'tampered' });
        expect(await rawRows()).toEqual(before);
        expect((await revealSecret(stores, ctx, keys, 'c')).value).toBe('value-c');
      });

      it('refuses to start while an unfinished rotation left a new key file', async () => {
        const file = path.join(dir.path, 'secret.key');
        const keys = keyFileSource(file);
        await createSecret(stores, ctx, keys, input('a'));
        writeFileSync(`${file}.new`, 'left over', { mode: 0o600 });
        await expect(rotateVaultKey(stores, ctx, keys)).rejects.toThrow(
          /unfinished key rotation left .*secret\.key\.new/,
        );
      });

      it('under MIGAWKA_SECRET_KEY: writes the new key to a 0600 file and says to move it into the variable', async () => {
        const file = path.join(dir.path, 'secret.key');
        const keys = environmentKeySource(generateVaultKey(), file);
        await createSecret(stores, ctx, keys, input('a'));
        const rotation = await rotateVaultKey(stores, ctx, keys);
        expect(rotation.keyLocation).toBe(`${file}.new`);
        expect(rotation.instructions).toContain('Set MIGAWKA_SECRET_KEY to its content');
        expect(statSync(`${file}.new`).mode & 0o777).toBe(0o600);
        const next = keyFileSource(`${file}.new`).read();
        expect(next?.id).toBe(rotation.keyId);
        expect((await revealSecret(stores, ctx, memoryKeySource(next ?? undefined), 'a')).value).toBe(
          PLANTED,
        );
      });
    });

    describe('a key rotation meanwhile', () => {
      /**
       * The secret store, with `rotate` run just before the first write of a value: a rotation that
       * committed after this process read its key and sealed the value, before the value was written.
       */
      function rotatedBeforeWrite(rotate: () => Promise<unknown>): Pick<Stores, 'secrets'> {
        let rotation: (() => Promise<unknown>) | null = rotate;
        const target = stores.secrets;
        const beforeWrite =
          <A extends unknown[], R>(write: (...args: A) => Promise<R>) =>
          async (...args: A): Promise<R> => {
            const run = rotation;
            rotation = null;
            if (run) await run();
            return write(...args);
          };
        return {
          secrets: {
            ...target,
            get: (id) => target.get(id),
            list: () => target.list(),
            insert: beforeWrite((secret) => target.insert(secret)),
            replaceValue: beforeWrite((id, sealed, at, by) => target.replaceValue(id, sealed, at, by)),
          },
        };
      }

      const keyFile = () => path.join(dir.path, 'secret.key');
      const oldKey = generateVaultKey();
      /** This process's key source and another process's, which rotates; both start on `oldKey`. */
      const processes = {
        'the key file, read by both processes': () => {
          writeFileSync(keyFile(), `${oldKey.bytes.toString('base64')}\n`, { mode: 0o600 });
          return { ours: keyFileSource(keyFile()), theirs: keyFileSource(keyFile()) };
        },
        'MIGAWKA_SECRET_KEY, the new key still in the file the rotation wrote': () => ({
          ours: environmentKeySource(oldKey, keyFile()),
          theirs: environmentKeySource(oldKey, keyFile()),
        }),
      };

      it.each(
        Object.keys(processes).flatMap((setUp) => [
          { setUp, write: 'a new secret' },
          { setUp, write: 'a new value' },
        ]),
      )(
        '$setUp: $write sealed under the replaced key is sealed again under the new one',
        async ({ setUp, write }) => {
          const { ours, theirs } = processes[setUp as keyof typeof processes]();
          const existing = await createSecret(stores, ctx, ours, input('existing', 'value-e'));
          // A holder, not a variable: the rotation assigns it from inside the store call.
          const rotated: { keyId?: string } = {};
          const racing = rotatedBeforeWrite(async () => {
            rotated.keyId = (await rotateVaultKey(stores, ctx, theirs)).keyId;
          });
          const stored =
            write === 'a new secret'
              ? await createSecret(racing, ctx, ours, input('late', PLANTED))
              : await replaceSecretValue(racing, ctx, ours, { id: existing.id, secret: PLANTED });
          expect(rotated.keyId).toBeDefined();
          expect(stored.keyId).toBe(rotated.keyId);
          expect((await rawRows()).map((row) => row.key_id)).toEqual(
            (await rawRows()).map(() => rotated.keyId),
          );
          expect((await revealSecret(stores, ctx, ours, stored.id)).value).toBe(PLANTED);
        },
      );

      it('refuses, storing nothing, when this process cannot read the key that replaced its own', async () => {
        const ours = memoryKeySource(oldKey);
        await createSecret(stores, ctx, ours, input('existing', 'value-e'));
        const theirs = environmentKeySource(oldKey, keyFile());
        let newKeyId = '';
        const racing = rotatedBeforeWrite(async () => {
          newKeyId = (await rotateVaultKey(stores, ctx, theirs)).keyId;
        });
        const error = await createSecret(racing, ctx, ours, input('late', PLANTED)).catch((e) => e);
        expect(error).toBeInstanceOf(DomainError);
        expect(error.code).toBe('PRECONDITION_FAILED');
        expect(error.message).toContain('Secret "late" was not stored');
        expect(error.message).toContain(`vault key ${oldKey.id}`);
        expect(error.message).toContain(`replaced by key ${newKeyId}`);
        expect((await listSecrets(stores, ours)).map((secret) => secret.name)).toEqual(['existing']);
      });

      it('a secret stored while the rotation is re-sealing waits for it, then goes under the new key', async () => {
        const keys = memoryKeySource(oldKey);
        await createSecret(stores, ctx, keys, input('existing', 'value-e'));
        const during: { stored?: Promise<SecretMetadata> } = {};
        const target = stores.secrets;
        const rotating: Pick<Stores, 'secrets'> = {
          secrets: {
            ...target,
            resealAll: (reseal, change) =>
              target.resealAll((secret) => {
                // Started from inside the rotation's transaction: its read of the key sees the old one.
                during.stored ??= createSecret(stores, ctx, keys, input('during', PLANTED));
                return reseal(secret);
              }, change),
          },
        };
        const rotation = await rotateVaultKey(rotating, ctx, keys);
        const stored = await during.stored;
        expect(stored?.keyId).toBe(rotation.keyId);
        expect((await revealSecret(stores, ctx, keys, 'during')).value).toBe(PLANTED);
      });
    });
  });
});

describe('the process logger', () => {
  it('redacts secret-named fields at any of the first three levels', () => {
    const lines: string[] = [];
    const log = createLogger(
      'info',
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    log.info({ password: PLANTED }, 'top');
    log.info({ input: { secret: PLANTED, name: 'visible' } }, 'nested');
    log.info({ req: { body: { privateKey: PLANTED, apiKey: PLANTED, token: PLANTED } } }, 'deeper');
    log.info({ req: { headers: { cookie: PLANTED, authorization: PLANTED } } }, 'headers');
    const text = lines.join('');
    expect(text).not.toContain(PLANTED);
    expect(text).toContain('visible');
    expect(text.match(/\[redacted\]/g)).toHaveLength(7);
  });
});
