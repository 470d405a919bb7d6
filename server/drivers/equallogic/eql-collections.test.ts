/**
 * The failure paths of a volume-collection snapshot that the group only shows afterwards: a member
 * that gained more than our one snapshot (the group's own schedule snapshotted it at the same
 * moment), a `create-now` that answers without naming its snapshot collection, and a worker killed
 * between `create-now` and the renames (its copies stay under the group's own names, found by the
 * marker in their description by the retry and by the release cleanup).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EqlArray } from './eql-array';
import type { EqlClient } from './eql-client';
import { EqlOperations, markerOf } from './eql-operations';
import { FakeEqlGroup } from './fake/fake-eql-group';
import { clientOfFakeGroup } from './fake/test-client';

const options = () => ({ signal: new AbortController().signal, timeoutMs: 5000 });
let group: FakeEqlGroup;
let client: EqlClient;

beforeEach(async () => {
  group = new FakeEqlGroup();
  group.addVolume('vmfs01', 4096);
  group.addVolume('vmfs02', 4096);
  group.collections.set('sqlcoll', ['vmfs01', 'vmfs02']);
  await group.start();
  client = clientOfFakeGroup(group);
});
afterEach(async () => {
  await client.close();
  await group.stop();
});

describe('collection snapshot failures', () => {
  it('a member that gained two snapshots: which is ours cannot be told, so the step fails and renames nothing there', async () => {
    const record = group.commands.push.bind(group.commands);
    group.commands.push = (...commands: string[]) => {
      if (commands.some((command) => command.includes('snapshot create-now')))
        group.volumes.get('vmfs02')?.snapshots.set('vmfs02-schedule.1', Buffer.alloc(4096));
      return record(...commands);
    };
    await expect(
      new EqlOperations(client).snapshotCollection('sqlcoll', 'snap-1', options()),
    ).rejects.toMatchObject({ faultCode: 'snapshot-failed', message: /vmfs02 gained 2 snapshots/ });
    expect(group.volumes.get('vmfs02')?.snapshots.has('snap-1')).toBe(false);
  });

  it('a create-now that names no snapshot collection fails the step before any rename', async () => {
    const answers: Record<string, string[]> = {
      'collection select sqlcoll show': ['Name: sqlcoll', 'Volume: vmfs01'],
      'volume select vmfs01 snapshot show': [],
      'collection select sqlcoll snapshot create-now description mgw-take:snap-1': [
        'Snapshot reserve is full.',
      ],
    };
    const sent: string[] = [];
    const silent = {
      label: 'EqualLogic stub',
      run: async (command: string) => {
        sent.push(command);
        return answers[command] ?? [];
      },
    } as unknown as EqlClient;
    await expect(
      new EqlOperations(silent).snapshotCollection('sqlcoll', 'snap-1', options()),
    ).rejects.toMatchObject({ faultCode: 'snapshot-failed', message: /Snapshot reserve is full/ });
    expect(sent.some((command) => command.includes('rename'))).toBe(false);
  });

  describe('a worker killed between create-now and the renames', () => {
    /** The worker's client until it dies: the process ends as the first rename is about to go out. */
    const dyingClient = () =>
      ({
        label: client.label,
        run: async (command: string, callOptions: ReturnType<typeof options>) => {
          if (command.includes(' snapshot rename ')) throw new Error('worker killed');
          return client.run(command, callOptions);
        },
      }) as unknown as EqlClient;
    const snapshotsOf = (volume: string) => [...(group.volumes.get(volume)?.snapshots.keys() ?? [])];
    const SCHEDULED = 'vmfs01-2026-11-23-02:00:00.7'; // the group's own schedule: no marker, never touched

    beforeEach(async () => {
      group.volumes.get('vmfs01')?.snapshots.set(SCHEDULED, Buffer.alloc(4096));
      await expect(
        new EqlOperations(dyingClient()).snapshotCollection('sqlcoll', 'snap-1', options()),
      ).rejects.toThrow('worker killed');
      // Left under the group's names, each carrying the attempt's marker.
      expect(snapshotsOf('vmfs02')).toEqual([expect.stringMatching(/^vmfs02-/)]);
      const orphan = snapshotsOf('vmfs02')[0];
      expect(group.volumes.get('vmfs02')?.descriptions.get(orphan)).toBe(markerOf('snap-1'));
    });

    it('the resumed step discards the unrenamed copies and snapshots the collection again, once', async () => {
      group.volumes.get('vmfs02')?.data.fill(0x5c, 0, 16); // written after the killed attempt
      await new EqlOperations(client).snapshotCollection('sqlcoll', 'snap-1', options());
      expect(snapshotsOf('vmfs01').sort()).toEqual(['snap-1', SCHEDULED].sort());
      expect(snapshotsOf('vmfs02')).toEqual(['snap-1']);
      expect(group.volumes.get('vmfs02')?.snapshots.get('snap-1')?.[0]).toBe(0x5c); // the new instant
      expect(group.commands.filter((command) => command.includes('create-now'))).toHaveLength(2);
    });

    it('the release cleanup of an interrupted operation finds them by their marker and deletes them', async () => {
      await new EqlArray(client, 'eql-1').releaseSnapshot('snap-1', options());
      expect(snapshotsOf('vmfs01')).toEqual([SCHEDULED]);
      expect(snapshotsOf('vmfs02')).toEqual([]);
    });
  });
});
