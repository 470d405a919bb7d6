/**
 * A fake cluster and a client pointed at it, for the ONTAP tests: a temp directory for the LUN
 * bytes, one manual clock shared by the fake (jobs, fences) and the client (polls, back-off).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManualClock } from '../xapi/fake/fake-clock';
import { memoryTrustStore } from '../xapi/xapi-transport';
import { FakeOntapModel } from './fake/fake-ontap-model';
import { FakeOntapServer } from './fake/fake-ontap-server';
import { memoryJobJournal, OntapClient, type OntapClientOptions, type OntapClock } from './ontap-client';

export const MIB = 1024 * 1024;

/** The client's view of the manual clock: its sleeps are the fake's, and an abort ends them. */
export function clientClock(clock: ManualClock): OntapClock {
  return {
    now: () => clock.now(),
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        clock.sleep(ms).then(resolve);
      }),
  };
}

/** svm1 with sql_data (two LUNs, one per host volume) and sql_log (one LUN), both in cg_sql. */
export function seedCluster(model: FakeOntapModel) {
  model.addSvm('svm1');
  model.addVolume('svm1', 'sql_data', 64 * MIB);
  model.addVolume('svm1', 'sql_log', 64 * MIB);
  const data = model.addLun('sql_data', 'lun0', MIB);
  const log = model.addLun('sql_log', 'lun0', MIB);
  const igroup = model.addIgroup('svm1', 'hv01', ['iqn.1991-05.com.microsoft:hv01.example.test']);
  model.lunMaps.push({ lunUuid: data.uuid, igroupUuid: igroup.uuid, lunNumber: 0 });
  model.lunMaps.push({ lunUuid: log.uuid, igroupUuid: igroup.uuid, lunNumber: 1 });
  model.addIgroup('svm1', 'stage01', ['iqn.1991-05.com.microsoft:stage01.example.test']);
  model.addConsistencyGroup('svm1', 'cg_sql', ['sql_data', 'sql_log']);
  return { data, log, igroup };
}

export async function startFakeCluster(clientOptions: Partial<OntapClientOptions> = {}) {
  const root = mkdtempSync(path.join(tmpdir(), 'fake-ontap-'));
  const clock = new ManualClock();
  const model = new FakeOntapModel(root, clock);
  const seeded = seedCluster(model);
  const server = new FakeOntapServer(model);
  await server.start();
  const trust = memoryTrustStore();
  const journal = memoryJobJournal();
  const makeClient = (overrides: Partial<OntapClientOptions> = {}) =>
    new OntapClient({
      label: 'ONTAP cluster1',
      address: server.address,
      credentials: { credentials: async () => ({ username: 'admin', password: 'netapp1!' }) },
      trust,
      journal,
      clock: clientClock(clock),
      ...clientOptions,
      ...overrides,
    });
  return {
    root,
    clock,
    model,
    server,
    trust,
    journal,
    seeded,
    client: makeClient(),
    makeClient,
    async stop() {
      await server.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export type FakeCluster = Awaited<ReturnType<typeof startFakeCluster>>;

export function callOptions(timeoutMs = 5000) {
  return { signal: new AbortController().signal, timeoutMs };
}

export function stepCall(stepKey: string, timeoutMs = 5000) {
  return { ...callOptions(timeoutMs), stepKey };
}
