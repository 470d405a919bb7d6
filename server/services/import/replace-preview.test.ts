/**
 * Safe by default (issue 8 §3): merge is the default import; a replace that removes anything is
 * previewed on the server (hosts, VMs, jobs and restore points, by name, with counts) and runs only
 * with the typed confirmation of exactly that preview; jobs whose scope lost VMs say so in words.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restorePoints as pgRestorePoints } from '../../../db/pg/schema';
import { restorePoints } from '../../../db/schema';
import { demoLabInventory } from '../../../db/seed/demo-lab';
import { type DialectHandle, storeDialects } from '../../../db/stores/contract/dialects';
import type { Stores } from '../../../db/stores/ports';
import { createServiceContext, type ServiceContext } from '../../context';
import type { Inventory } from '../../engine/inventory';
import { importInventoryInput } from '../../schemas/inventory';
import type { BackupRequest } from '../../schemas/operations';
import { getBackupJob, getBackupJobWithNames, listBackupJobs } from '../backup-job-service';
import { type DomainError, isDomainError } from '../errors';
import { importInventory, previewReplaceImport } from '../import-service';
import { planBackupFor } from '../plans';

const NOW = new Date('2026-03-28T09:00:00Z');

/** The demo lab without these VMs (and their disks and guest volumes). */
function labWithout(...vmIds: string[]): Inventory {
  const lab = demoLabInventory();
  const gone = new Set(vmIds);
  return {
    ...lab,
    vms: lab.vms.filter((vm) => !gone.has(vm.id)),
    virtualDisks: lab.virtualDisks.filter((disk) => !gone.has(disk.vmId)),
    guestVolumes: lab.guestVolumes.filter((volume) => !gone.has(volume.vmId)),
  };
}

function vmOf(vmId: string) {
  const vm = demoLabInventory().vms.find((candidate) => candidate.id === vmId);
  if (!vm) throw new Error(`the demo lab has no ${vmId}`);
  return vm;
}

async function refusal(fn: () => Promise<unknown>): Promise<DomainError> {
  try {
    await fn();
  } catch (error) {
    if (isDomainError(error)) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

let handle: DialectHandle;
let stores: Stores;
let ctx: ServiceContext;

async function createJob(id: string, name: string, vmIds: string[]) {
  await stores.jobs.create({
    id,
    name,
    requestJson: { scope: { kind: 'vms', vmIds }, consistencyPolicy: 'fallback', passthroughPolicy: 'skip' },
    cron: null,
    timeZone: 'UTC',
    missedRunPolicy: 'skip',
    retentionJson: { keepLast: 7, daily: 0, weekly: 0, monthly: 0 },
    rpoHours: 24,
    isEnabled: true,
    lastScheduledAt: null,
    nextRunAt: null,
    createdAt: NOW,
    updatedAt: NOW,
    createdBy: 'system',
  });
}

/** Points written as rows (no operation made them), in whichever database holds the estate. */
async function addPoints(vmId: string, vmName: string, count: number) {
  for (let n = 0; n < count; n++) {
    const row = {
      id: `rp-${vmId}-${n}`,
      vmId,
      vmName,
      method: 'hyperv-vss' as const,
      consistency: 'application' as const,
      captureState: 'online' as const,
      createdAt: new Date(NOW.getTime() - (n + 1) * 3_600_000),
      heldDisksJson: [],
      missingDisksJson: [],
      sizeBytes: 1,
      repositoryPath: `/repo/${vmId}/${n}`,
    };
    if (handle.dialect === 'sqlite') handle.db.insert(restorePoints).values(row).run();
    else await handle.pg.db.insert(pgRestorePoints).values(row);
  }
}

describe('import modes', () => {
  it('merge is the default mode of the import procedure', () => {
    expect(importInventoryInput.parse({ content: '{}' }).mode).toBe('merge');
  });
});

describe.each(await storeDialects('replacepreview'))('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('stores', () => {
    beforeEach(async () => {
      handle = await dialect.open();
      stores = handle.stores;
      let nextId = 0;
      ctx = createServiceContext({ now: () => NOW, newId: () => `id-${++nextId}` });
      await importInventory(stores, ctx, demoLabInventory(), 'replace');
      await createJob('job-files', 'files nightly', ['vm-fs-01', 'vm-web-01', 'vm-sql-prod-01']);
      await createJob('job-sql', 'sql hourly', ['vm-sql-prod-01']);
      await addPoints('vm-fs-01', 'fs-01', 3);
      await addPoints('vm-web-01', 'web-01', 1);
    });
    afterEach(() => handle.close());

    describe('previewReplaceImport', () => {
      it('names the hosts, VMs, jobs and restore points a replace would leave behind, with counts', async () => {
        const preview = await previewReplaceImport(
          stores,
          JSON.stringify(labWithout('vm-fs-01', 'vm-web-01')),
        );
        expect(preview.removes.vms).toEqual({ count: 2, names: ['fs-01', 'web-01'] });
        expect(preview.removes.hosts).toEqual({ count: 0, names: [] });
        expect(preview.removes.counts.virtualDisks).toBeGreaterThan(0);
        expect(preview.jobs).toEqual([
          {
            id: 'job-files',
            name: 'files nightly',
            lostVms: ['fs-01', 'web-01'],
            lostVolume: null,
            isLeftEmpty: false,
          },
        ]);
        expect(preview.restorePoints).toEqual({
          count: 4,
          vmCount: 2,
          byVm: [
            { vmName: 'fs-01', points: 3 },
            { vmName: 'web-01', points: 1 },
          ],
        });
        expect(preview.confirmation?.phrase).toBe('remove 2 VMs');
      });

      it('a replace that removes nothing needs no confirmation', async () => {
        const preview = await previewReplaceImport(stores, JSON.stringify(demoLabInventory()));
        expect(preview.confirmation).toBeNull();
        const result = await importInventory(stores, ctx, demoLabInventory(), 'replace');
        expect(result.stored.vms).toBe(demoLabInventory().vms.length);
      });
    });

    describe('a replace runs only as confirmed', () => {
      const file = () => JSON.stringify(labWithout('vm-fs-01'));

      it.each([
        ['without a confirmation', () => undefined, 'PRECONDITION_FAILED', 'would remove 1 VM'],
        [
          'with the right fingerprint but other words',
          (print: string) => ({ phrase: 'remove everything', removalFingerprint: print }),
          'INVALID_INPUT',
          'Type "remove 1 VM"',
        ],
        [
          'with a confirmation typed for another preview',
          () => ({ phrase: 'remove 1 VM', removalFingerprint: 'f'.repeat(64) }),
          'CONFLICT',
          'changed since the preview',
        ],
      ] as const)('%s it is refused and nothing changes', async (_what, confirm, code, words) => {
        const preview = await previewReplaceImport(stores, file());
        const before = await stores.inventory.countInventory();
        const confirmation = confirm(preview.confirmation?.removalFingerprint ?? '');
        const error = await refusal(() =>
          importInventory(stores, ctx, file(), 'replace', confirmation ? { confirmation } : {}),
        );
        expect(error.code).toBe(code);
        expect(error.message).toContain(words);
        expect(await stores.inventory.countInventory()).toEqual(before);
      });

      it('a preview gone stale (the estate changed since) cannot remove more than it showed', async () => {
        const preview = await previewReplaceImport(stores, file());
        if (!preview.confirmation) throw new Error('the replace removes fs-01');
        // Since the preview, a merge brought a new VM the file does not have: the replace would remove it too.
        const lab = demoLabInventory();
        const newcomer = { ...lab.vms[0], id: 'vm-newcomer', name: 'newcomer' };
        await importInventory(stores, ctx, { vms: [newcomer] }, 'merge');
        const before = await stores.inventory.countInventory();

        const error = await refusal(() =>
          importInventory(stores, ctx, file(), 'replace', {
            confirmation: preview.confirmation ?? undefined,
          }),
        );
        expect(error.code).toBe('CONFLICT');
        expect(error.message).toContain('would now remove 2 VMs');
        expect(await stores.inventory.countInventory()).toEqual(before);
      });

      it('with the confirmation of its preview it replaces, and the jobs that lost VMs say so in words', async () => {
        const { confirmation } = await previewReplaceImport(
          stores,
          JSON.stringify(labWithout('vm-fs-01', 'vm-web-01')),
        );
        if (!confirmation) throw new Error('the replace removes two VMs');
        await importInventory(stores, ctx, labWithout('vm-fs-01', 'vm-web-01'), 'replace', { confirmation });

        const jobs = await listBackupJobs(stores, ctx);
        expect(jobs.find((job) => job.name === 'sql hourly')?.missingVms).toBeNull();
        const files = await getBackupJob(stores, ctx, 'job-files');
        expect(files.missingVms?.names).toEqual(['fs-01', 'web-01']);
        // The edit wizard, where the job page sends the operator to drop them, names them too.
        const { scopeNames } = await getBackupJobWithNames(stores, ctx, 'job-files');
        expect(scopeNames).toMatchObject({ 'vm-fs-01': 'fs-01 (gone)', 'vm-web-01': 'web-01 (gone)' });
        expect(files.missingVms?.message).toMatch(
          /^2 VMs of this job's scope are no longer in the inventory: fs-01, web-01\./,
        );
        // Its runs are refused naming them as their points last knew them, not by inventory id.
        const job = await stores.jobs.get('job-files');
        const { plan } = await planBackupFor(stores, ctx, job?.requestJson as unknown as BackupRequest);
        expect(plan.blockedReasons).toEqual(
          expect.arrayContaining([
            "VM 'fs-01' is no longer in the inventory: it was removed from it",
            "VM 'web-01' is no longer in the inventory: it was removed from it",
          ]),
        );
      });

      it('a VM never backed up is named as it was when the replace removed it, not by its id', async () => {
        await createJob('job-ops', 'ops weekly', ['vm-ops-01']);
        const { confirmation } = await previewReplaceImport(stores, JSON.stringify(labWithout('vm-ops-01')));
        if (!confirmation) throw new Error('the replace removes ops-01');
        await importInventory(stores, ctx, labWithout('vm-ops-01'), 'replace', { confirmation });

        expect((await getBackupJob(stores, ctx, 'job-ops')).missingVms).toEqual({
          names: ['ops-01'],
          message:
            "1 VM of this job's scope is no longer in the inventory: ops-01. Its runs are blocked until the job's scope is edited to drop it.",
        });
        const job = await stores.jobs.get('job-ops');
        const { plan } = await planBackupFor(stores, ctx, job?.requestJson as unknown as BackupRequest);
        expect(plan.blockedReasons).toEqual([
          "VM 'ops-01' is no longer in the inventory: it was removed from it",
        ]);
        // Brought back by a merge, it is the inventory's VM again, whatever name the removal kept.
        await importInventory(
          stores,
          ctx,
          { vms: [{ ...vmOf('vm-ops-01'), name: 'ops-01-renamed' }] },
          'merge',
        );
        expect((await getBackupJob(stores, ctx, 'job-ops')).missingVms).toBeNull();
      });
    });

    describe('files with a UTF-8 byte-order mark', () => {
      it('import as if the mark were not there (what Windows PowerShell 5.1 writes)', async () => {
        const lab = demoLabInventory();
        const result = await importInventory(
          stores,
          ctx,
          `\uFEFF${JSON.stringify({ vms: [lab.vms[0]] })}`,
          'merge',
        );
        expect(result.imported.vms).toBe(1);
        const preview = await previewReplaceImport(stores, `\uFEFF${JSON.stringify(labWithout('vm-fs-01'))}`);
        expect(preview.removes.vms.names).toEqual(['fs-01']);
      });
    });
  });
});
