/**
 * The ONTAP client against the fake cluster over real HTTPS: Basic auth, the pinned certificate,
 * 202 jobs journaled before the wait and polled on the injected clock, a resumed worker after
 * ONTAP forgot the job, "temporarily locked" back-off, deadlines and cancel, error codes mapped.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DriverError } from '../../engine/driver';
import { FakeOntapServer, fakeOntapCertificate } from './fake/fake-ontap-server';
import { OntapError } from './ontap-errors';
import { OntapOperations } from './ontap-operations';
import { volumeSchema } from './ontap-records';
import { callOptions, type FakeCluster, startFakeCluster, stepCall } from './ontap-test-support';

let cluster: FakeCluster;
beforeEach(async () => {
  cluster = await startFakeCluster();
});
afterEach(async () => {
  await cluster.stop();
});

const volumesPath = '/api/storage/volumes?fields=uuid,name,svm,state,space';

async function snapshotNames(volume: string): Promise<string[]> {
  return cluster.model.volumeByName(volume)?.snapshots.map((snapshot) => snapshot.name) ?? [];
}

describe('ONTAP client transport', () => {
  it('lists volumes with Basic auth and pins the certificate on first use', async () => {
    const volumes = await cluster.client.list(volumesPath, volumeSchema, callOptions());
    expect(volumes.map((volume) => volume.name).sort()).toEqual(['sql_data', 'sql_log']);
    expect(cluster.trust.pins.get(cluster.server.address)).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it.each([
    { pageSize: null, requests: 1 },
    { pageSize: 2, requests: 2 },
    { pageSize: 1, requests: 3 },
  ])(
    'reads a collection whole when the cluster answers $pageSize a page ($requests requests)',
    async ({ pageSize, requests }) => {
      cluster.model.addVolume('svm1', 'scratch', 1024 * 1024);
      cluster.server.pageSize = pageSize;
      const volumes = await cluster.client.list(volumesPath, volumeSchema, callOptions());
      expect(volumes.map((volume) => volume.name).sort()).toEqual(['scratch', 'sql_data', 'sql_log']);
      expect(cluster.server.calls.filter((call) => call.startsWith('GET /api/storage/volumes'))).toHaveLength(
        requests,
      );
    },
  );

  it('refuses a changed certificate before sending a byte, and remembers it for an admin', async () => {
    await cluster.client.list(volumesPath, volumeSchema, callOptions());
    const port = cluster.server.port;
    await cluster.server.stop();
    const impostor = new FakeOntapServer(cluster.model, { certificate: 'cluster-b' });
    impostor.port = port;
    await impostor.start();
    try {
      const error = await cluster.client
        .list(volumesPath, volumeSchema, callOptions())
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DriverError);
      expect((error as DriverError).isRetryable).toBe(false);
      expect(String(error)).toMatch(/different TLS certificate/);
      expect(impostor.calls).toEqual([]);
      expect(cluster.trust.seen.get(cluster.server.address)).toBeDefined();
    } finally {
      await impostor.stop();
    }
  });

  it('maps a refused login to a non-retryable fault', async () => {
    const client = cluster.makeClient({
      credentials: { credentials: async () => ({ username: 'admin', password: 'wrong' }) },
    });
    const error = await new OntapOperations(client)
      .snapshotVolume({ svm: 'svm1', volume: 'sql_data', snapshotName: 's1' }, stepCall('k'))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ faultCode: 'host-unreachable', isRetryable: false });
    expect(String(error)).toMatch(/refused the login/);
  });

  it('says "not ONTAP 9.6+ REST" when the address answers without JSON, and does not retry', async () => {
    const notOntap = https.createServer(fakeOntapCertificate('cluster-a'), (_request, response) => {
      response.writeHead(404, { 'content-type': 'text/html' });
      response.end('<html>Not Found</html>');
    });
    await new Promise<void>((resolve) => notOntap.listen(0, '127.0.0.1', resolve));
    try {
      const client = cluster.makeClient({ address: `127.0.0.1:${(notOntap.address() as AddressInfo).port}` });
      await expect(client.list(volumesPath, volumeSchema, callOptions())).rejects.toMatchObject({
        faultCode: 'connector-missing',
        isRetryable: false,
        message: expect.stringMatching(/not ONTAP 9\.6\+ REST/),
      });
    } finally {
      notOntap.closeAllConnections();
      await new Promise((resolve) => notOntap.close(resolve));
    }
  });

  it('abandons a hung call at its deadline, and a cancel reaches the call in flight', async () => {
    cluster.server.hang('GET /api/storage/volumes');
    const late = await cluster.client
      .list(volumesPath, volumeSchema, callOptions(150))
      .catch((e: unknown) => e);
    expect(late).toMatchObject({ faultCode: 'timeout' });
    const controller = new AbortController();
    const pending = cluster.client.list(volumesPath, volumeSchema, {
      signal: controller.signal,
      timeoutMs: 60_000,
    });
    controller.abort(new Error('operation cancelled'));
    await expect(pending).rejects.toThrow('operation cancelled');
  });
});

describe('ONTAP jobs', () => {
  const snapshotRequest = (uuid: string, name: string) => ({
    method: 'POST' as const,
    path: `/api/storage/volumes/${uuid}/snapshots`,
    body: { name },
  });

  it('journals the job before waiting, polls it on the clock, and forgets it when done', async () => {
    cluster.model.jobDurationMs = 2500;
    const volume = cluster.model.volumeByName('sql_data');
    const pending = cluster.client.runJob(snapshotRequest(volume?.uuid ?? '', 'nightly'), {
      ...callOptions(),
      journalKey: 'step-1:snapshot',
      recover: async () => 'absent',
    });
    expect(await cluster.clock.sleeping()).toBe(1000);
    expect(cluster.journal.jobs.get('step-1:snapshot')?.jobUuid).toMatch(/-/);
    expect(await snapshotNames('sql_data')).toEqual([]);
    for (let poll = 0; poll < 3; poll += 1) {
      await cluster.clock.sleeping();
      cluster.clock.advance(1000);
    }
    await pending;
    expect(await snapshotNames('sql_data')).toEqual(['nightly']);
    expect(cluster.journal.jobs.size).toBe(0);
  });

  it('throws a failed job as its ONTAP code and forgets it, so a retry starts afresh', async () => {
    const volume = cluster.model.volumeByName('sql_data');
    if (!volume) throw new Error('seed');
    cluster.model.takeSnapshot(volume, 'nightly');
    const error = await cluster.client
      .runJob(snapshotRequest(volume.uuid, 'nightly'), {
        ...callOptions(),
        journalKey: 'k',
        recover: async () => 'absent',
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OntapError);
    expect(error).toMatchObject({ code: '525059' });
    expect(cluster.journal.jobs.size).toBe(0);
  });

  it('a worker resumed after ONTAP deleted the finished job finds the snapshot by name and sends nothing again', async () => {
    cluster.model.jobDurationMs = 2000;
    const operations = new OntapOperations(cluster.client);
    const killed = new AbortController();
    const first = operations.snapshotVolume(
      { svm: 'svm1', volume: 'sql_data', snapshotName: 'run-42' },
      { signal: killed.signal, timeoutMs: 60_000, stepKey: 'run-42' },
    );
    await cluster.clock.sleeping();
    killed.abort(new Error('worker lost its lease'));
    await expect(first).rejects.toThrow('worker lost its lease');
    expect(cluster.journal.jobs.has('run-42:snapshot')).toBe(true);
    cluster.clock.advance(2000 + 300_000); // the job ends, then ONTAP forgets it
    const posts = () => cluster.server.calls.filter((call) => call.startsWith('POST')).length;
    const before = posts();
    await operations.snapshotVolume(
      { svm: 'svm1', volume: 'sql_data', snapshotName: 'run-42' },
      stepCall('run-42'),
    );
    expect(posts()).toBe(before);
    expect(cluster.server.calls.some((call) => /GET \/api\/cluster\/jobs\/.+/.test(call))).toBe(true);
    expect(await snapshotNames('sql_data')).toEqual(['run-42']);
    expect(cluster.journal.jobs.size).toBe(0);
  });

  it('sends the request again when the forgotten job left nothing behind', async () => {
    cluster.journal.jobs.set('k:snapshot', { jobUuid: '00000000-dead-4000-8000-000000000000', startedAt: 0 });
    await new OntapOperations(cluster.client).snapshotVolume(
      { svm: 'svm1', volume: 'sql_log', snapshotName: 'again' },
      stepCall('k'),
    );
    expect(await snapshotNames('sql_log')).toEqual(['again']);
  });

  it('retries "temporarily locked" with a doubling back-off on the clock, then gives up', async () => {
    const volume = cluster.model.volumeByName('sql_data');
    const locked = {
      code: '917536',
      message: 'Volume "sql_data" in Vserver "svm1" is temporarily locked.',
      status: 409,
    };
    cluster.server.failNext('POST /api/storage/volumes/', locked, 2);
    const pending = cluster.client.runJob(snapshotRequest(volume?.uuid ?? '', 'after-lock'), {
      ...callOptions(),
      journalKey: 'k2',
      recover: async () => 'absent',
    });
    expect(await cluster.clock.sleeping()).toBe(5000);
    cluster.clock.advance(5000);
    expect(await cluster.clock.sleeping()).toBe(10_000);
    cluster.clock.advance(10_000);
    await pending;
    expect(await snapshotNames('sql_data')).toEqual(['after-lock']);

    cluster.server.failNext('POST /api/storage/volumes/', locked, 4);
    const hopeless = cluster.client
      .runJob(snapshotRequest(volume?.uuid ?? '', 'never'), {
        ...callOptions(),
        journalKey: 'k3',
        recover: async () => 'absent',
      })
      .catch((e: unknown) => e);
    for (const wait of [5000, 10_000, 20_000]) {
      expect(await cluster.clock.sleeping()).toBe(wait);
      cluster.clock.advance(wait);
    }
    expect(await hopeless).toMatchObject({ code: '917536' });
  });

  it.each([
    ['4', 404, 'not-found', false],
    ['6', 403, 'host-unreachable', false],
    ['3', 400, 'connector-missing', false],
    ['1638555', 400, 'invalid-state', false],
    ['53411921', 409, 'snapshot-failed', true],
    ['999999', 500, 'snapshot-failed', true],
  ])('maps ONTAP code %s (HTTP %i) to %s', async (code, status, faultCode, isRetryable) => {
    cluster.server.failNext('GET /api/storage/volumes', { code, message: `fault ${code}`, status });
    const error = await new OntapOperations(cluster.client)
      .revertVolume({ svm: 'svm1', volume: 'sql_data', snapshotName: 'x' }, stepCall('k'))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ faultCode, isRetryable });
  });
});
