/**
 * The fake group speaks the conversation the real CLI does, seen from a bare SSH shell (not our
 * client): with confirmation on, a delete asks `(y/n) [n]` and waits; with paging on, a long
 * listing stops at a key prompt. This is why the client turns both off before anything else.
 */
import ssh2 from 'ssh2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeEqlGroup } from './fake-eql-group';

const { Client } = ssh2;
let group: FakeEqlGroup;
let client: InstanceType<typeof Client>;
let output: string;
let write: (line: string) => void;

/** Resolves once the shell's output (since the last call) ends with `tail`. */
function until(tail: string): Promise<string> {
  return new Promise((resolve) => {
    const check = () => {
      if (output.endsWith(tail)) {
        const seen = output;
        output = '';
        resolve(seen);
      } else setImmediate(check);
    };
    check();
  });
}

beforeEach(async () => {
  group = new FakeEqlGroup();
  group.addVolume('vmfs01', 1024);
  for (let index = 0; index < 25; index += 1) group.addVolume(`v${index}`, 1024);
  await group.start();
  client = new Client();
  output = '';
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve()).once('error', reject);
    client.connect({ host: '127.0.0.1', port: group.port, username: 'grpadmin', password: 'eql-pass' });
  });
  await new Promise<void>((resolve, reject) =>
    client.shell((error, stream) => {
      if (error) return reject(error);
      stream.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
      });
      write = (line) => stream.write(`${line}\n`);
      resolve();
    }),
  );
  await until('group1> ');
});
afterEach(async () => {
  client.end();
  await group.stop();
});

describe('fake EqualLogic CLI conversation', () => {
  it('asks before deleting while confirmation is on, and does nothing on "n"', async () => {
    write('volume select vmfs01 snapshot create-now');
    const created = /Snapshot name is (\S+)/.exec(await until('group1> '))?.[1] ?? '';
    write(`volume select vmfs01 snapshot delete ${created}`);
    expect(await until('(y/n) [n]')).toContain('Do you really want to delete the snapshot?');
    write('n');
    expect(await until('group1> ')).toContain('Operation cancelled.');
    expect(group.volumes.get('vmfs01')?.snapshots.has(created)).toBe(true);
    write(`volume select vmfs01 snapshot delete ${created}`);
    await until('(y/n) [n]');
    write('y');
    expect(await until('group1> ')).toContain('Snapshot deletion succeeded.');
  });

  it('pages a long listing while paging is on, and not once it is off', async () => {
    write('volume show');
    expect(await until('Press any key to continue (Q to quit)')).not.toContain('group1> ');
    write('');
    await until('group1> ');
    write('cli-settings paging off');
    await until('group1> ');
    write('volume show');
    expect((await until('group1> ')).split('\r\n').filter((line) => /online/.test(line))).toHaveLength(26);
  });
});
