import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DriverError } from '../../engine/driver';
import { SQL01 } from './fake/fake-estate';
import { identifyScript } from './fake/fake-windows-host';
import { HypervClient } from './hyperv-client';
import { vmListSchema, vmStateSchema } from './hyperv-records';
import { buildInvocation, MAX_COMMAND_LINE, wrapScript } from './hyperv-scripts';
import { ADMIN, callOptions, startFakeHost } from './hyperv-test-support';

let fake: Awaited<ReturnType<typeof startFakeHost>>;
beforeEach(async () => {
  fake = await startFakeHost(4096);
});
afterEach(async () => {
  await fake.dispose();
});

async function failureOf(promise: Promise<unknown>): Promise<DriverError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DriverError);
  return error as DriverError;
}

describe('HypervClient over SSH to the fake Windows host', () => {
  it('runs a script, reads its one JSON envelope and reuses the connection', async () => {
    const client = fake.connect();
    const state = await client.run('vm-state', { vmId: SQL01 }, vmStateSchema, callOptions());
    expect(state).toMatchObject({ Name: 'sql01', State: 2, CheckpointCount: 0 });
    expect(state.DiskPaths).toEqual(['D:\\Hyper-V\\sql01\\os.vhdx', 'D:\\Hyper-V\\sql01\\data.vhdx']);
    await client.run('vm-state', { vmId: SQL01 }, vmStateSchema, callOptions());
    await client.run('list-vms', {}, vmListSchema, callOptions());
    expect(fake.host.connections).toBe(1);
    expect(fake.host.calls).toEqual(['vm-state', 'vm-state', 'list-vms']);
  });

  it('sends short scripts as -EncodedCommand and long ones on stdin behind the bootstrap', async () => {
    const short = buildInvocation('flush-volume', { volume: 'D:' });
    expect(short.command.length).toBeLessThanOrEqual(MAX_COMMAND_LINE);
    expect(JSON.parse(short.stdin)).toEqual({ params: { volume: 'D:' } });
    const long = buildInvocation('list-vms', {}, 2000);
    expect(long.command.length).toBeLessThanOrEqual(2000);
    expect(JSON.parse(long.stdin).script).toBe(wrapScript('list-vms'));
    expect(identifyScript(short.command, short.stdin)).toEqual({
      name: 'flush-volume',
      params: { volume: 'D:' },
    });
    expect(identifyScript(long.command, long.stdin)).toEqual({ name: 'list-vms', params: {} });
    const vms = await fake.connect({ maxCommandLine: 2000 }).run('list-vms', {}, vmListSchema, callOptions());
    expect(vms).toHaveLength(3);
  });

  it('keeps secrets off the command line: parameters travel on stdin', () => {
    const invocation = buildInvocation('guest-facts', { vmId: SQL01, user: 'u', password: 'pa55word' });
    const decoded = Buffer.from(invocation.command.split(' ').at(-1) ?? '', 'base64').toString('utf16le');
    expect(decoded).not.toContain('pa55word');
    expect(invocation.stdin).toContain('pa55word');
  });

  it('a fake that does not know the current text of a script refuses it', () => {
    const { command, stdin } = buildInvocation('flush-volume', {});
    const tampered = Buffer.from(
      Buffer.from(command.split(' ').at(-1) ?? '', 'base64')
        .toString('utf16le')
        .replace('Write-VolumeCache', 'Write-VolumeCache -Verbose'),
      'utf16le',
    ).toString('base64');
    const result = identifyScript(command.replace(/\S+$/, tampered), stdin);
    expect(result).toEqual({ error: expect.stringContaining('flush-volume.ps1 changed') });
  });

  it('accepts a single VM answered as an object, not an array (PS 5.1)', async () => {
    fake.model.state.vms.splice(1);
    const vms = await fake.connect().run('list-vms', {}, vmListSchema, callOptions());
    expect(vms.map((vm) => vm.Name)).toEqual(['sql01']);
    expect(vms[0].HardDrives).toHaveLength(2);
  });

  it('logs in with a key from the vault as well as with a password', async () => {
    const client = fake.connect({
      credential: { username: 'HV01\\keyuser', privateKey: fake.clientKey.private },
    });
    await expect(
      client.run('vm-state', { vmId: SQL01 }, vmStateSchema, callOptions()),
    ).resolves.toMatchObject({
      Name: 'sql01',
    });
  });

  it('pins the host key on first use and refuses a changed key until an admin accepts it', async () => {
    await fake.connect().run('vm-state', { vmId: SQL01 }, vmStateSchema, callOptions());
    const endpoint = `127.0.0.1:${fake.host.port}`;
    expect(fake.hostKeys.pins.get(endpoint)).toBe(fake.host.fingerprint);
    const callsBefore = fake.host.calls.length;

    await fake.host.restartWithNewKey();
    const refused = await failureOf(
      fake.connect().run('vm-state', { vmId: SQL01 }, vmStateSchema, callOptions()),
    );
    expect(refused.faultCode).toBe('host-unreachable');
    expect(refused.isRetryable).toBe(false);
    expect(refused.message).toContain('different SSH host key');
    expect(fake.hostKeys.refusedKeys.get(endpoint)).toBe(fake.host.fingerprint);
    expect(fake.host.calls.length).toBe(callsBefore); // nothing ran

    await fake.hostKeys.pin(endpoint, fake.hostKeys.refusedKeys.get(endpoint) as string);
    await expect(
      fake.connect().run('vm-state', { vmId: SQL01 }, vmStateSchema, callOptions()),
    ).resolves.toMatchObject({ Name: 'sql01' });
  });

  it('a wrong password is a non-retryable login failure', async () => {
    const client = fake.connect({ credential: { username: ADMIN.username, password: 'wrong' } });
    const error = await failureOf(client.run('vm-state', { vmId: SQL01 }, vmStateSchema, callOptions()));
    expect(error.faultCode).toBe('host-unreachable');
    expect(error.isRetryable).toBe(false);
    expect(error.message).toContain('refused the login');
  });

  it('a host that does not answer is unreachable, and retryable', async () => {
    const port = fake.host.port;
    await fake.host.stop();
    const client = new HypervClient({
      label: 'hyperv host hv01',
      host: '127.0.0.1',
      port,
      credential: async () => ADMIN,
      hostKeys: fake.hostKeys,
    });
    const error = await failureOf(client.run('vm-state', { vmId: SQL01 }, vmStateSchema, callOptions()));
    expect(error.faultCode).toBe('host-unreachable');
    expect(error.isRetryable).toBe(true);
  });

  it('a call past its deadline ends the remote process', async () => {
    fake.host.hangingScripts.add('vm-state');
    const error = await failureOf(
      fake.connect().run('vm-state', { vmId: SQL01 }, vmStateSchema, callOptions(1500)),
    );
    expect(error.faultCode).toBe('timeout');
    await vi.waitFor(() => expect(fake.host.ended).toEqual(['vm-state']));
  });

  it('a cancelled call ends the remote process and rejects with the cancel reason', async () => {
    fake.host.hangingScripts.add('list-vms');
    const cancel = new AbortController();
    const pending = fake.connect().run('list-vms', {}, vmListSchema, callOptions(10_000, cancel.signal));
    await vi.waitFor(() => expect(fake.host.calls).toEqual(['list-vms']));
    cancel.abort(new Error('operation cancelled'));
    await expect(pending).rejects.toThrow('operation cancelled');
    await vi.waitFor(() => expect(fake.host.ended).toEqual(['list-vms']));
  });

  it('runs at most maxConcurrent scripts at once on one host', async () => {
    fake.host.hangingScripts.add('vm-state');
    const client = fake.connect({ maxConcurrent: 2 });
    const cancel = new AbortController();
    const calls = [1, 2, 3].map(() =>
      client
        .run('vm-state', { vmId: SQL01 }, vmStateSchema, callOptions(10_000, cancel.signal))
        .catch(() => 'ended'),
    );
    await vi.waitFor(() => expect(fake.host.calls).toHaveLength(2));
    expect(client.activeChannels).toBe(2);
    cancel.abort(new Error('stop'));
    expect(await Promise.all(calls)).toEqual(['ended', 'ended', 'ended']);
    expect(fake.host.calls).toHaveLength(2);
  });

  it('reads a PowerShell error record from the envelope', async () => {
    const error = await fake
      .connect()
      .run('vm-state', { vmId: '00000000-0000-4000-8000-000000000000' }, vmStateSchema, callOptions())
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      name: 'PowerShellError',
      record: {
        fqid: 'InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM',
        category: 'InvalidArgument',
      },
    });
  });

  it('streams a disk file through SFTP and writes one back', async () => {
    const client = fake.connect();
    const chunks: Uint8Array[] = [];
    for await (const chunk of client.readFile('D:\\Hyper-V\\sql01\\os.vhdx', new AbortController().signal))
      chunks.push(chunk);
    const bytes = Buffer.concat(chunks);
    expect(bytes.equals(fake.model.readFile('D:\\Hyper-V\\sql01\\os.vhdx'))).toBe(true);
    async function* source() {
      yield bytes;
    }
    expect(await client.writeFile('E:\\Restore\\copy.vhdx', source(), new AbortController().signal)).toBe(
      4096,
    );
    expect(fake.model.readFile('E:\\Restore\\copy.vhdx').equals(bytes)).toBe(true);
  });
});
