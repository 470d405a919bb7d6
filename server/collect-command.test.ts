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
import { GUEST_PASSWORD, GUEST_USER } from './drivers/hyperv/fake/fake-estate';
import { ADMIN, startFakeHost } from './drivers/hyperv/hyperv-test-support';
import { isDomainError } from './services/errors';
import { importInventory } from './services/import-service';
import { makeTempDir } from './test-support';

let fake: Awaited<ReturnType<typeof startFakeHost>>;
const dir = makeTempDir('collect');
const file = (name: string) => path.join(dir.path, name);
writeFileSync(file('host-password'), `${ADMIN.password}\n`);
writeFileSync(file('guest-password'), GUEST_PASSWORD);

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

  it('refuses a missing password file by name, before connecting', async () => {
    const refusal = await refusalOf(base({ passwordFile: file('no-such-file') }));
    expect(refusal.fieldErrors).toEqual([{ path: file('no-such-file'), message: 'ENOENT' }]);
    expect(fake.host.calls).toEqual([]);
  });
});
