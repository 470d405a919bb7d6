import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { DriverError } from '../../engine/driver';
import { ManualClock } from './fake/fake-clock';
import { fixturePool } from './fake/fake-fixtures';
import { type FakeXapi, type FakeXapiOptions, startFakeXapi } from './fake/fake-xapi-server';
import { memoryTaskJournal, type TaskJournal, XapiClient } from './xapi-client';
import { isXapiError, toDriverError, XapiError } from './xapi-errors';
import { recordsOf, vmRecordSchema } from './xapi-records';
import { memoryTrustStore, type TrustStore } from './xapi-transport';

const fakes: FakeXapi[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(fakes.splice(0).map((fake) => fake.stop()));
});

async function start(options: Partial<FakeXapiOptions> = {}) {
  const fixture = fixturePool();
  const fake = await startFakeXapi({ pool: fixture.pool, ...options });
  fakes.push(fake);
  return { fake, fixture };
}

function clientFor(
  address: string,
  extra: { password?: string; trust?: TrustStore; journal?: TaskJournal } = {},
) {
  let password = extra.password ?? 's3cret';
  const client = new XapiClient({
    label: 'xapi pool lab',
    address,
    credentials: { credentials: async () => ({ username: 'root', password }) },
    trust: extra.trust ?? memoryTrustStore(),
    journal: extra.journal,
  });
  return { client, setPassword: (next: string) => (password = next) };
}

const call = (timeoutMs = 30_000) => ({ signal: new AbortController().signal, timeoutMs });
const vmRecords = recordsOf(vmRecordSchema);

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('XapiClient session', () => {
  it('logs in to the master and reads typed records', async () => {
    const { fake } = await start();
    const { client } = clientFor(fake.address());
    const vms = await client.call('VM.get_all_records', [], vmRecords, call());
    const names = Object.values(vms).map((vm) => vm.name_label);
    expect(names).toEqual(expect.arrayContaining(['sql01', 'web01', 'app01', 'sql01 before patch']));
    expect(fake.calls.slice(0, 2)).toEqual(['session.login_with_password', 'VM.get_all_records']);
  });

  it('follows HOST_IS_SLAVE from a pool member to the master', async () => {
    const { fake, fixture } = await start();
    const { client } = clientFor(fake.address(fixture.member));
    await client.call('pool.get_all_records', [], z.record(z.string(), z.unknown()), call());
    expect(client.master).toEqual({ host: '127.0.0.1', port: Number(fake.address().split(':')[1]) });
  });

  it('logs in again once when the pool forgot the session, and the call succeeds', async () => {
    const { fake } = await start();
    const { client } = clientFor(fake.address());
    await client.call('host.get_all_records', [], z.record(z.string(), z.unknown()), call());
    fake.invalidateSessions();
    await client.call('host.get_all_records', [], z.record(z.string(), z.unknown()), call());
    expect(fake.calls.filter((method) => method === 'session.login_with_password')).toHaveLength(2);
    expect(fake.sessionCount).toBe(1);
  });

  it('waits out the pool’s 5 s on a wrong password and never sends that password again', async () => {
    const clock = new ManualClock();
    const { fake } = await start({ clock });
    const { client, setPassword } = clientFor(fake.address(), { password: 'wrong' });
    const pending = failureOf(client.call('VM.get_all_records', [], vmRecords, call()));
    expect(await clock.sleeping()).toBe(5000);
    clock.advance(5000);
    const error = await pending;
    expect(isXapiError(error, 'SESSION_AUTHENTICATION_FAILED')).toBe(true);
    expect(toDriverError(error, 'xapi pool lab')).toMatchObject({
      faultCode: 'host-unreachable',
      isRetryable: false,
    });

    const again = await failureOf(client.call('VM.get_all_records', [], vmRecords, call()));
    expect(isXapiError(again, 'SESSION_AUTHENTICATION_FAILED')).toBe(true);
    expect(fake.calls.filter((method) => method === 'session.login_with_password')).toHaveLength(1);

    setPassword('s3cret'); // the admin fixed it: the next call logs in
    await client.call('VM.get_all_records', [], vmRecords, call());
    expect(fake.calls.filter((method) => method === 'session.login_with_password')).toHaveLength(2);
  });
});

describe('XapiClient TLS pinning', () => {
  it('pins the certificate on first use and refuses a changed one before sending anything', async () => {
    const { fake } = await start();
    const trust = memoryTrustStore();
    await clientFor(fake.address(), { trust }).client.call('pool.get_all_records', [], z.unknown(), call());
    const pinned = trust.pins.get(fake.address());
    expect(pinned).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

    // The host now presents another certificate (pool-b): refused, remembered for the admin.
    const other = await start({ certificate: 'pool-b' });
    const otherTrust = memoryTrustStore({ [other.fake.address()]: pinned as string });
    const refused = await failureOf(
      clientFor(other.fake.address(), { trust: otherTrust }).client.call(
        'pool.get_all_records',
        [],
        z.unknown(),
        call(),
      ),
    );
    expect(refused).toBeInstanceOf(DriverError);
    expect(refused).toMatchObject({ faultCode: 'host-unreachable', isRetryable: false });
    expect((refused as Error).message).toContain('presented a different TLS certificate');
    expect(other.fake.calls).toEqual([]); // not even the login went out

    const seen = otherTrust.seen.get(other.fake.address()) as string;
    expect(seen).not.toBe(pinned);
    await otherTrust.pin(other.fake.address(), seen); // the admin accepts the new certificate
    await clientFor(other.fake.address(), { trust: otherTrust }).client.call(
      'pool.get_all_records',
      [],
      z.unknown(),
      call(),
    );
    expect(other.fake.calls).toContain('pool.get_all_records');
  });
});

describe('XapiClient Async calls', () => {
  it('journals the task before waiting, reports progress and returns the task result', async () => {
    const clock = new ManualClock();
    const { fake, fixture } = await start({ clock, taskDurationMs: 4000 });
    const journal = memoryTaskJournal();
    const recorded = vi.spyOn(journal, 'record');
    const { client } = clientFor(fake.address(), { journal });
    const progress: number[] = [];
    const result = client.callAsync('VM.snapshot', [fixture.sql01, 'migawka snap-1'], {
      ...call(),
      journalKey: 'snap-1',
      onProgress: (fraction) => progress.push(fraction),
    });
    await fake.whenCalled('event.from');
    expect(journal.tasks.get('snap-1')).toMatch(/^OpaqueRef:task-/);
    for (let quarter = 0; quarter < 4; quarter += 1) {
      await clock.sleeping();
      clock.advance(1000);
    }
    const snapshotRef = await result;
    expect(fixture.pool.get('VM', snapshotRef)).toMatchObject({
      is_a_snapshot: true,
      snapshot_of: fixture.sql01,
    });
    expect(recorded).toHaveBeenCalledTimes(1);
    expect(progress).toEqual([0, 0.25, 0.5, 0.75]);
    expect(journal.tasks.size).toBe(0); // forgotten once read
    expect(fixture.pool.table('task').size).toBe(0); // and destroyed on the pool
  });

  it('a restarted worker waits on the journaled task instead of starting a second one', async () => {
    const clock = new ManualClock();
    const { fake, fixture } = await start({ clock, taskDurationMs: 4000 });
    const journal = memoryTaskJournal();
    // The first worker started the snapshot and stopped answering (its lease expired): its call
    // is still out there, nothing cancelled the task.
    const stalled = clientFor(fake.address(), { journal }).client.callAsync(
      'VM.snapshot',
      [fixture.sql01, 'migawka snap-2'],
      { ...call(), journalKey: 'snap-2' },
    );
    await fake.whenCalled('event.from');
    const taskRef = journal.tasks.get('snap-2');
    expect(taskRef).toMatch(/^OpaqueRef:task-/);

    const restarted = clientFor(fake.address(), { journal }).client.callAsync(
      'VM.snapshot',
      [fixture.sql01, 'migawka snap-2'],
      { ...call(), journalKey: 'snap-2' },
    );
    for (let quarter = 0; quarter < 4; quarter += 1) {
      await clock.sleeping();
      clock.advance(1000);
    }
    const snapshotRef = await restarted;
    expect(fake.calls.filter((method) => method === 'Async.VM.snapshot')).toHaveLength(1);
    expect(fixture.pool.get('VM', snapshotRef)?.name_label).toBe('migawka snap-2');
    expect(await stalled).toBe(snapshotRef);
  });

  it('cancels the pool task when the call is aborted, and nothing is created', async () => {
    const clock = new ManualClock();
    const { fake, fixture } = await start({ clock, taskDurationMs: 4000 });
    const { client } = clientFor(fake.address());
    const controller = new AbortController();
    const pending = failureOf(
      client.callAsync('VM.snapshot', [fixture.sql01, 'migawka snap-3'], {
        signal: controller.signal,
        timeoutMs: 60_000,
      }),
    );
    await clock.sleeping();
    await fake.whenCalled('event.from');
    controller.abort(new Error('operation cancelled'));
    expect(((await pending) as Error).message).toBe('operation cancelled');
    await fake.whenCalled('task.cancel');
    for (let quarter = 0; quarter < 4; quarter += 1) clock.advance(1000);
    const snapshots = [...fixture.pool.table('VM').values()].filter(
      (vm) => vm.name_label === 'migawka snap-3',
    );
    expect(snapshots).toEqual([]);
    expect([...fixture.pool.table('task').values()].map((task) => task.status)).toEqual(['cancelled']);
  });

  it('a failed task surfaces its error_info code', async () => {
    const { fake, fixture } = await start();
    fake.failNext('VM.snapshot', 'SR_FULL', ['107374182400', '53687091200']);
    const error = await failureOf(
      clientFor(fake.address()).client.callAsync('VM.snapshot', [fixture.sql01, 'x'], call()),
    );
    expect(error).toBeInstanceOf(XapiError);
    expect(toDriverError(error, 'xapi pool lab VM.snapshot')).toMatchObject({
      faultCode: 'repository-full',
      isRetryable: false,
      message:
        'xapi pool lab VM.snapshot: the storage repository is full (needs 107374182400 bytes, has 53687091200) (SR_FULL)',
    });
  });

  it('a call the pool never answers is abandoned at its deadline (timeout)', async () => {
    const { fake } = await start();
    const { client } = clientFor(fake.address());
    await client.call('pool.get_all_records', [], z.unknown(), call()); // logged in
    fake.hang('VM.get_all_records');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const pending = failureOf(client.call('VM.get_all_records', [], vmRecords, call(20_000)));
    await fake.whenCalled('VM.get_all_records');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(await pending).toMatchObject({
      faultCode: 'timeout',
      message: 'xapi pool lab VM.get_all_records did not answer within 20 s',
    });
  });
});

describe('XAPI error codes → driver faults', () => {
  const rows: [string, string[], string, boolean][] = [
    ['SESSION_AUTHORIZATION_FAILED', ['backup', 'role'], 'host-unreachable', false],
    ['HANDLE_INVALID', ['VM', 'OpaqueRef:x'], 'not-found', false],
    ['UUID_INVALID', ['VM', 'abc'], 'not-found', false],
    ['VM_BAD_POWER_STATE', ['OpaqueRef:x', 'halted', 'running'], 'invalid-state', false],
    ['OPERATION_NOT_ALLOWED', ['snapshot blocked'], 'invalid-state', false],
    [
      'OTHER_OPERATION_IN_PROGRESS',
      ['VM', 'OpaqueRef:x', 'migrate_send', 'OpaqueRef:t'],
      'invalid-state',
      true,
    ],
    ['VDI_IN_USE', ['OpaqueRef:v', 'destroy'], 'invalid-state', true],
    ['SR_FULL', ['10', '5'], 'repository-full', false],
    ['SR_BACKEND_FAILURE_46', ['', 'The VDI is not available'], 'snapshot-failed', true],
    ['VM_REVERT_FAILED', ['OpaqueRef:x', 'OpaqueRef:s'], 'invalid-state', false],
    ['VDI_IS_A_PHYSICAL_DEVICE', ['OpaqueRef:v'], 'invalid-state', false],
    ['TASK_CANCELLED', ['OpaqueRef:t'], 'invalid-state', false],
    ['MESSAGE_REMOVED', [], 'connector-missing', false],
    ['MESSAGE_METHOD_UNKNOWN', ['VM.foo'], 'connector-missing', false],
    ['MESSAGE_PARAMETER_COUNT_MISMATCH', ['VM.snapshot', '3', '4'], 'connector-missing', false],
    ['VM_SNAPSHOT_WITH_QUIESCE_TIMEOUT', ['OpaqueRef:x'], 'vss-writer-timeout', false],
    ['VM_SNAPSHOT_WITH_QUIESCE_NOT_SUPPORTED', ['OpaqueRef:x'], 'vss-writer-timeout', false],
    ['HOST_OFFLINE', ['OpaqueRef:h'], 'host-unreachable', true],
    ['EVENTS_LOST', [], 'host-unreachable', true],
    ['SOMETHING_NEW_IN_2030', ['a'], 'invalid-state', false],
  ];
  it.each(rows)('%s %j → %s (retryable: %s)', async (code, params, fault, isRetryable) => {
    const { fake } = await start();
    fake.failNext('VM.get_all_records', code, params);
    const error = await failureOf(
      clientFor(fake.address()).client.call('VM.get_all_records', [], vmRecords, call()),
    );
    expect(isXapiError(error, code)).toBe(true);
    expect((error as XapiError).params).toEqual(params);
    const mapped = toDriverError(error, 'xapi pool lab VM.get_all_records');
    expect(mapped).toMatchObject({ faultCode: fault, isRetryable });
    expect((mapped as Error).message).toContain(code);
  });
});

describe('XapiClient task journal after a failure', () => {
  it('forgets a task that failed, so the retry starts a new one', async () => {
    const { fake, fixture } = await start();
    fake.failNext('VM.snapshot', 'SR_BACKEND_FAILURE_46', ['', 'The VDI is not available']);
    const journal = memoryTaskJournal();
    const { client } = clientFor(fake.address(), { journal });
    const options = { ...call(), journalKey: 'snap-4' };
    const error = await failureOf(
      client.callAsync('VM.snapshot', [fixture.sql01, 'migawka snap-4'], options),
    );
    expect(isXapiError(error, 'SR_BACKEND_FAILURE_46')).toBe(true);
    expect(journal.tasks.size).toBe(0);
    const snapshotRef = await client.callAsync('VM.snapshot', [fixture.sql01, 'migawka snap-4'], options);
    expect(fixture.pool.get('VM', snapshotRef)?.name_label).toBe('migawka snap-4');
    expect(fake.calls.filter((method) => method === 'Async.VM.snapshot')).toHaveLength(2);
  });
});
