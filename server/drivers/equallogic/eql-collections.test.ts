/**
 * The failure paths of a volume-collection snapshot that the group only shows afterwards: a member
 * that gained more than our one snapshot (the group's own schedule snapshotted it at the same
 * moment), and a `create-now` that answers without naming its snapshot collection.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EqlClient } from './eql-client';
import { EqlOperations } from './eql-operations';
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
      if (commands.some((command) => command.endsWith('snapshot create-now')))
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
      'collection select sqlcoll snapshot create-now': ['Snapshot reserve is full.'],
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
});
