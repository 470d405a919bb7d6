/**
 * `migawka collect hyperv` against the fake Windows host over SSH: the host key is confirmed before
 * anything is sent, the document it writes is what `check` and the import read, and what could not
 * be read is named. Passwords come from files.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/client';
import { createSqliteStores } from '../db/stores/sqlite';
import { checkInventoryText } from './cli';
import { type CollectHypervOptions, collectHyperv } from './collect-command';
import { createServiceContext } from './context';
import { CLUSTER_NAME, NODE_ACCOUNT, startFakeCluster } from './drivers/hyperv/fake/fake-cluster';
import { GUEST_PASSWORD, GUEST_USER, WEB01 } from './drivers/hyperv/fake/fake-estate';
import { ADMIN, startFakeHost } from './drivers/hyperv/hyperv-test-support';
import { isDomainError } from './services/errors';
import { importInventory } from './services/import-service';
import { makeTempDir } from './test-support';

let fake: Awaited<ReturnType<typeof startFakeHost>>;
const dir = makeTempDir('collect');
const file = (name: string) => path.join(dir.path, name);
writeFileSync(file('host-password'), `${ADMIN.password}\n`);
writeFileSync(file('guest-password'), GUEST_PASSWORD);
writeFileSync(file('node-password'), NODE_ACCOUNT.password);

beforeEach(async () => {
  fake = await startFakeHost(4096);
});
afterEach(async () => {
  await fake.dispose();
});
afterAll(() => dir.remove());

const base = (overrides: Partial<CollectHypervOptions> = {}): CollectHypervOptions => ({
  host: '127.0.0.1',
  port: fake.host.port,
  user: ADMIN.username,
  passwordFile: file('host-password'),
  output: file('hv01.json'),
  timeoutMs: 10_000,
  ...overrides,
});

async function refusalOf(options: CollectHypervOptions) {
  try {
    await collectHyperv(options);
  } catch (error) {
    if (isDomainError(error)) return error;
    throw error;
  }
  throw new Error('collect was not refused');
}

/** The fingerprint the host presents, as the first (refused) run prints it. */
async function presentedKey(): Promise<string> {
  const refusal = await refusalOf(base({ output: file('never.json') }));
  const fingerprint = /--host-key (SHA256:\S+)/.exec(refusal.fieldErrors[0]?.message ?? '')?.[1];
  if (!fingerprint) throw new Error(`no fingerprint in ${JSON.stringify(refusal.fieldErrors)}`);
  return fingerprint;
}

describe('migawka collect hyperv', () => {
  it('sends nothing before the host key is confirmed, and names the key the host presented', async () => {
    const refusal = await refusalOf(base({ output: file('unconfirmed.json') }));
    expect(refusal.message).toBe('The host key must be confirmed first; nothing was sent:');
    expect(refusal.fieldErrors[0]).toMatchObject({ path: '--host-key' });
    expect(existsSync(file('unconfirmed.json'))).toBe(false);
    expect(fake.host.calls).toEqual([]);
  });

  it('refuses a host whose key is not the one given', async () => {
    const refusal = await refusalOf(base({ hostKey: 'SHA256:not-this-host', output: file('other.json') }));
    expect(refusal.fieldErrors[0]?.message).toMatch(
      /^expected SHA256:not-this-host, the host presented SHA256:/,
    );
    expect(existsSync(file('other.json'))).toBe(false);
  });

  it('writes a document that check reads like a synced host, guests without a credential named as unknown', async () => {
    const summary = await collectHyperv(base({ hostKey: await presentedKey() }));
    expect(summary).toMatchObject({ computerName: 'HV01', vms: 3 });
    expect(summary.unknowns).toHaveLength(3);
    const report = checkInventoryText(readFileSync(file('hv01.json'), 'utf8'));
    expect(report.vms.map((vm) => vm.name).sort()).toEqual(['file01', 'sql01', 'web01']);
    expect(report.unknowns).toEqual(summary.unknowns);
    expect(report.unknowns[0]).toMatch(
      /guest facts not read \(no guest credential is set on the connection\)/,
    );
    // The pass-through disk the fake host gives FILE01 is found from the collected facts.
    expect(report.vms.find((vm) => vm.name === 'file01')?.findings.map((f) => f.ruleId)).toContain(
      'HV-PASSTHROUGH-DISK',
    );
  });

  it('a host answering facts no import could read leaves the document of an earlier run as it was', async () => {
    const hostKey = await presentedKey();
    const output = file('kept.json');
    await collectHyperv(base({ hostKey, output }));
    const good = readFileSync(output, 'utf8');
    // The host now reports D: with more free space than its size: a document the import refuses.
    const d = fake.model.state.volumes.find((volume) => volume.name.startsWith('D'));
    if (!d) throw new Error('the fake host has no D:');
    d.freeSpace = (d.capacity ?? 0) + 1;
    const refusal = await refusalOf(base({ hostKey, output }));
    expect(refusal.message).toBe(`The host answered facts Migawka cannot read; ${output} was not written:`);
    expect(refusal.fieldErrors.length).toBeGreaterThan(0);
    expect(readFileSync(output, 'utf8')).toBe(good);
  });

  it('reads guests through PowerShell Direct with the guest credential, and the import stores the host', async () => {
    const output = file('with-guests.json');
    const summary = await collectHyperv(
      base({
        hostKey: await presentedKey(),
        guestUser: GUEST_USER,
        guestPasswordFile: file('guest-password'),
        output,
      }),
    );
    // Only SQL01 accepts the credential and runs; the others stay unknown, each saying why.
    expect(summary.unknowns.some((line) => line.startsWith('sql01'))).toBe(false);
    expect(summary.unknowns.length).toBeGreaterThan(0);
    const stores = createSqliteStores(openDatabase(':memory:'));
    const result = await importInventory(
      stores,
      createServiceContext(),
      readFileSync(output, 'utf8'),
      'replace',
    );
    expect(result.imported).toMatchObject({ hosts: 1, vms: 3 });
    expect(readFileSync(output, 'utf8')).not.toContain(GUEST_PASSWORD);
  });

  it('on a cluster node, records the cluster: the import maps its CSV as the live sync does, and names the nodes not collected', async () => {
    const cluster = await startFakeCluster();
    // The CSV is owned by the node not collected: the document still imports, the CSV under HV01.
    cluster.cluster.csvs[0].ownerNode = 'HV02';
    try {
      const output = file('hv01-cluster.json');
      const summary = await collectHyperv(
        base({
          port: cluster.nodes.HV01.port,
          user: NODE_ACCOUNT.username,
          passwordFile: file('node-password'),
          hostKey: cluster.nodes.HV01.fingerprint,
          output,
        }),
      );
      expect(summary.unknowns).toContain(
        `node HV02 of cluster ${CLUSTER_NAME}: not collected: this document is HV01's; run the collector on HV02 too`,
      );
      const document = JSON.parse(readFileSync(output, 'utf8'));
      expect(document.cluster.ClusterName).toBe(CLUSTER_NAME);
      const stores = createSqliteStores(openDatabase(':memory:'));
      await importInventory(stores, createServiceContext(), readFileSync(output, 'utf8'), 'replace');
      const inventory = await stores.inventory.loadInventory();
      // The same shared-volume id a sync of the cluster gives the CSV (hyperv-cluster-sync.test.ts).
      const csvId = 'hv-csv:hvcluster1:c5c5c5c5-0000-4000-8000-000000000001';
      expect(
        inventory.hostVolumes.filter((volume) => volume.kind === 'csv').map((volume) => volume.id),
      ).toEqual([csvId]);
      const web = inventory.vms.find((vm) => vm.name === 'web01');
      expect(
        inventory.virtualDisks.filter((disk) => disk.vmId === web?.id).map((disk) => disk.hostVolumeId),
      ).toEqual([csvId]);

      // HV02's own document, imported in merge mode beside HV01's: both nodes, one CSV, web01 moved.
      cluster.moveVm(WEB01, 'HV02');
      const second = file('hv02-cluster.json');
      await collectHyperv(
        base({
          port: cluster.nodes.HV02.port,
          user: NODE_ACCOUNT.username,
          passwordFile: file('node-password'),
          hostKey: cluster.nodes.HV02.fingerprint,
          output: second,
        }),
      );
      await importInventory(stores, createServiceContext(), readFileSync(second, 'utf8'), 'merge');
      const merged = await stores.inventory.loadInventory();
      expect(merged.hosts.map((host) => host.id).sort()).toEqual(['hv-host:hv01', 'hv-host:hv02']);
      expect(merged.vms.map((vm) => vm.name).sort()).toEqual(['file01', 'sql01', 'web01']);
      expect(merged.hostVolumes.filter((volume) => volume.kind === 'csv').map((volume) => volume.id)).toEqual(
        [csvId],
      );
      expect(merged.vms.filter((vm) => vm.name === 'web01').map((vm) => [vm.id, vm.hostId])).toEqual([
        [web?.id, 'hv-host:hv02'],
      ]);
    } finally {
      await cluster.dispose();
    }
  });

  it('refuses a missing password file by name, before connecting', async () => {
    const refusal = await refusalOf(base({ passwordFile: file('no-such-file') }));
    expect(refusal.fieldErrors).toEqual([{ path: file('no-such-file'), message: 'ENOENT' }]);
    expect(fake.host.calls).toEqual([]);
  });
});
