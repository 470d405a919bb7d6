/**
 * The Xen guest hook and host flush over real transports: the fake pool over HTTPS says where the
 * guest is and which hosts have the SR plugged; a fake Linux guest and a fake dom0 answer over
 * SSH. The freeze shell's own text is run by real bash against a stand-in fsfreeze.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryHostKeys } from '../hyperv/hyperv-test-support';
import type { SshCredential } from '../ssh/ssh-connection';
import { fixturePool } from './fake/fake-fixtures';
import { FakeLinuxMachine, linuxGuestMounts } from './fake/fake-linux-ssh';
import { startFakeXapi } from './fake/fake-xapi-server';
import { XapiClient } from './xapi-client';
import { xenId } from './xapi-discovery';
import {
  FREEZE_SHELL_KILL,
  freezableMounts,
  freezeCommand,
  GUEST_SSH_KEY,
  parseGuestAddress,
} from './xapi-guest-hook';
import { guestLookup } from './xapi-guest-targets';
import { XapiHypervisor } from './xapi-hypervisor';
import { memoryTrustStore } from './xapi-transport';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const call = () => ({ signal: new AbortController().signal, timeoutMs: 10_000 });
const GUEST = { username: 'root', password: 'guest-s3cret' };
const DOM0 = { username: 'root', password: 'dom0-s3cret' };

async function failureOf(promise: Promise<unknown>): Promise<{ faultCode?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { faultCode?: string; message: string };
  }
  throw new Error('expected a failure');
}

async function setup(accounts: { guest?: SshCredential | null; host?: SshCredential | null } = {}) {
  const fixture = fixturePool();
  const fake = await startFakeXapi({ pool: fixture.pool });
  cleanups.push(() => fake.stop());
  const guest = new FakeLinuxMachine('web01', GUEST, linuxGuestMounts());
  const dom0 = new FakeLinuxMachine('xcp1', DOM0, [{ device: '/dev/sda1', point: '/', type: 'ext3' }]);
  await guest.start();
  await dom0.start();
  cleanups.push(() => guest.stop());
  cleanups.push(() => dom0.stop());
  fixture.pool.mod('VM', fixture.web01, { other_config: { [GUEST_SSH_KEY]: `127.0.0.1:${guest.port}` } });
  const client = new XapiClient({
    label: 'xapi pool lab',
    address: fake.address(),
    credentials: { credentials: async () => ({ username: 'root', password: 's3cret' }) },
    trust: memoryTrustStore(),
  });
  const hostKeys = memoryHostKeys();
  const makeDriver = () => {
    const driver = new XapiHypervisor(client, {
      guestCredential: async () => (accounts.guest === undefined ? GUEST : accounts.guest),
      hostCredential: async () => (accounts.host === undefined ? DOM0 : accounts.host),
      hostKeys,
      hostPort: dom0.port,
    });
    cleanups.push(() => driver.closeHooks());
    return driver;
  };
  const id = (className: 'VM' | 'SR', ref: string) => xenId(fixture.pool.get(className, ref)?.uuid as string);
  return {
    fixture,
    client,
    guest,
    dom0,
    hostKeys,
    driver: makeDriver(),
    makeDriver,
    web01: id('VM', fixture.web01),
    sql01: id('VM', fixture.sql01),
    iscsi: id('SR', fixture.iscsi),
  };
}

describe('pure parts', () => {
  it.each([
    ['10.0.0.5', { host: '10.0.0.5', port: 22 }],
    ['web01.example.test:2222', { host: 'web01.example.test', port: 2222 }],
    ['[fd00::5]:22', { host: 'fd00::5', port: 22 }],
    ['fd00::5', { host: 'fd00::5', port: 22 }],
    ['web01:99999', null],
    ['two words', null],
  ])('guest address %s', (value, expected) => {
    expect(parseGuestAddress(value)).toEqual(expected);
  });

  it('freezes block-device file systems fsfreeze supports, deepest first, each once', () => {
    const mounts = [
      'sysfs /sys sysfs rw 0 0',
      '/dev/xvda1 / ext4 rw,relatime 0 0',
      'tmpfs /run tmpfs rw 0 0',
      '/dev/xvdb1 /srv/my\\040data xfs rw 0 0',
      '/dev/xvdc1 /boot/efi vfat rw 0 0',
      '/dev/xvda1 / ext4 rw,relatime 0 0',
    ].join('\n');
    expect(freezableMounts(mounts)).toEqual(['/srv/my data', '/']);
  });

  const bash = spawnSync('bash', ['-c', 'true']).status === 0;
  it.skipIf(!bash)(
    'the freeze shell, run by real bash: thaw on the line, on EOF, on TERM, and after a failed freeze',
    async () => {
      const bin = mkdtempSync(path.join(tmpdir(), 'fsfreeze-'));
      cleanups.push(() => rmSync(bin, { recursive: true, force: true }));
      const log = path.join(bin, 'log');
      writeFileSync(
        path.join(bin, 'fsfreeze'),
        `#!/bin/sh\necho "$*" >> ${log}\n[ "$2" = /bad ] && { echo "fsfreeze: /bad: freeze failed: Operation not supported" >&2; exit 1; }\nexit 0\n`,
      );
      chmodSync(path.join(bin, 'fsfreeze'), 0o755);
      const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
      const run = (mounts: string[], input: string) => {
        rmSync(log, { force: true });
        const out = spawnSync('sh', ['-c', freezeCommand({ username: 'root' }, 5, mounts)], { input, env });
        return {
          code: out.status,
          stdout: out.stdout.toString(),
          calls: readFileSync(log, 'utf8').trim().split('\n'),
        };
      };
      expect(run(['/data', "/it's"], 'thaw\n')).toEqual({
        code: 0,
        stdout: 'frozen\nthawed\n',
        calls: ['-f /data', "-f /it's", "-u /it's", '-u /data'],
      });
      expect(run(['/data'], '')).toMatchObject({
        stdout: 'frozen\nthawed-by-itself\n',
        calls: ['-f /data', '-u /data'],
      });
      expect(run(['/data', '/bad', '/'], '')).toMatchObject({
        code: 3,
        stdout: 'failed /bad: fsfreeze: /bad: freeze failed: Operation not supported\n',
        calls: ['-f /data', '-f /bad', '-u /data'],
      });
      // A TERM while it waits (another worker's thaw): its trap thaws what it froze.
      rmSync(log, { force: true });
      const child = spawn('sh', ['-c', freezeCommand({ username: 'root' }, 60, ['/data'])], { env });
      const output: Buffer[] = [];
      const text = () => Buffer.concat(output).toString();
      const closed = new Promise((resolve) => child.on('close', resolve));
      await new Promise<void>((resolve) =>
        child.stdout.on('data', (chunk: Buffer) => {
          output.push(chunk);
          if (text().includes('frozen')) resolve();
        }),
      );
      execFileSync('sh', ['-c', FREEZE_SHELL_KILL], { env });
      await closed;
      expect(text()).toBe('frozen\nthawed-by-signal\n');
      expect(readFileSync(log, 'utf8')).toBe('-f /data\n-u /data\n');
    },
  );
});

describe('the Xen guest hook over SSH', () => {
  it('runs the job’s scripts in the guest: an exit code is a result, one past its timeout is stopped', async () => {
    const lab = await setup();
    lab.guest.scriptExits.set('/opt/app/fail.sh', 2);
    lab.guest.hangingScripts.add('/opt/app/hang.sh');
    expect(
      await lab.driver.runGuestScript(lab.web01, { command: '/opt/app/pre.sh', timeoutMs: 30_000 }, call()),
    ).toEqual({ exitCode: 0, output: 'ran /opt/app/pre.sh' });
    expect(
      (await lab.driver.runGuestScript(lab.web01, { command: '/opt/app/fail.sh', timeoutMs: 5000 }, call()))
        .exitCode,
    ).toBe(2);
    const hung = await failureOf(
      lab.driver.runGuestScript(lab.web01, { command: '/opt/app/hang.sh', timeoutMs: 5000 }, call()),
    );
    expect(hung).toMatchObject({
      faultCode: 'script-failed',
      message: expect.stringMatching(/hang\.sh in guest of web01 .* ran past 5 s/),
    });
    expect(lab.guest.connections).toBe(1); // one connection reused
    expect(lab.hostKeys.pins.get(`127.0.0.1:${lab.guest.port}`)).toBe(lab.guest.fingerprint);
  });

  it('freezes every mounted file system deepest first and thaws them through the freeze’s own channel', async () => {
    const lab = await setup();
    await lab.driver.freezeGuest(lab.web01, 10_000, call());
    expect([...lab.guest.frozen].sort()).toEqual(['/', '/var/lib/mysql']);
    await lab.driver.thawGuest(lab.web01, call());
    expect(lab.guest.frozen.size).toBe(0);
    expect(lab.guest.events).toEqual([
      'web01: freeze /var/lib/mysql',
      'web01: freeze /',
      'web01: thaw /',
      'web01: thaw /var/lib/mysql',
    ]);
  });

  it('a freeze that fails half-way thaws what it froze and is a VSS-style failure the policy handles', async () => {
    const lab = await setup();
    lab.guest.frozen.add('/'); // someone else froze the root file system
    const failed = await failureOf(lab.driver.freezeGuest(lab.web01, 10_000, call()));
    expect(failed).toMatchObject({
      faultCode: 'vss-writer-timeout',
      message: expect.stringMatching(/fsfreeze failed \/: .*Device or resource busy/),
    });
    expect([...lab.guest.frozen]).toEqual(['/']); // what it froze itself is thawed again
    expect(lab.guest.events).toEqual(['web01: freeze /var/lib/mysql', 'web01: thaw /var/lib/mysql']);
  });

  it('a freeze cancelled before the guest answered closes its channel, and the guest thaws what it froze', async () => {
    const lab = await setup();
    lab.guest.withholdFrozen = true;
    const controller = new AbortController();
    lab.guest.onEvent = (event) => {
      if (event === 'web01: freeze /') controller.abort(new Error('operation cancelled'));
    };
    await expect(
      lab.driver.freezeGuest(lab.web01, 60_000, { signal: controller.signal, timeoutMs: 60_000 }),
    ).rejects.toThrow('operation cancelled');
    await expect.poll(() => lab.guest.frozen.size).toBe(0);
  });

  it('a lost worker: the guest thaws itself when the channel goes', async () => {
    const lab = await setup();
    await lab.driver.freezeGuest(lab.web01, 10_000, call());
    await lab.driver.closeHooks(); // the worker is gone: its channel closes
    await expect.poll(() => lab.guest.frozen.size).toBe(0);
  });

  it('another worker’s thaw ends the freeze shell it does not hold, and never thaws a freeze not ours', async () => {
    const lab = await setup();
    await lab.driver.freezeGuest(lab.web01, 10_000, call());
    await lab.makeDriver().thawGuest(lab.web01, call()); // a worker that took over the operation
    expect(lab.guest.frozen.size).toBe(0);
    lab.guest.frozen.add('/'); // frozen by someone else
    await lab.makeDriver().thawGuest(lab.web01, call());
    expect([...lab.guest.frozen]).toEqual(['/']);
  });

  it('nothing configured is connector-missing, as before, and a thaw there has nothing to undo', async () => {
    const lab = await setup({ guest: null });
    expect(await failureOf(lab.driver.freezeGuest(lab.web01, 10_000, call()))).toMatchObject({
      faultCode: 'connector-missing',
      message: expect.stringMatching(/has no guest account, so the guest hook cannot reach web01/),
    });
    expect(await failureOf(lab.driver.freezeGuest(lab.sql01, 10_000, call()))).toMatchObject({
      faultCode: 'connector-missing',
      message: expect.stringMatching(/sql01 runs Windows/),
    });
    await lab.driver.thawGuest(lab.sql01, call());
    const bare = new XapiHypervisor(lab.client);
    expect(
      await failureOf(
        bare.runGuestScript(lab.web01, { command: '/opt/app/pre.sh', timeoutMs: 5000 }, call()),
      ),
    ).toMatchObject({ faultCode: 'connector-missing' });
    expect(await failureOf(bare.flushHostIo(lab.iscsi, call()))).toMatchObject({
      faultCode: 'connector-missing',
    });
  });

  it('reaches a guest at the address its guest metrics report when the admin set none', async () => {
    const lab = await setup();
    lab.fixture.pool.mod('VM', lab.fixture.web01, { other_config: {} });
    const metrics = lab.fixture.pool.get('VM', lab.fixture.web01)?.guest_metrics as string;
    lab.fixture.pool.mod('VM_guest_metrics', metrics, {
      networks: { '0/ipv6/0': 'fd00::5', '0/ip': '192.0.2.15' },
    });
    expect(await guestLookup(lab.client, lab.web01, call())).toEqual({
      target: { vmName: 'web01', host: '192.0.2.15', port: 22 },
    });
  });

  it('refuses a guest whose SSH key changed, before sending the password', async () => {
    const lab = await setup();
    lab.hostKeys.pins.set(`127.0.0.1:${lab.guest.port}`, 'SHA256:somethingelse');
    const refused = await failureOf(lab.driver.freezeGuest(lab.web01, 10_000, call()));
    expect(refused).toMatchObject({
      faultCode: 'host-unreachable',
      message: expect.stringMatching(/different SSH host key/),
    });
    expect(lab.guest.events).toEqual([]);
  });
});

describe('the Xen host flush over SSH', () => {
  it('runs sync in dom0 of every host that has the SR plugged', async () => {
    const lab = await setup();
    await lab.driver.flushHostIo(lab.iscsi, call());
    expect(lab.dom0.events).toEqual(['xcp1: sync']);
  });

  it('without a host account it is connector-missing, naming the SR', async () => {
    const lab = await setup({ host: null });
    expect(await failureOf(lab.driver.flushHostIo(lab.iscsi, call()))).toMatchObject({
      faultCode: 'connector-missing',
      message: expect.stringMatching(/no host SSH account, so dom0 cannot flush ontap-lun0/),
    });
  });
});
