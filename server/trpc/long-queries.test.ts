/**
 * The console's client links (app/_lib/trpc-links.ts) against the tRPC endpoint behind a real
 * node:http server with Node's own header limit (16 KiB): a query whose input would not fit in a
 * URL goes as a POST and is answered; short ones stay GETs; a mutation is still never a GET.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleLinks } from '../../app/_lib/trpc-links';
import { openDatabase, sqliteOf } from '../../db/client';
import { ensureDemoLab } from '../../db/seed/ensure-demo-lab';
import { CONSOLE_BATCH_SIZE } from '../http-limits';
import { signedIn } from '../test-support';
import { createTrpcHttpHandler, TRPC_ENDPOINT } from './http-handler';
import type { AppRouter } from './root';

const db = openDatabase(':memory:');
ensureDemoLab(db, { seedDemo: true });
const handle = createTrpcHttpHandler({
  maxRequestBytes: 1024 * 1024,
  maxImportBytes: 1024 * 1024,
  maxBatchSize: CONSOLE_BATCH_SIZE,
  edge: { allowedHosts: ['127.0.0.1'], allowedOrigins: [] },
  createContext: () => signedIn(db),
});
const server = http.createServer(getRequestListener(handle, { overrideGlobalObjects: false }));
let url: string;
const methods: string[] = [];

/** fetch, noting each request's method. */
const noting: typeof fetch = (input, init) => {
  methods.push(init?.method ?? 'GET');
  return fetch(input, init);
};

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${TRPC_ENDPOINT}`;
});
afterAll(() => {
  server.close();
  sqliteOf(db).close();
});

/** As many VM ids as a few hundred Hyper-V VMs' (`hv-<GUID>`), none known: the answer is about none. */
function guidIds(count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `hv-${String(i).padStart(8, '0')}-1f2e-4d3c-8b7a-0a1b2c3d4e5f`,
  );
}

describe('queries whose input is longer than a URL may be', () => {
  it.each([
    { vms: 5, method: 'GET' },
    { vms: 40, method: 'GET' },
    { vms: 400, method: 'POST' },
    { vms: 5_000, method: 'POST' },
  ])('hosts.staleFacts for $vms VMs goes as a $method and is answered', async ({ vms, method }) => {
    methods.length = 0;
    const client = createTRPCClient<AppRouter>({ links: consoleLinks(url, noting) });
    const answer = await client.hosts.staleFacts.query({ vmIds: guidIds(vms) });
    expect(answer).toBeDefined();
    expect(methods).toEqual([method]);
  });

  it('a plain GET of 400 VMs is refused by Node before tRPC sees it (the limit the POST avoids)', async () => {
    const statuses: number[] = [];
    const client = createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({
          url,
          transformer: superjson,
          fetch: async (input, init) => {
            const response = await fetch(input, init);
            statuses.push(response.status);
            return response;
          },
        }),
      ],
    });
    await expect(client.hosts.staleFacts.query({ vmIds: guidIds(400) })).rejects.toThrow();
    expect(statuses).toEqual([431]);
  });

  it('short queries batched together are split before their URL grows past the bound', async () => {
    methods.length = 0;
    const client = createTRPCClient<AppRouter>({ links: consoleLinks(url, noting) });
    // Ten queries of 40 VMs each: one batch's URL would be ~25 KB.
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => client.hosts.staleFacts.query({ vmIds: guidIds(40 + i) })),
    );
    expect(answers).toHaveLength(10);
    expect(methods.length).toBeGreaterThan(1);
    expect(methods.every((m) => m === 'GET')).toBe(true);
  });

  it('a mutation sent as a GET is still refused, and does not run: the override is for POSTs only', async () => {
    const input = encodeURIComponent(JSON.stringify({ 0: superjson.serialize({ id: 'x', enabled: false }) }));
    const response = await fetch(`${url}/jobs.setEnabled?batch=1&input=${input}`);
    expect(response.status).toBe(405);
    const [answer] = await response.json();
    expect(answer.error.json.data.code).toBe('METHOD_NOT_SUPPORTED');
  });
});
