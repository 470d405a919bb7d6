import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inventoryImports as pgInventoryImports } from '../../db/pg/schema';
import { inventoryImports } from '../../db/schema';
import { demoLabInventory } from '../../db/seed/demo-lab';
import { type DialectHandle, storeDialects } from '../../db/stores/contract/dialects';
import type { Stores } from '../../db/stores/ports';
import { createServiceContext, type ServiceContext } from '../context';
import { collectedAsPowerShellWould } from '../drivers/hyperv/fake/collected-document';
import { decodeTextBytes } from '../schemas/json-text';
import { isDomainError } from './errors';
import { importInventory, previewReplaceImport } from './import-service';
import { getDashboard } from './inventory/dashboard';
import { getVm } from './inventory/vms';

/** Protection statuses are taken at a fixed time: these tests never read the wall clock. */
const CLOCK = { now: () => new Date('2026-06-15T10:30:00Z') };

async function catchError(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

/** The `inventory_imports` rows, which no store port lists, read from whichever database holds them. */
async function importRows(handle: DialectHandle) {
  if (handle.dialect === 'sqlite') {
    return handle.db.select().from(inventoryImports).orderBy(inventoryImports.id).all();
  }
  return handle.pg.db.select().from(pgInventoryImports).orderBy(pgInventoryImports.id);
}

describe.each(await storeDialects('importservice'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('importInventory', () => {
    let handle: DialectHandle;
    let stores: Stores;
    let ctx: ServiceContext;
    beforeEach(async () => {
      handle = await dialect.open();
      stores = handle.stores;
      let nextId = 0;
      ctx = createServiceContext({
        now: () => new Date('2026-03-28T09:00:00Z'),
        newId: () => `import-${++nextId}`,
        actor: { kind: 'user', id: '42', name: 'Ada', email: 'ada@example.test', role: 'operator' },
      });
      await importInventory(stores, ctx, demoLabInventory(), 'replace');
    });
    afterEach(() => handle.close());

    it('imports the demo lab and assesses every VM', async () => {
      const lab = demoLabInventory();
      expect(await stores.inventory.countInventory()).toMatchObject({
        hosts: lab.hosts.length,
        vms: lab.vms.length,
      });
      expect((await getDashboard(stores)).totals.vms).toBe(lab.vms.length);
      expect((await getVm(stores, CLOCK, 'vm-sql-prod-01')).readiness).toBe('saved-state-only');
    });

    it('records each import with who made it, when, the mode and the objects per section', async () => {
      const lab = demoLabInventory();
      await importInventory(stores, ctx, { vms: [lab.vms[0]] }, 'merge');
      await catchError(() => importInventory(stores, ctx, { vms: [{ id: 'broken' }] }, 'merge'));
      const rows = await importRows(handle);
      expect(rows).toEqual([
        {
          id: 'import-1',
          createdAt: new Date('2026-03-28T09:00:00Z'),
          requestedBy: 'user:42',
          mode: 'replace',
          countsJson: Object.fromEntries(
            Object.entries(lab).map(([section, items]) => [section, items.length]),
          ),
        },
        {
          id: 'import-2',
          createdAt: new Date('2026-03-28T09:00:00Z'),
          requestedBy: 'user:42',
          mode: 'merge',
          countsJson: {
            hosts: 0,
            hostVolumes: 0,
            vms: 1,
            virtualDisks: 0,
            guestVolumes: 0,
            arrays: 0,
            arrayVolumes: 0,
            consistencyGroups: 0,
          },
        },
      ]);
    });

    it('rejects a malformed file, names every bad path and leaves the database unchanged', async () => {
      const before = await stores.inventory.loadInventory();
      const broken = {
        hosts: [{ id: 'h', name: 'h', kind: 'vmware', version: '8', hasVssAwareProduct: true }],
        vms: [
          {
            id: 'v1',
            name: 'v1',
            hostId: 'h',
            osFamily: 'windows',
            powerState: 'running',
            backupIntegrationService: 'running',
          },
          { id: 'v2', name: 'v2', hostId: 'missing-host', osFamily: 'windows', powerState: 'on' },
        ],
        virtualDisks: [{ id: 'd', vmId: 'v1', name: 'd', kind: 'vhdx', sizeBytes: 1 }],
      };
      const error = await catchError(() => importInventory(stores, ctx, broken, 'replace'));
      expect(isDomainError(error) && error.code).toBe('INVALID_INPUT');
      if (!isDomainError(error)) return;
      expect(error.fieldErrors.map((e) => e.path)).toEqual([
        'hosts[0].kind',
        'vms[1].powerState',
        'vms[1].hostId',
        'virtualDisks[0].hostVolumeId',
      ]);
      expect(await stores.inventory.loadInventory()).toEqual(before);
    });

    it('reports a JSON syntax error at "(file)" with its line and writes nothing', async () => {
      const before = await stores.inventory.countInventory();
      const error = await catchError(() => importInventory(stores, ctx, '{\n "hosts": [}\n', 'merge'));
      expect(isDomainError(error) && error.fieldErrors).toEqual([
        { path: '(file)', message: expect.stringMatching(/line 2, column 12: unexpected "}"/) },
      ]);
      expect(await stores.inventory.countInventory()).toEqual(before);
    });

    it('refuses a file not in UTF-8 (a Windows code page), naming where, and writes nothing', async () => {
      const before = await stores.inventory.loadInventory();
      // "Księgowość" as Windows-1250 writes it: ę, ś and ć are the bytes EA, 9C and E6, not UTF-8.
      const host = { id: 'h-acc', name: 'Ksi\xEAgowo\x9C\xE6', kind: 'hyperv', version: '2022' };
      const text = JSON.stringify({ hosts: [{ ...host, hasVssAwareProduct: true }] }, null, 2);
      const content = decodeTextBytes(Buffer.from(text, 'latin1'));
      for (const mode of ['merge', 'replace'] as const) {
        const error = await catchError(() => importInventory(stores, ctx, content, mode));
        expect(isDomainError(error) && error.fieldErrors).toEqual([
          {
            path: '(file)',
            message: expect.stringMatching(/^not UTF-8 text at line 5, column 19: .* save the file as UTF-8/),
          },
        ]);
      }
      expect(await stores.inventory.loadInventory()).toEqual(before);
    });

    it('refuses a file nested thousands of levels deep as a bad file, naming where, and writes nothing', async () => {
      const before = await stores.inventory.countInventory();
      const error = await catchError(() =>
        importInventory(stores, ctx, `{\n  "vms": ${'['.repeat(20_000)}`, 'merge'),
      );
      expect(isDomainError(error) && error.fieldErrors).toEqual([
        {
          path: '(file)',
          message:
            'not valid JSON at line 2, column 1009: nested more than 1000 levels deep (an inventory file nests a few)',
        },
      ]);
      expect(await stores.inventory.countInventory()).toEqual(before);
    });

    it('replace makes the file the whole inventory', async () => {
      const content = JSON.stringify({
        formatVersion: 1,
        hosts: [{ id: 'h', name: 'solo', kind: 'xenserver', version: '8.2', hasVssAwareProduct: true }],
        vms: [{ id: 'v', name: 'only', hostId: 'h', osFamily: 'linux', powerState: 'running' }],
      });
      const { confirmation } = await previewReplaceImport(stores, content);
      if (!confirmation) throw new Error('the replace removes the demo lab');
      const result = await importInventory(stores, ctx, content, 'replace', { confirmation });
      expect(result.stored).toMatchObject({ hosts: 1, vms: 1, virtualDisks: 0, arrays: 0 });
      expect(result.assessment.assessedVms).toBe(1);
      expect((await getDashboard(stores)).totals).toEqual({ hosts: 1, vms: 1, volumes: 0, arrays: 0 });
    });

    it('a collector document imports and says what its collector could not read; an inventory file reads none', async () => {
      const { json } = collectedAsPowerShellWould();
      const result = await importInventory(stores, ctx, json, 'merge');
      // The fake host's guests but SQL01's were not read (no guest credential given to the collector).
      expect(result.notRead.length).toBeGreaterThan(0);
      for (const unknown of result.notRead)
        expect(unknown).toMatch(/: guest facts not read \(no guest credential/);
      expect(result.stored.vms).toBeGreaterThan(demoLabInventory().vms.length);
      expect((await importInventory(stores, ctx, demoLabInventory(), 'merge')).notRead).toEqual([]);
    });

    it('merge upserts by id, keeps everything else, and may refer to stored objects', async () => {
      const before = await stores.inventory.countInventory();
      const result = await importInventory(
        stores,
        ctx,
        {
          vms: [
            // An update of a stored VM (renamed, Backup service now stopped) ...
            {
              ...demoLabInventory().vms.find((vm) => vm.id === 'vm-web-01'),
              name: 'web-01-renamed',
              backupIntegrationService: 'stopped',
            },
            // ... and a new VM on a stored host and volume.
            {
              id: 'vm-new',
              name: 'new-01',
              hostId: 'host-hv-prod-01',
              osFamily: 'windows',
              powerState: 'running',
              backupIntegrationService: 'running',
            },
          ],
          virtualDisks: [
            {
              id: 'disk-new',
              vmId: 'vm-new',
              name: 'new-01.vhdx',
              kind: 'vhdx',
              sizeBytes: 1,
              hostVolumeId: 'vol-hv-prod-01-d',
            },
          ],
        },
        'merge',
      );
      expect(result.stored).toEqual({
        ...before,
        vms: before.vms + 1,
        virtualDisks: before.virtualDisks + 1,
      });
      const web = await getVm(stores, CLOCK, 'vm-web-01');
      expect(web.vm.name).toBe('web-01-renamed');
      expect(web.findings.map((f) => f.ruleId)).toContain('HV-BACKUP-IC-MISSING');
      expect((await getVm(stores, CLOCK, 'vm-new')).disks[0].hostVolume?.name).toBe('D:');
    });

    it('merge rejects references that exist neither in the file nor in the database', async () => {
      const error = await catchError(() =>
        importInventory(
          stores,
          ctx,
          {
            virtualDisks: [
              {
                id: 'x',
                vmId: 'vm-ghost',
                name: 'x',
                kind: 'vdi',
                sizeBytes: 1,
                hostVolumeId: 'sr-netapp-vmstore',
              },
            ],
          },
          'merge',
        ),
      );
      expect(isDomainError(error) && error.fieldErrors).toEqual([
        { path: 'virtualDisks[0].vmId', message: 'refers to VM "vm-ghost", which does not exist' },
      ]);
    });

    // Mount points are unique per VM: a file's own C: for a VM that has one stored would be a second.
    const sqlVolume = (id: string, mountPoint: string) => ({
      id,
      vmId: 'vm-sql-prod-01',
      mountPoint,
      fileSystem: 'ntfs',
      vssEnabled: true,
    });
    it.each([
      { file: [sqlVolume('sql-c', 'c:')], refused: 'c:' },
      { file: [sqlVolume('sql-c', 'C:'), sqlVolume('sql-e', 'E:')], refused: 'C:' },
    ])(
      'merge refuses a second mount point $refused for a VM that has it stored, and writes nothing',
      async ({ file, refused }) => {
        const before = await stores.inventory.loadInventory();
        const error = await catchError(() => importInventory(stores, ctx, { guestVolumes: file }, 'merge'));
        expect(isDomainError(error) && error.fieldErrors).toEqual([
          {
            path: 'guestVolumes[0].mountPoint',
            message: `duplicate mount point ${refused} (the VM has it already: stored guest volume "gv-sql-prod-01-C")`,
          },
        ]);
        expect(await stores.inventory.loadInventory()).toEqual(before);
      },
    );

    it('merge updates a stored mount point given by its id, or moved off it in the same file', async () => {
      const moved = [sqlVolume('gv-sql-prod-01-C', 'E:'), sqlVolume('sql-c', 'C:')];
      for (const file of [[sqlVolume('gv-sql-prod-01-C', 'C:')], moved]) {
        await importInventory(stores, ctx, { guestVolumes: file }, 'merge');
      }
      const mountPoints = (await stores.inventory.loadInventory()).guestVolumes
        .filter((volume) => volume.vmId === 'vm-sql-prod-01')
        .map((volume) => `${volume.id} ${volume.mountPoint}`)
        .sort();
      expect(mountPoints).toEqual(['gv-sql-prod-01-C E:', 'gv-sql-prod-01-D D:', 'sql-c C:']);
    });
  });
});
