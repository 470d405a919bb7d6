/**
 * A stored EqualLogic connection serving the process's driver registry: the account from the vault,
 * the SSH host key pinned on the connection's record, a snapshot taken through the group's CLI.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DialectHandle, storeDialects } from '../../db/stores/contract/dialects';
import type { Stores } from '../../db/stores/ports';
import { createServiceContext } from '../context';
import { createStoredEqualLogicConnector } from '../drivers/equallogic/eql-array';
import { FakeEqlGroup } from '../drivers/equallogic/fake/fake-eql-group';
import { createDriverRegistry } from '../drivers/registry';
import type { BackupRepository } from '../drivers/roles';
import { neverAnswering } from '../drivers/test-doubles';
import { storedEqualLogicGroups, syncEqualLogicConnection } from './equallogic-connection-service';
import { memoryKeySource } from './vault-key';
import { createSecret } from './vault-service';

let group: FakeEqlGroup;
let stores: Stores;
const keys = memoryKeySource();
const ctx = createServiceContext({ now: () => new Date('2026-11-24T02:00:00Z') });
const options = () => ({ signal: new AbortController().signal, timeoutMs: 5000 });

const dialects = await storeDialects('eqlservice');

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    let handle: DialectHandle;
    beforeEach(async () => {
      group = new FakeEqlGroup();
      group.addVolume('vmfs01', 4096);
      await group.start();
      handle = await dialect.open();
      stores = handle.stores;
      const secret = await createSecret(stores, ctx, keys, {
        name: 'group1 admin',
        kind: 'password',
        username: 'grpadmin',
        secret: 'eql-pass',
      });
      await stores.arrayConnections.insert({
        id: 'conn-e',
        name: 'group1',
        vendor: 'equallogic',
        address: `127.0.0.1:${group.port}`,
        secretId: secret.id,
        stagingTarget: null,
        createdAt: ctx.now(),
        createdBy: 'user:1',
      });
      await stores.arrayConnections.recordSync('conn-e', ctx.now(), null, 'eql-1');
    });
    afterEach(async () => {
      await group.stop();
      await handle.close();
    });

    describe('stored EqualLogic connections', () => {
      it('a sync writes the volume collections as consistency groups; volumes outside any stay without one', async () => {
        group.addVolume('vmfs02', 4096);
        group.addVolume('vmfs03', 4096);
        group.collections.set('sqlcoll', ['vmfs01', 'vmfs02']);
        await syncEqualLogicConnection(stores, ctx, keys, 'conn-e', options());
        const inventory = await stores.inventory.loadInventory();
        expect(inventory.consistencyGroups).toEqual([
          { id: 'eql-1:coll:sqlcoll', arrayId: 'eql-1', name: 'sqlcoll' },
        ]);
        expect(
          inventory.arrayVolumes.map((volume) => [volume.name, volume.consistencyGroupId]).sort(),
        ).toEqual([
          ['vmfs01', 'eql-1:coll:sqlcoll'],
          ['vmfs02', 'eql-1:coll:sqlcoll'],
          ['vmfs03', null],
        ]);
      });

      it('serve the registry: a snapshot through the CLI, the host key pinned on the record', async () => {
        const lookup = storedEqualLogicGroups(stores, ctx, keys);
        const registry = createDriverRegistry({
          lookup: {
            host: async () => null,
            hostOfVm: async () => null,
            hostOfHostVolume: async () => null,
            array: async (id) => ({ id, name: id, connector: 'equallogic' }),
            arrayOfArrayVolume: async () => null,
          },
          connectors: [createStoredEqualLogicConnector(lookup)],
          repository: neverAnswering<BackupRepository>('lab').driver,
        });
        const driver = await registry.arrayForArray('eql-1');
        await driver.createSnapshot(
          {
            snapshotId: 'snap-1',
            scope: { kind: 'array-volumes', arrayVolumeIds: ['eql-1:vol:vmfs01'], consistencyGroupId: null },
            diskIds: [],
            isQuiesced: false,
          },
          options(),
        );
        expect([...(group.volumes.get('vmfs01')?.snapshots.keys() ?? [])]).toEqual(['snap-1']);
        expect((await stores.arrayConnections.get('conn-e'))?.fingerprint).toMatch(/^SHA256:/);
        await (await lookup('eql-1'))?.client.close();
        await expect(
          (await registry.arrayForArray('eql-9')).releaseSnapshot('x', options()),
        ).rejects.toMatchObject({
          faultCode: 'connector-missing',
        });
      });
    });
  });
});
