import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import superjson from 'superjson';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProcessDatabase } from '../../../db/process-database';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { revealSecret } from '../../services/vault-service';
import { openEmptyOn } from '../../test-rows';
import { rejectionOf, signedIn } from '../../test-support';
import { createTrpcHttpHandler } from '../http-handler';
import { fieldErrorsOf } from '../init';
import { createCaller } from '../root';

const PLANTED = 'planted-trpc-secret-93b1';

const dialects = await storeDialects('routersecrets');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let db: ProcessDatabase;
    let closeDb: () => Promise<void>;
    beforeEach(async () => {
      ({ database: db, close: closeDb } = await openEmptyOn(dialect));
    });
    afterEach(async () => {
      await closeDb();
    });

    describe('secrets procedures', () => {
      it('store, list, replace and delete a credential, answering with metadata only, over HTTP too', async () => {
        const handle = createTrpcHttpHandler({
          maxRequestBytes: 1 << 20,
          maxImportBytes: 1 << 20,
          maxBatchSize: 10,
          edge: { allowedHosts: ['localhost'], allowedOrigins: [] },
          createContext: () => signedIn(db),
        });
        const post = async (procedure: string, input: unknown) => {
          const response = await handle(
            new Request(`http://localhost/api/trpc/${procedure}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(superjson.serialize(input)),
            }),
          );
          return { status: response.status, text: await response.text() };
        };
        const created = await post('secrets.create', {
          name: 'xen pool a',
          kind: 'password',
          username: 'root',
          secret: PLANTED,
        });
        expect(created.status).toBe(200);
        expect(created.text).toContain('xen pool a');
        expect(created.text).not.toContain(PLANTED);
        const id = superjson.deserialize<{ id: string }>(JSON.parse(created.text).result.data).id;

        const listed = await handle(new Request('http://localhost/api/trpc/secrets.list'));
        const listText = await listed.text();
        expect(listText).toContain('xen pool a');
        expect(listText).not.toContain(PLANTED);

        const replaced = await post('secrets.replace', { id, secret: `${PLANTED}-2` });
        expect(replaced.status).toBe(200);
        expect(replaced.text).not.toContain(PLANTED);

        const ctx = signedIn(db);
        expect((await revealSecret(ctx.stores, ctx.service, ctx.vaultKeys, 'xen pool a')).value).toBe(
          `${PLANTED}-2`,
        );

        const deleted = await post('secrets.delete', { id });
        expect(deleted.status).toBe(200);
        expect(await createCaller(signedIn(db)).secrets.list()).toEqual([]);
      });

      it('refuses an incomplete credential naming each field, and a taken name', async () => {
        const caller = createCaller(signedIn(db));
        const error = await rejectionOf(() =>
          caller.secrets.create({ name: ' ', kind: 'telnet' as 'password', username: null, secret: '' }),
        );
        expect(fieldErrorsOf(error).map((f) => f.path)).toEqual(['name', 'kind', 'secret']);
        await caller.secrets.create({ name: 'a', kind: 'api-token', secret: PLANTED });
        const taken = await rejectionOf(() =>
          caller.secrets.create({ name: 'a', kind: 'api-token', secret: 'x' }),
        );
        expect(taken.code).toBe('CONFLICT');
        expect(fieldErrorsOf(taken)).toEqual([
          { path: 'name', message: 'A secret named "a" already exists' },
        ]);
      });

      it('no tRPC module can reveal a value: only drivers and the worker import revealSecret', () => {
        const trpcDir = path.resolve(__dirname, '..');
        const files = readdirSync(trpcDir, { recursive: true, encoding: 'utf8' }).filter(
          (file) => file.endsWith('.ts') && !file.endsWith('.test.ts'),
        );
        expect(files.length).toBeGreaterThan(5);
        for (const file of files) {
          expect(readFileSync(path.join(trpcDir, file), 'utf8'), file).not.toMatch(
            /\brevealSecret\b|\bopenValue\b/,
          );
        }
      });
    });
  });
});
