import { beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../db/client';
import { demoLabInventory } from '../../db/seed/demo-lab';
import { countInventory, loadInventory } from '../../db/stores/inventory-store';
import { isDomainError } from './errors';
import { importInventory } from './import-service';
import { getDashboard, getVm } from './inventory-service';

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('importInventory', () => {
  let db: Db;
  beforeEach(() => {
    db = openDatabase(':memory:');
    importInventory(db, demoLabInventory(), 'replace');
  });

  it('imports the demo lab and assesses every VM', () => {
    const lab = demoLabInventory();
    expect(countInventory(db)).toMatchObject({ hosts: lab.hosts.length, vms: lab.vms.length });
    expect(getDashboard(db).totals.vms).toBe(lab.vms.length);
    expect(getVm(db, 'vm-sql-prod-01').readiness).toBe('saved-state-only');
  });

  it('rejects a malformed file, names every bad path and leaves the database unchanged', () => {
    const before = loadInventory(db);
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
    const error = catchError(() => importInventory(db, broken, 'replace'));
    expect(isDomainError(error) && error.code).toBe('INVALID_INPUT');
    if (!isDomainError(error)) return;
    expect(error.fieldErrors.map((e) => e.path)).toEqual([
      'hosts[0].kind',
      'vms[1].powerState',
      'vms[1].hostId',
      'virtualDisks[0].hostVolumeId',
    ]);
    expect(loadInventory(db)).toEqual(before);
  });

  it('reports a JSON syntax error at "(file)" with its line and writes nothing', () => {
    const before = countInventory(db);
    const error = catchError(() => importInventory(db, '{\n "hosts": [}\n', 'merge'));
    expect(isDomainError(error) && error.fieldErrors).toEqual([
      { path: '(file)', message: expect.stringMatching(/line 2, column 12: unexpected "}"/) },
    ]);
    expect(countInventory(db)).toEqual(before);
  });

  it('replace makes the file the whole inventory', () => {
    const result = importInventory(
      db,
      JSON.stringify({
        formatVersion: 1,
        hosts: [{ id: 'h', name: 'solo', kind: 'xenserver', version: '8.2', hasVssAwareProduct: true }],
        vms: [{ id: 'v', name: 'only', hostId: 'h', osFamily: 'linux', powerState: 'running' }],
      }),
      'replace',
    );
    expect(result.stored).toMatchObject({ hosts: 1, vms: 1, virtualDisks: 0, arrays: 0 });
    expect(result.assessment.assessedVms).toBe(1);
    expect(getDashboard(db).totals).toEqual({ hosts: 1, vms: 1, volumes: 0, arrays: 0 });
  });

  it('merge upserts by id, keeps everything else, and may refer to stored objects', () => {
    const before = countInventory(db);
    const result = importInventory(
      db,
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
    expect(result.stored).toEqual({ ...before, vms: before.vms + 1, virtualDisks: before.virtualDisks + 1 });
    const web = getVm(db, 'vm-web-01');
    expect(web.vm.name).toBe('web-01-renamed');
    expect(web.findings.map((f) => f.ruleId)).toContain('HV-BACKUP-IC-MISSING');
    expect(getVm(db, 'vm-new').disks[0].hostVolume?.name).toBe('D:');
  });

  it('merge rejects references that exist neither in the file nor in the database', () => {
    const error = catchError(() =>
      importInventory(
        db,
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
});
