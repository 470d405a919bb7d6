/**
 * The SecretStore contract: names are unique, lists carry metadata only, a value replacement
 * records who and when, a re-seal of all secrets is all-or-nothing, and a key it replaced seals
 * nothing more.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SecretStore } from '../ports';
import type { KeyChange, NewSecret, SealedValue } from '../ports/secret-store';

export interface SecretStoreFixture {
  secrets: SecretStore;
  close(): Promise<void>;
}

const T0 = new Date('2026-03-01T00:00:00Z');
const T1 = new Date('2026-03-01T01:00:00Z');
/** The rotation of the tests: key-a, which every value is sealed under unless said, to key-b. */
const A_TO_B: KeyChange = { previousKeyId: 'key-a', nextKeyId: 'key-b', at: T1 };

function sealedOf(label: string, keyId = 'key-a'): SealedValue {
  return { ciphertext: `ct-${label}`, iv: `iv-${label}`, authTag: `tag-${label}`, keyId };
}

function secretOf(id: string, name: string, overrides: Partial<NewSecret> = {}): NewSecret {
  return {
    id,
    name,
    kind: 'password',
    username: 'root',
    sealed: sealedOf(id),
    createdAt: T0,
    createdBy: 'user:1',
    ...overrides,
  };
}

export function runSecretStoreContract(name: string, create: () => Promise<SecretStoreFixture>): void {
  describe(`SecretStore contract: ${name}`, () => {
    let fixture: SecretStoreFixture;
    let secrets: SecretStore;
    beforeEach(async () => {
      fixture = await create();
      secrets = fixture.secrets;
    });
    afterEach(async () => {
      await fixture.close();
    });

    it('stores a secret, reads it by id and by name, and lists metadata only, by name', async () => {
      const written = await secrets.insert(secretOf('s2', 'xen pool b'));
      await secrets.insert(secretOf('s1', 'xen pool a', { kind: 'ssh-private-key', username: null }));
      if (written.kind !== 'stored') throw new Error(`not stored: ${written.kind}`);
      const stored = written.secret;
      expect(stored).toEqual({
        id: 's2',
        name: 'xen pool b',
        kind: 'password',
        username: 'root',
        keyId: 'key-a',
        createdAt: T0,
        createdBy: 'user:1',
        updatedAt: T0,
        updatedBy: 'user:1',
        lastUsedAt: null,
      });
      expect(await secrets.get('s2')).toEqual({ ...stored, sealed: sealedOf('s2') });
      expect((await secrets.findByName('xen pool a'))?.id).toBe('s1');
      expect(await secrets.get('nope')).toBeNull();
      expect(await secrets.findByName('nope')).toBeNull();
      const list = await secrets.list();
      expect(list.map((s) => s.name)).toEqual(['xen pool a', 'xen pool b']);
      for (const item of list) expect(Object.keys(item)).not.toContain('sealed');
    });

    it('refuses a second secret with the same name and keeps the first', async () => {
      await secrets.insert(secretOf('s1', 'array admin'));
      await expect(
        secrets.insert(secretOf('s2', 'array admin', { sealed: sealedOf('other') })),
      ).rejects.toMatchObject({
        code: 'CONFLICT',
        message: 'A secret named "array admin" already exists',
      });
      expect(await secrets.get('s2')).toBeNull();
      expect((await secrets.findByName('array admin'))?.sealed).toEqual(sealedOf('s1'));
    });

    it('replaces a value recording who and when, and says when the secret does not exist', async () => {
      await secrets.insert(secretOf('s1', 'array admin'));
      const replaced = await secrets.replaceValue('s1', sealedOf('new', 'key-b'), T1, 'user:2');
      expect(replaced).toMatchObject({
        kind: 'stored',
        secret: { id: 's1', keyId: 'key-b', updatedAt: T1, updatedBy: 'user:2' },
      });
      expect((await secrets.get('s1'))?.sealed).toEqual(sealedOf('new', 'key-b'));
      expect(await secrets.replaceValue('nope', sealedOf('x'), T1, 'user:2')).toEqual({ kind: 'not-found' });
    });

    it('records when a secret was last used', async () => {
      await secrets.insert(secretOf('s1', 'array admin'));
      await secrets.markUsed('s1', T1);
      expect((await secrets.get('s1'))?.lastUsedAt).toEqual(T1);
    });

    it('deletes a secret once', async () => {
      await secrets.insert(secretOf('s1', 'array admin'));
      expect(await secrets.delete('s1')).toBe(true);
      expect(await secrets.delete('s1')).toBe(false);
      expect(await secrets.list()).toEqual([]);
    });

    it('binds a secret to endpoints once each, lists them by secret, and forgets them with the secret', async () => {
      await secrets.insert(secretOf('s1', 'hv admin'));
      await secrets.insert(secretOf('s2', 'array admin'));
      const bind = (secretId: string, endpoint: string, boundAt = T0, boundBy = 'user:1') =>
        secrets.bindEndpoint({ secretId, endpoint, boundAt, boundBy });
      await bind('s1', 'hv-02.lab:22');
      await bind('s1', 'hv-01.lab:22');
      // Bound again: the first binding (when, by whom) stays.
      await bind('s1', 'hv-01.lab:22', T1, 'user:2');
      await bind('s2', 'cluster1.lab:443');
      // A secret that does not exist (deleted meanwhile) binds nothing.
      await bind('gone', 'hv-01.lab:22');
      const first = { boundAt: T0, boundBy: 'user:1' };
      expect(await secrets.listEndpoints(['s1'])).toEqual([
        { secretId: 's1', endpoint: 'hv-01.lab:22', ...first },
        { secretId: 's1', endpoint: 'hv-02.lab:22', ...first },
      ]);
      expect((await secrets.listEndpoints()).map((row) => `${row.secretId} ${row.endpoint}`)).toEqual([
        's1 hv-01.lab:22',
        's1 hv-02.lab:22',
        's2 cluster1.lab:443',
      ]);
      expect(await secrets.listEndpoints([])).toEqual([]);
      expect(await secrets.delete('s1')).toBe(true);
      expect((await secrets.listEndpoints()).map((row) => row.secretId)).toEqual(['s2']);
    });

    it('re-seals every secret, leaving when the value last changed as it was', async () => {
      await secrets.insert(secretOf('s1', 'a'));
      await secrets.insert(secretOf('s2', 'b'));
      const seen: string[] = [];
      const count = await secrets.resealAll((secret) => {
        seen.push(secret.id);
        expect(secret.sealed).toEqual(sealedOf(secret.id));
        return sealedOf(`${secret.id}-2`, 'key-b');
      }, A_TO_B);
      expect(count).toBe(2);
      expect(seen.sort()).toEqual(['s1', 's2']);
      expect(await secrets.get('s1')).toMatchObject({
        keyId: 'key-b',
        sealed: sealedOf('s1-2', 'key-b'),
        updatedAt: T0,
        updatedBy: 'user:1',
      });
    });

    it('re-seals nothing when one secret cannot be re-sealed', async () => {
      await secrets.insert(secretOf('s1', 'a'));
      await secrets.insert(secretOf('s2', 'b'));
      await secrets.insert(secretOf('s3', 'c'));
      let calls = 0;
      await expect(
        secrets.resealAll((secret) => {
          calls++;
          if (calls === 2) throw new Error(`cannot open ${secret.name}`);
          return sealedOf(`${secret.id}-2`, 'key-b');
        }, A_TO_B),
      ).rejects.toThrow(/cannot open/);
      for (const id of ['s1', 's2', 's3']) expect((await secrets.get(id))?.sealed).toEqual(sealedOf(id));
      // Nor was key-a retired: it still seals new values.
      expect((await secrets.insert(secretOf('s4', 'd'))).kind).toBe('stored');
    });

    const retiredA = { kind: 'retired-key', retired: { keyId: 'key-a', replacedBy: 'key-b', retiredAt: T1 } };
    it.each([
      {
        write: 'an insert',
        run: (store: SecretStore) => store.insert(secretOf('s9', 'late')),
        unchanged: async (store: SecretStore) => expect(await store.get('s9')).toBeNull(),
      },
      {
        write: 'a value replacement',
        run: (store: SecretStore) => store.replaceValue('s1', sealedOf('late'), T1, 'user:2'),
        unchanged: async (store: SecretStore) =>
          expect((await store.get('s1'))?.sealed).toEqual(sealedOf('s1-2', 'key-b')),
      },
    ])(
      'refuses $write sealed under a key a rotation retired, writing nothing',
      async ({ run, unchanged }) => {
        await secrets.insert(secretOf('s1', 'a'));
        await secrets.resealAll((secret) => sealedOf(`${secret.id}-2`, 'key-b'), A_TO_B);
        expect(await run(secrets)).toEqual(retiredA);
        await unchanged(secrets);
        // The key that replaced it seals as before, and a rotation with no key before retires none.
        expect((await secrets.insert(secretOf('s5', 'b', { sealed: sealedOf('s5', 'key-b') }))).kind).toBe(
          'stored',
        );
        await secrets.resealAll((secret) => secret.sealed, {
          previousKeyId: null,
          nextKeyId: 'key-b',
          at: T1,
        });
        expect((await secrets.insert(secretOf('s6', 'c', { sealed: sealedOf('s6', 'key-b') }))).kind).toBe(
          'stored',
        );
      },
    );
  });
}
