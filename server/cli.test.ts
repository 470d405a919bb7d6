import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, sqliteOf } from '../db/client';
import { demoLabInventory } from '../db/seed/demo-lab';
import { createSqliteStores } from '../db/stores/sqlite';
import { verifyAuditTrail } from './services/audit-service';
import { makeTempDir } from './test-support';

const repoRoot = path.resolve(import.meta.dirname, '..');
const tempDir = makeTempDir('cli');
const workDir = tempDir.path;
afterAll(tempDir.remove);

function writeJson(name: string, content: unknown): string {
  const file = path.join(workDir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function migawka(args: string[], env: Record<string, string> = {}, stdin?: string) {
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'bin/migawka.mjs'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, MIGAWKA_DATA_DIR: workDir, ...env },
    timeout: 60_000,
    input: stdin,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** One healthy Hyper-V VM: no findings at all. */
const healthy = {
  formatVersion: 1,
  hosts: [{ id: 'h', name: 'hv-lab', kind: 'hyperv', version: '2022', hasVssAwareProduct: true }],
  hostVolumes: [
    {
      id: 'v',
      hostId: 'h',
      name: 'D:',
      sizeBytes: 1e12,
      freeBytes: 5e11,
      vssEnabled: true,
      shadowStorageVolumeId: 'v',
    },
  ],
  vms: [
    {
      id: 'vm',
      name: 'app-01',
      hostId: 'h',
      osFamily: 'windows',
      powerState: 'running',
      backupIntegrationService: 'running',
    },
  ],
  virtualDisks: [
    { id: 'd', vmId: 'vm', name: 'app-01.vhdx', kind: 'vhdx', sizeBytes: 1e10, hostVolumeId: 'v' },
  ],
  guestVolumes: [
    {
      id: 'g',
      vmId: 'vm',
      mountPoint: 'C:',
      fileSystem: 'ntfs',
      vssEnabled: true,
      shadowStorageOn: 'C:',
      diskId: 'd',
    },
  ],
};

describe('migawka check', () => {
  it('exits 0 and prints the recommended method for an inventory without blockers', () => {
    const { code, stdout } = migawka(['check', writeJson('healthy.json', healthy)]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^app-01 {2}\(host hv-lab\)$/m);
    expect(stdout).toMatch(/recommended: Hyper-V VSS \[hyperv-vss\]/);
    expect(stdout).toMatch(/no findings/);
    expect(stdout).toMatch(/1 VM checked: 0 blocker\(s\)/);
  });

  it('exits 1 when a VM has a blocker, and names the rule', () => {
    const blocked = structuredClone(healthy);
    blocked.hostVolumes[0].vssEnabled = false;
    const { code, stdout } = migawka(['check', writeJson('blocked.json', blocked)]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/blocker\s+HV-HOST-VOLUME-VSS-DISABLED\s+VSS is disabled on host volume 'D:'/);
  });

  it('prints JSON with --json', () => {
    const { code, stdout } = migawka(['check', '--json', writeJson('lab.json', demoLabInventory())]);
    expect(code).toBe(1); // archive-01 is blocked in the demo lab
    const report = JSON.parse(stdout);
    const sql = report.vms.find((vm: { name: string }) => vm.name === 'sql-prod-01');
    expect(sql).toMatchObject({ readiness: 'saved-state-only', recommendedMethod: 'hyperv-vss' });
    expect(sql.findings.map((f: { ruleId: string }) => f.ruleId)).toContain('HV-SHADOW-STORAGE-ELSEWHERE');
    expect(report.summary.vms).toBe(demoLabInventory().vms.length);
  });

  it('exits 2 and prints every field error as "path: message" for an invalid file', () => {
    const invalid = structuredClone(healthy) as unknown as {
      vms: Record<string, unknown>[];
      virtualDisks: Record<string, unknown>[];
    };
    invalid.vms[0].powerState = 'on';
    invalid.virtualDisks[0].vmId = 'ghost';
    const { code, stderr, stdout } = migawka(['check', writeJson('invalid.json', invalid)]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^ {2}vms\[0\]\.powerState: Invalid option/m);
    expect(stderr).toMatch(/^ {2}virtualDisks\[0\]\.vmId: refers to VM "ghost", which does not exist$/m);
  });

  it('with --json, an invalid file prints a JSON error document on stdout naming every field, and exits 2', () => {
    const invalid = structuredClone(healthy) as unknown as { vms: Record<string, unknown>[] };
    invalid.vms[0].powerState = 'on';
    const { code, stdout, stderr } = migawka(['check', '--json', writeJson('invalid-json.json', invalid)]);
    expect(code).toBe(2);
    expect(stderr).toBe('');
    const document = JSON.parse(stdout);
    expect(document.error.code).toBe('INVALID_INPUT');
    expect(document.error.fieldErrors).toContainEqual({
      path: 'vms[0].powerState',
      message: expect.any(String),
    });
    const malformed = migawka(['check', '--json', writeJson('malformed-json.json', '{"hosts": [}')]);
    expect(malformed.code).toBe(2);
    expect(JSON.parse(malformed.stdout).error.fieldErrors[0]).toMatchObject({ path: '(file)' });
  });

  it('reads a file that starts with a UTF-8 byte-order mark (Windows PowerShell 5.1) as if it had none', () => {
    const { code, stdout } = migawka(['check', writeJson('bom.json', `\uFEFF${JSON.stringify(healthy)}`)]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/1 VM checked: 0 blocker\(s\)/);
  });

  it('exits 2 on malformed JSON and on a missing file', () => {
    const malformed = migawka(['check', writeJson('malformed.json', '{"hosts": [\n  {"id": "h",}\n]}')]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/\(file\): not valid JSON at line 2, column 14/);
    const missing = migawka(['check', path.join(workDir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/\(file\): file not found/);
    // Saved in Windows-1250: ę, ś and ć are bytes that are not UTF-8.
    const codePage = path.join(workDir, 'cp1250.json');
    writeFileSync(
      codePage,
      Buffer.from(JSON.stringify(healthy).replace('hv-lab', 'hv-ksi\xEAgowo\x9C\xE6'), 'latin1'),
    );
    const notUtf8 = migawka(['check', codePage]);
    expect(notUtf8.code).toBe(2);
    expect(notUtf8.stderr).toMatch(/\(file\): not UTF-8 text at line 1, column \d+: /);
  });
});

// Three runs, each loading both databases' stores through tsx (DATABASE_URL may name PostgreSQL).
describe('migawka import', { timeout: 120_000 }, () => {
  it('imports into the configured database and refuses an invalid file', () => {
    const dbPath = path.join(workDir, 'import.db');
    const ok = migawka(['import', writeJson('lab-import.json', demoLabInventory()), '--mode', 'replace'], {
      MIGAWKA_DB_PATH: dbPath,
    });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`Stored now: 6 hosts, ${demoLabInventory().vms.length} VMs`);
    const bad = migawka(['import', writeJson('bad-import.json', { vms: [{ id: 'x' }] }), '--mode', 'merge'], {
      MIGAWKA_DB_PATH: dbPath,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/vms\[0\]\.name: is required/);
    const wrongMode = migawka(['import', 'x.json', '--mode', 'upsert'], { MIGAWKA_DB_PATH: dbPath });
    expect(wrongMode.code).toBe(2);
  });

  it('merges by default; a replace that removes VMs prints what goes and runs only with --confirm', () => {
    const dbPath = path.join(workDir, 'import-confirm.db');
    const env = { MIGAWKA_DB_PATH: dbPath };
    const lab = demoLabInventory();
    expect(migawka(['import', writeJson('lab-confirm.json', lab)], env).stdout).toMatch(/Imported \(merge\)/);
    const withoutFs = {
      ...lab,
      vms: lab.vms.filter((vm) => vm.id !== 'vm-fs-01'),
      virtualDisks: lab.virtualDisks.filter((disk) => disk.vmId !== 'vm-fs-01'),
      guestVolumes: lab.guestVolumes.filter((volume) => volume.vmId !== 'vm-fs-01'),
    };
    const file = writeJson('lab-without-fs.json', withoutFs);

    const unconfirmed = migawka(['import', file, '--mode', 'replace'], env);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toMatch(/would remove 1 VM:\n {2}hosts: none\n {2}VMs: fs-01/);
    expect(unconfirmed.stderr).toContain('add --confirm "remove 1 VM"');
    const wrongWords = migawka(['import', file, '--mode', 'replace', '--confirm', 'yes'], env);
    expect(wrongWords.code).toBe(1);
    // The words without --mode replace: refused, not merged as if they were not there.
    const confirmedMerge = migawka(['import', file, '--confirm', 'remove 1 VM'], env);
    expect(confirmedMerge.code).toBe(2);
    expect(confirmedMerge.stderr).toContain('Nothing was imported: --confirm goes with --mode replace');
    expect(confirmedMerge.stderr).toContain('--confirm: a merge removes nothing');

    const confirmed = migawka(['import', file, '--mode', 'replace', '--confirm', 'remove 1 VM'], env);
    expect(confirmed.code).toBe(0);
    expect(confirmed.stdout).toContain(`Stored now: 6 hosts, ${lab.vms.length - 1} VMs`);
  });
});

// What an operator gets when the command cannot go on: a sentence naming what is wrong, no stack.
describe('migawka, when the environment is wrong', { timeout: 120_000 }, () => {
  it.each([
    {
      what: 'a DATABASE_URL that is not PostgreSQL',
      args: ['import', 'healthy-env.json'],
      env: { DATABASE_URL: 'mysql://db.example.test/migawka' },
      code: 2,
      says: 'DATABASE_URL="mysql://db.example.test/migawka": must be a postgres:// (or postgresql://) URL',
    },
    {
      what: 'a PostgreSQL server nobody answers on',
      args: ['audit', 'verify'],
      env: { DATABASE_URL: 'postgres://migawka@127.0.0.1:9/migawka' },
      code: 1,
      says: 'migawka could not finish: connect ECONNREFUSED 127.0.0.1:9',
    },
    {
      what: 'a seeder run against PostgreSQL',
      args: ['seed-large', '--vms', '1'],
      env: { DATABASE_URL: 'postgres://migawka@127.0.0.1:9/migawka' },
      code: 1,
      says: 'seed-large writes the SQLite file only; unset DATABASE_URL',
    },
  ])('$what: exit $code, a sentence and no stack trace', ({ args, env, code, says }) => {
    writeJson('healthy-env.json', healthy);
    const result = migawka(
      args.map((arg) => (arg.endsWith('.json') ? path.join(workDir, arg) : arg)),
      { ...env, LOG_LEVEL: 'info' },
    );
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(says);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

// Each run loads the authentication library through tsx: seconds apiece on a busy machine.
describe('migawka user', { timeout: 240_000 }, () => {
  const env = () => ({ MIGAWKA_DB_PATH: path.join(workDir, 'users.db'), LOG_LEVEL: 'silent' });

  it('adds users with the password from a file or piped stdin, never printing it, and lists them', () => {
    const passwordFile = path.join(workDir, 'admin-password');
    writeFileSync(passwordFile, 'file-password-7c1e\n');
    const fromFile = migawka(
      ['user', 'add', '--email', 'Ada@Example.test', '--role', 'admin', '--password-file', passwordFile],
      env(),
    );
    expect(fromFile).toMatchObject({ code: 0, stdout: 'Created ada@example.test (Admin).\n' });
    const piped = migawka(
      ['user', 'add', '--email', 'viewer@example.test', '--role', 'viewer', '--name', 'Val'],
      env(),
      'piped-password-99a2\n',
    );
    expect(piped.code).toBe(0);
    for (const output of [fromFile, piped]) {
      expect(output.stdout + output.stderr).not.toMatch(/file-password-7c1e|piped-password-99a2/);
    }
    const list = migawka(['user', 'list'], env());
    expect(list.stdout).toBe('ada@example.test  Admin\nviewer@example.test  Viewer\n2 users.\n');
  });

  it('refuses a taken email (exit 1), a short password and an unknown role (exit 2), naming the field', () => {
    const taken = migawka(
      ['user', 'add', '--email', 'ada@example.test', '--role', 'viewer'],
      env(),
      'another-long-password',
    );
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('email: This email is already in use');
    const short = migawka(['user', 'add', '--email', 'b@example.test', '--role', 'viewer'], env(), 'short\n');
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('password: Use at least 12 characters');
    const role = migawka(
      ['user', 'add', '--email', 'c@example.test', '--role', 'boss'],
      env(),
      'long-enough-password',
    );
    expect(role.code).toBe(2);
    expect(role.stderr).toContain('must be one of viewer, operator, restore-operator, admin');
  });

  it('puts every account made or refused from a shell in the audit trail, and the chain holds', async () => {
    const db = openDatabase(env().MIGAWKA_DB_PATH);
    try {
      const stores = createSqliteStores(db);
      const entries = (await stores.audit.list({ action: 'cli.user.add' }, { limit: 50, cursor: null }))
        .items;
      expect(
        entries.map((entry) => [entry.outcome, entry.objects.map((object) => object.name)]).reverse(),
      ).toEqual([
        ['succeeded', ['ada@example.test']],
        ['succeeded', ['viewer@example.test']],
        ['refused', []],
        ['refused', []],
      ]);
      expect(entries.every((entry) => !JSON.stringify(entry).includes('password-'))).toBe(true);
      expect((await verifyAuditTrail(stores)).ok).toBe(true);
    } finally {
      sqliteOf(db).close();
    }
  });
});
