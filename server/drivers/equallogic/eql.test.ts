/**
 * The EqualLogic connector against the fake group over real SSH: the CLI conversation (prompt,
 * cli-settings before anything else, echo, paging), snapshots under the engine's names, clones for
 * staged restores, in-place restore, cleanup, `% Error` lines, host-key pinning, deadlines.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testKey } from '../hyperv/fake/fake-windows-host';
import { EqlClient, EqlError } from './eql-client';
import { EqlOperations } from './eql-operations';
import { FakeEqlGroup } from './fake/fake-eql-group';

const MIB = 1024 * 1024;

function memoryHostKeys() {
  const pins = new Map<string, string>();
  const seen = new Map<string, string>();
  return {
    pins,
    seen,
    pinned: async (endpoint: string) => pins.get(endpoint) ?? null,
    pin: async (endpoint: string, fingerprint: string) => void pins.set(endpoint, fingerprint),
    refused: async (endpoint: string, fingerprint: string) => void seen.set(endpoint, fingerprint),
  };
}

let group: FakeEqlGroup;
let hostKeys: ReturnType<typeof memoryHostKeys>;
let client: EqlClient;
let operations: EqlOperations;
const options = (timeoutMs = 5000) => ({ signal: new AbortController().signal, timeoutMs });

function connect(password = 'eql-pass') {
  return new EqlClient({
    label: 'EqualLogic group1',
    host: '127.0.0.1',
    port: group.port,
    credential: async () => ({ username: 'grpadmin', password }),
    hostKeys,
  });
}

beforeEach(async () => {
  group = new FakeEqlGroup();
  group.addVolume('vmfs01', MIB).data.fill(0x0a, 0, 1024);
  group.addVolume('vmfs02', MIB);
  await group.start();
  hostKeys = memoryHostKeys();
  client = connect();
  operations = new EqlOperations(client);
});
afterEach(async () => {
  await client.close();
  await group.stop();
});

describe('Group Manager CLI conversation', () => {
  it('learns the prompt, turns confirmation, paging, events and formatting off first, then answers', async () => {
    expect(await operations.groupAddress(options())).toBe('192.0.2.10');
    expect(client.groupName).toBe('group1');
    expect(group.commands).toEqual([
      'stty columns 255',
      'cli-settings confirmation off',
      'cli-settings paging off',
      'cli-settings events off',
      'cli-settings formatoutput off',
      'grpparams show',
    ]);
    expect(hostKeys.pins.get(client.endpoint)).toMatch(/^SHA256:/);
  });

  it('reads a long listing whole (paging is off) on the same shell', async () => {
    for (let index = 0; index < 30; index += 1) group.addVolume(`extra${index}`, MIB);
    const lines = await client.run('volume show', options());
    expect(lines).toHaveLength(32);
    await client.run('volume show', options());
    expect(group.commands.filter((command) => command.startsWith('stty'))).toHaveLength(1);
  });

  it('reads volume facts from `volume select … show`', async () => {
    expect(await operations.volumeInfo('vmfs01', options())).toEqual({
      name: 'vmfs01',
      sizeText: '1MB',
      iscsiName: 'iqn.2001-05.com.equallogic:0-8a0906-c3e3e8c03-0000000000000001-vmfs01',
      isOnline: true,
      pool: 'default',
      snapReservePercent: 100,
    });
  });

  it.each([
    { initiator: 'iqn.1991-05.com.microsoft:hv1', lines: 1 },
    { initiator: 'iqn.1991-05.com.microsoft:hv01.example.test', lines: 2 },
    { initiator: 'iqn.1991-05.com.microsoft:hyperv-node-07.datacentre.example.test', lines: 3 },
  ])(
    'reads an access record whole when the group wraps its initiator name ($lines lines)',
    async ({ initiator, lines }) => {
      const other = 'iqn.1991-05.com.microsoft:hv02.example.test';
      await operations.grantAccess('vmfs01', [initiator, other], options());
      const shown = await client.run('volume select vmfs01 access show', options());
      expect(shown).toHaveLength(2 + lines + 2); // header, rule, this record, the other (two lines)
      expect(await operations.accessRecords('vmfs01', options())).toEqual([
        { id: expect.any(String), initiator },
        { id: expect.any(String), initiator: other },
      ]);
      // Granted again (a retried step): both are found, nothing is added.
      await operations.grantAccess('vmfs01', [initiator, other], options());
      expect(group.volumes.get('vmfs01')?.access.map((record) => record.initiator)).toEqual([
        initiator,
        other,
      ]);
    },
  );

  it('refuses a changed host key before logging in, and a wrong password without retry', async () => {
    await operations.groupAddress(options());
    await client.close();
    const port = group.port;
    await group.stop();
    group.hostKey = testKey('host-a');
    await group.start(port);
    const before = group.commands.length;
    await expect(operations.groupAddress(options())).rejects.toMatchObject({
      faultCode: 'host-unreachable',
      isRetryable: false,
    });
    expect(group.commands.length).toBe(before);
    expect(hostKeys.seen.get(client.endpoint)).toMatch(/^SHA256:/);

    hostKeys.pins.clear();
    const wrong = new EqlOperations(connect('nope'));
    await expect(wrong.groupAddress(options())).rejects.toMatchObject({
      faultCode: 'host-unreachable',
      isRetryable: false,
    });
  });

  it('abandons a hung command at its deadline and opens a fresh shell for the next', async () => {
    group.hangOn.add('volume select vmfs02 show');
    await expect(operations.volumeInfo('vmfs02', options(200))).rejects.toMatchObject({
      faultCode: 'timeout',
    });
    expect((await operations.volumeInfo('vmfs01', options())).name).toBe('vmfs01');
    expect(group.commands.filter((command) => command === 'stty columns 255')).toHaveLength(2);
  });
});

describe('EqualLogic operations', () => {
  it('snapshots under the engine name (create-now, then rename), once', async () => {
    await operations.snapshotVolume('vmfs01', 'mgw-run-42', options());
    await operations.snapshotVolume('vmfs01', 'mgw-run-42', options());
    expect(await operations.snapshotNames('vmfs01', options())).toEqual(['mgw-run-42']);
    expect(group.commands.filter((command) => command.includes('create-now'))).toEqual([
      'volume select vmfs01 snapshot create-now description mgw-take:mgw-run-42', // the marker a retry finds
    ]);
    expect(group.commands).toContainEqual(
      expect.stringMatching(/^volume select vmfs01 snapshot rename vmfs01-\S+ mgw-run-42$/),
    );
  });

  it('clones a snapshot for a staged restore without touching the source, and cleans the clone up', async () => {
    await operations.snapshotVolume('vmfs01', 'point', options());
    group.volumes.get('vmfs01')?.data.fill(0xaa, 0, 1024);
    const iqn = await operations.cloneSnapshot('vmfs01', 'point', 'mgw-stage-r1', options());
    expect(iqn).toMatch(/^iqn\.2001-05\.com\.equallogic:0-8a0906-c3e3e8c03-[0-9a-f]{16}-mgw-stage-r1$/);
    expect(await operations.cloneSnapshot('vmfs01', 'point', 'mgw-stage-r1', options())).toBe(iqn);
    expect(group.volumes.get('mgw-stage-r1')?.data[0]).toBe(0x0a);
    expect(group.volumes.get('vmfs01')?.data[0]).toBe(0xaa);
    await operations.deleteClone('mgw-stage-r1', options());
    await operations.deleteClone('mgw-stage-r1', options());
    expect(group.volumes.has('mgw-stage-r1')).toBe(false);
  });

  it('restores a volume in place (offline, restore, online) and brings it back online even on failure', async () => {
    await operations.snapshotVolume('vmfs01', 'point', options());
    group.volumes.get('vmfs01')?.data.fill(0xaa, 0, 1024);
    await operations.revertVolume('vmfs01', 'point', options());
    expect(group.volumes.get('vmfs01')?.data[0]).toBe(0x0a);
    expect(group.volumes.get('vmfs01')?.isOnline).toBe(true);

    await expect(operations.revertVolume('vmfs01', 'missing', options())).rejects.toMatchObject({
      faultCode: 'not-found',
    });
    expect(group.volumes.get('vmfs01')?.isOnline).toBe(true);
  });

  it('raises the `% Error` line of a raw command as an EqlError, and the shell stays usable', async () => {
    const error = await client
      .run('volume select vmfs01 snapshot rename a b', options())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EqlError);
    expect((error as EqlError).line).toBe('% Error - Snapshot a does not exist.');
    expect((error as EqlError).isNotFound).toBe(true);
    expect(await operations.snapshotNames('vmfs01', options())).toEqual([]);
    expect(group.commands.filter((command) => command === 'stty columns 255')).toHaveLength(1);
  });

  it('deletes snapshots; one already gone is fine', async () => {
    await operations.snapshotVolume('vmfs02', 'old', options());
    await operations.deleteSnapshot('vmfs02', 'old', options());
    await operations.deleteSnapshot('vmfs02', 'old', options());
    expect(await operations.snapshotNames('vmfs02', options())).toEqual([]);
  });

  it.each([
    ['a volume that does not exist', () => operations.volumeInfo('nosuch', options()), 'not-found'],
    [
      'a clone named like a live volume',
      () => operations.cloneSnapshot('vmfs01', 'point', 'vmfs02', options()),
      'invalid-state',
    ],
    [
      'a clone cleanup aimed at a live volume',
      () => operations.deleteClone('vmfs02', options()),
      'invalid-state',
    ],
    [
      'a clone of a missing snapshot',
      () => operations.cloneSnapshot('vmfs01', 'nosnap', 'mgw-stage-x', options()),
      'not-found',
    ],
    [
      'a name the shell would split',
      () => operations.snapshotVolume('vmfs01', 'a b; volume delete x', options()),
      'invalid-state',
    ],
  ])('reports %s as a fault from its error line', async (_, call, faultCode) => {
    await expect(call()).rejects.toMatchObject({ faultCode, isRetryable: false });
  });
});
