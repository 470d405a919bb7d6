/**
 * Lists over HTTP: the built console as `npm start` serves it (the real edge checks, session lookup,
 * tRPC and superjson) against a bare node:http + better-sqlite3 server running the same statements
 * (floor-server.mjs), both on loopback, both loaded by autocannon at 1 and 32 connections, one
 * after the other per scenario so both meet the same machine. Also the bytes of the first VM list
 * page and of the VM page's data, and the serving process's resident memory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import type { CapturedStatement, ListScenario } from './lists';
import type { Row } from './report';
import { percentile, type Target } from './stats';

const ADMIN = { email: 'bench@migawka.test', password: 'bench-password-1234' };

export interface RunningServer {
  url: string;
  child: ChildProcess;
  stop: () => Promise<void>;
}

/** SIGTERM, then SIGKILL after 5 s: a server still draining open streams must not hold the bench. */
function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

/** The console serves the bench's SQLite file, even when DATABASE_URL is set for the scale-out part. */
function withoutDatabaseUrl(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { DATABASE_URL: _postgres, ...rest } = env;
  return rest;
}

/**
 * The built console as `npm start` serves it (scripts/start.mjs, with its default query thread) on
 * the bench database: no worker (the queued backups stay queued), logs at warn.
 */
export async function startConsole(dbFile: string, dataDir: string, port: number): Promise<RunningServer> {
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...withoutDatabaseUrl(process.env),
      PORT: String(port),
      MIGAWKA_HOST: '127.0.0.1',
      MIGAWKA_DB_PATH: dbFile,
      MIGAWKA_DATA_DIR: dataDir,
      MIGAWKA_WORKER: '0',
      MIGAWKA_DEMO_ADMIN: `${ADMIN.email}:${ADMIN.password}`,
      LOG_LEVEL: 'warn',
      NEXT_TELEMETRY_DISABLED: '1',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/api/health`)).ok, child, 120_000);
  return { url, child, stop: stopper(child) };
}

async function waitFor(
  isReady: () => Promise<boolean>,
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // Polls a server starting in another process: there is no event to wait on but its answer.
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`the server exited with ${child.exitCode} before it was ready`);
    try {
      if (await isReady()) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the server was not ready within ${timeoutMs / 1000} s`);
}

/** The floor server on the same file, serving scenario i at /i. */
export async function startFloor(
  dbFile: string,
  scenarios: CapturedStatement[][],
  dataDir: string,
): Promise<RunningServer> {
  const scenariosFile = path.join(dataDir, 'floor-scenarios.json');
  writeFileSync(scenariosFile, JSON.stringify(scenarios));
  const child = spawn(process.execPath, ['scripts/bench/floor-server.mjs', dbFile, scenariosFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()).port));
    child.once('exit', (code) => reject(new Error(`the floor server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child, stop: stopper(child) };
}

/** Signs in as the bench admin and returns the session cookie. */
export async function signIn(url: string): Promise<string> {
  const response = await fetch(`${url}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify(ADMIN),
  });
  const cookie = response.headers.getSetCookie().find((line) => line.includes('session_token='));
  if (!cookie) throw new Error(`sign-in answered ${response.status} without a session cookie`);
  return cookie.split(';')[0];
}

/** The URL of a tRPC query as the console's client sends it (superjson input, GET). */
export function trpcUrl(url: string, scenario: Pick<ListScenario, 'path' | 'input'>): string {
  return `${url}/api/trpc/${scenario.path}?input=${encodeURIComponent(JSON.stringify({ json: scenario.input }))}`;
}

interface Load {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  failed: number;
}

/** What Chromium sends: the console answers such a client in gzip. */
const BROWSER_ACCEPT_ENCODING = 'gzip, deflate, br, zstd';

async function load(
  url: string,
  connections: number,
  seconds: number,
  cookie?: string,
  acceptEncoding?: string,
): Promise<Load> {
  const headers: Record<string, string> = {};
  if (cookie) headers.cookie = cookie;
  if (acceptEncoding) headers['accept-encoding'] = acceptEncoding;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    headers,
    // The load comes from a thread of its own: this process holds the estate and the in-process
    // scenarios' leftovers, and a collection of its heap stalled the clients, which counted as the
    // servers' latency.
    workers: 1,
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: result.errors + result.timeouts + result.non2xx,
  };
}

/** The targets for the VM list's first page at 32 connections: a quarter of the floor's rate, */
const FIRST_PAGE_RATE_TARGET: Target = { min: 0.25 };
/**
 * four times the 155 requests/s the console served when the issue was filed (measured on this kind
 * of machine, the bare server then at ~250/s), and a p99 under 100 ms. These two are absolute: a
 * loaded machine misses them whatever the code does, so they are judged as printed and the run's
 * load belongs beside them (docs/BENCHMARKS.md).
 */
const FIRST_PAGE_ABSOLUTE_RATE: Target = { min: 4 * 155 };
const FIRST_PAGE_P99_MS: Target = { max: 100 };

/** Loads of the judged first page at 32 connections, console and floor in turn: their medians are judged. */
const JUDGED_ROUNDS = 3;

export async function measureHttp(options: {
  console: RunningServer;
  floor: RunningServer;
  cookie: string;
  scenarios: { scenario: ListScenario; floorIndex: number }[];
  seconds: number;
}): Promise<Row[]> {
  const rows: Row[] = [];
  rows.push(await warmUp(options));
  for (const { scenario, floorIndex } of options.scenarios) {
    for (const connections of [1, 32]) {
      const isFirstVmPage = scenario.name === 'vms.list first page' && connections === 32;
      const loads = await loadBoth(
        scenario.name,
        trpcUrl(options.console.url, scenario),
        `${options.floor.url}/${floorIndex}`,
        connections,
        options,
        isFirstVmPage ? JUDGED_ROUNDS : 1,
      );
      const served = medianLoad(loads.served);
      const bare = medianLoad(loads.bare);
      const rounds = isFirstVmPage ? `, median of ${JUDGED_ROUNDS} loads` : '';
      rows.push({
        scenario: `${scenario.name}, HTTP ${connections} conn`,
        unit: 'req/s',
        value: once(served.requestsPerSecond),
        floor: once(bare.requestsPerSecond),
        target: isFirstVmPage ? FIRST_PAGE_RATE_TARGET : undefined,
        note: `latency p50/p99 ${served.p50}/${served.p99} ms, floor ${bare.p50}/${bare.p99} ms${rounds}`,
      });
      if (isFirstVmPage) {
        rows.push(...absoluteFirstPageRows(scenario.name, served));
        rows.push(await gzippedLoadRow(scenario, options));
      }
    }
  }
  return rows;
}

/**
 * Both servers answer each scenario at 32 connections for a while before anything is measured: a
 * console serves for days, and its first seconds are V8 compiling its code (the console's query
 * thread gets its first requests then: at one connection the main thread answers). The console's
 * first load (the VM list's first page, the first `seconds` after it started) is printed, not judged.
 */
async function warmUp(options: {
  console: RunningServer;
  floor: RunningServer;
  cookie: string;
  scenarios: { scenario: ListScenario; floorIndex: number }[];
  seconds: number;
}): Promise<Row> {
  const brief = Math.max(1, Math.round(options.seconds / 2));
  let cold: Load | null = null;
  for (const [i, { scenario, floorIndex }] of options.scenarios.entries()) {
    const { served } = await loadBoth(
      scenario.name,
      trpcUrl(options.console.url, scenario),
      `${options.floor.url}/${floorIndex}`,
      32,
      { cookie: options.cookie, seconds: i === 0 ? options.seconds : brief },
      1,
    );
    cold ??= served[0];
  }
  const first = options.scenarios[0];
  if (!cold) throw new Error('no HTTP scenario to warm the servers up with');
  return {
    scenario: `${first.scenario.name}, HTTP 32 conn, the first ${options.seconds} s after the console started (warm-up, not judged; latency p50/p99 ${cold.p50}/${cold.p99} ms)`,
    unit: 'req/s',
    value: once(cold.requestsPerSecond),
  };
}

/** `rounds` loads of each server, in turn (console first, then the floor), failing on any failed request. */
async function loadBoth(
  name: string,
  consoleUrl: string,
  floorUrl: string,
  connections: number,
  options: { cookie: string; seconds: number },
  rounds: number,
): Promise<{ served: Load[]; bare: Load[] }> {
  const served: Load[] = [];
  const bare: Load[] = [];
  for (let round = 0; round < rounds; round++) {
    served.push(await load(consoleUrl, connections, options.seconds, options.cookie));
    bare.push(await load(floorUrl, connections, options.seconds));
  }
  const failed = served.reduce((sum, one) => sum + one.failed, 0);
  const bareFailed = bare.reduce((sum, one) => sum + one.failed, 0);
  if (failed > 0 || bareFailed > 0) {
    throw new Error(`${name}: ${failed} console and ${bareFailed} floor requests failed`);
  }
  return { served, bare };
}

/** Each figure's median over the loads (of one server): one load is itself. */
function medianLoad(loads: Load[]): Load {
  const median = (pick: (one: Load) => number) => percentile(loads.map(pick), 50);
  return {
    requestsPerSecond: median((one) => one.requestsPerSecond),
    p50: median((one) => one.p50),
    p99: median((one) => one.p99),
    failed: loads.reduce((sum, one) => sum + one.failed, 0),
  };
}

const once = (median: number) => ({ median, p95: Number.NaN, count: 1 });

/**
 * The judged loads ask for the answer as it is (no Accept-Encoding), as the 155 req/s was
 * measured; a browser asks for gzip, and the console then compresses every answer. Printed, not
 * judged: a regression in the compression (a CompressionStream cost ~0.4 ms of CPU an answer,
 * docs/BENCHMARKS.md) shows here.
 */
async function gzippedLoadRow(
  scenario: ListScenario,
  options: { console: RunningServer; cookie: string; seconds: number },
): Promise<Row> {
  const url = trpcUrl(options.console.url, scenario);
  const served = await load(url, 32, options.seconds, options.cookie, BROWSER_ACCEPT_ENCODING);
  if (served.failed > 0) throw new Error(`${scenario.name} (gzip): ${served.failed} console requests failed`);
  return {
    scenario: `${scenario.name}, HTTP 32 conn, gzip as a browser asks (not judged; latency p50/p99 ${served.p50}/${served.p99} ms)`,
    unit: 'req/s',
    value: once(served.requestsPerSecond),
  };
}

/** The first page's rate and p99 at 32 connections against the absolute figures. */
function absoluteFirstPageRows(name: string, served: Load): Row[] {
  return [
    {
      scenario: `${name}, HTTP 32 conn, against the issue's 4 × 155 req/s`,
      unit: 'req/s',
      value: once(served.requestsPerSecond),
      judged: 'value',
      target: FIRST_PAGE_ABSOLUTE_RATE,
    },
    {
      scenario: `${name}, HTTP 32 conn, latency p99`,
      unit: 'ms',
      value: once(served.p99),
      judged: 'value',
      target: FIRST_PAGE_P99_MS,
    },
  ];
}

async function gzipBytesOf(url: string, cookie: string): Promise<number> {
  const response = await fetch(url, { headers: { cookie } });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return gzipSync(Buffer.from(await response.arrayBuffer())).length;
}

/** The first VM list page as the console asks it (25 rows) and the VM page's two queries, gzipped. */
export async function measureBytes(url: string, cookie: string, vmId: string): Promise<Row[]> {
  const firstPage = await gzipBytesOf(trpcUrl(url, { path: 'vms.list', input: { limit: 25 } }), cookie);
  const vmPage =
    (await gzipBytesOf(trpcUrl(url, { path: 'vms.get', input: { id: vmId } }), cookie)) +
    (await gzipBytesOf(trpcUrl(url, { path: 'restorePoints.list', input: { vmId, limit: 20 } }), cookie));
  const kb = (bytes: number) => ({ median: bytes / 1024, p95: bytes / 1024, count: 1 });
  return [
    {
      scenario: 'first VM list page, gzip',
      unit: 'KB',
      value: kb(firstPage),
      judged: 'value',
      target: { max: 10 },
    },
    { scenario: 'VM page data (vms.get + its points), gzip', unit: 'KB', value: kb(vmPage) },
  ];
}

/** Resident memory of a process and its descendants, from /proc (Linux). */
export function residentMegabytes(pid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  let kilobytes = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const current = pending.pop() as number;
    try {
      const status = readFileSync(`/proc/${current}/status`, 'utf8');
      kilobytes += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      // ended
    }
    pending.push(...(children.get(current) ?? []));
  }
  return kilobytes / 1024;
}
