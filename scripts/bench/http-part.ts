/**
 * The part of the bench that needs the built console: lists over HTTP beside the floor server,
 * bytes on the wire, SSE fan-out, and the console's resident memory at the end. Loaded only
 * without --no-http (it needs autocannon and `next build`).
 */
import type { BenchEstate } from './estate';
import {
  measureBytes,
  measureHttp,
  type RunningServer,
  residentMegabytes,
  signIn,
  startConsole,
  startFloor,
} from './http';
import type { CapturedStatement, ListScenario } from './lists';
import { measureFanOut } from './queue';
import type { Row } from './report';

export async function measureHttpPart(options: {
  estate: BenchEstate;
  directory: string;
  scenarios: ListScenario[];
  statements: Map<string, CapturedStatement[]>;
  port: number;
  seconds: number;
  /** Lists over HTTP and bytes on the wire; the SSE fan-out. Resident memory is measured either way. */
  parts: { lists: boolean; sse: boolean };
  log: (line: string) => void;
}): Promise<Row[]> {
  const { estate, log } = options;
  const http = options.scenarios.filter((scenario) => scenario.isHttp);
  const servers: RunningServer[] = [];
  try {
    log(`the console on port ${options.port}`);
    const console = await startConsole(estate.file, options.directory, options.port);
    servers.push(console);
    const cookie = await signIn(console.url);
    const rows: Row[] = [];
    if (options.parts.lists) {
      const floor = await startFloor(
        estate.file,
        http.map((scenario) => options.statements.get(scenario.name) ?? []),
        options.directory,
      );
      servers.push(floor);
      log(`${http.length} list scenarios over HTTP, ${options.seconds} s per load`);
      rows.push(
        ...(await measureHttp({
          console,
          floor,
          cookie,
          scenarios: http.map((scenario, floorIndex) => ({ scenario, floorIndex })),
          seconds: options.seconds,
        })),
      );
      rows.push(...(await measureBytes(console.url, cookie, estate.singleVmId)));
    }
    if (options.parts.sse) {
      log('SSE fan-out');
      rows.push(
        ...(await measureFanOut({
          db: estate.db,
          url: console.url,
          cookie,
          subscribers: 500,
          operations: 20,
          timeoutMs: 180_000,
        })),
      );
    }
    const rss = residentMegabytes(console.child.pid ?? 0);
    rows.push({
      scenario: 'resident memory of the console at the end',
      unit: 'MB',
      value: { median: rss, p95: rss, count: 1 },
      judged: 'value',
      target: { max: 500 },
    });
    return rows;
  } finally {
    for (const server of servers.reverse()) await server.stop();
  }
}
