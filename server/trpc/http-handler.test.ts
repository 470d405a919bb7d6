import superjson from 'superjson';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../db/client';
import { ensureDemoLab } from '../../db/seed/ensure-demo-lab';
import { countInventory } from '../../db/stores/inventory-store';
import { loadConfig } from '../config';
import { CONSOLE_BATCH_SIZE } from '../http-limits';
import { contentDigest, signedIn } from '../test-support';
import { bodyLimitOf, createTrpcHttpHandler, formatSize, TRPC_ENDPOINT } from './http-handler';

const MAX_REQUEST_BYTES = 2048;
const MAX_IMPORT_BYTES = 4096;
const MAX_BATCH_SIZE = 3;
const EDGE = {
  allowedHosts: ['localhost', '127.0.0.1', '[::1]'],
  allowedOrigins: ['https://console.example'],
};

let db: Db;
let contextsCreated: number;
let handle: (request: Request) => Promise<Response>;

beforeEach(() => {
  db = openDatabase(':memory:');
  ensureDemoLab(db, { seedDemo: true });
  contextsCreated = 0;
  handle = createTrpcHttpHandler({
    maxRequestBytes: MAX_REQUEST_BYTES,
    maxImportBytes: MAX_IMPORT_BYTES,
    maxBatchSize: MAX_BATCH_SIZE,
    edge: EDGE,
    createContext: () => {
      contextsCreated++;
      return signedIn(db);
    },
  });
});

/** An inventory import whose file text is `padding` characters of whitespace around an empty inventory. */
function importBody(padding: number): string {
  return JSON.stringify(superjson.serialize({ content: `{}${' '.repeat(padding)}`, mode: 'merge' }));
}

/** A body streamed in 1 KiB chunks, counting how many were pulled, with no Content-Length. */
function streamedBody(text: string): {
  stream: ReadableStream<Uint8Array>;
  chunks: number;
  pulled: () => number;
} {
  const bytes = new TextEncoder().encode(text);
  const chunkSize = 1024;
  let offset = 0;
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (offset >= bytes.length) return controller.close();
        pulled++;
        controller.enqueue(bytes.slice(offset, offset + chunkSize));
        offset += chunkSize;
      },
    },
    // No read-ahead: a chunk is pulled only when the reader asks for it.
    { highWaterMark: 0 },
  );
  return { stream, chunks: Math.ceil(bytes.length / chunkSize), pulled: () => pulled };
}

function post(path: string, body: BodyInit, headers: Record<string, string> = {}): Request {
  return new Request(`http://localhost${TRPC_ENDPOINT}/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    duplex: 'half',
  } as RequestInit);
}

function batchedGet(paths: string[]): Request {
  const input = Object.fromEntries(paths.map((_, index) => [index, superjson.serialize(undefined)]));
  const query = new URLSearchParams({ batch: '1', input: JSON.stringify(input) });
  return new Request(`http://localhost${TRPC_ENDPOINT}/${paths.join(',')}?${query}`);
}

describe('request body limit of the import', () => {
  it('answers 413 naming the limit when Content-Length is over it, without reading the body', async () => {
    const body = streamedBody(importBody(MAX_IMPORT_BYTES));
    const vmsBefore = countInventory(db).vms;

    const response = await handle(
      post('inventory.import', body.stream, { 'content-length': String(MAX_IMPORT_BYTES + 100) }),
    );

    expect(response.status).toBe(413);
    const { error } = await response.json();
    expect(error.json.data.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.json.message).toBe(
      'The request is 4,196 bytes; the server accepts at most 4,096 bytes (MIGAWKA_MAX_IMPORT_BYTES).',
    );
    expect(body.pulled()).toBe(0);
    expect(countInventory(db).vms).toBe(vmsBefore);
  });

  it('answers 413 once the streamed bytes pass the limit when no Content-Length says so', async () => {
    const body = streamedBody(importBody(20 * MAX_IMPORT_BYTES));

    const response = await handle(post('inventory.import', body.stream));

    expect(response.status).toBe(413);
    const { error } = await response.json();
    expect(error.json.message).toBe(
      'The request is larger than 4,096 bytes; the server accepts at most 4,096 bytes (MIGAWKA_MAX_IMPORT_BYTES).',
    );
    // Reading stopped at the limit: the rest of the body was never pulled.
    expect(body.pulled()).toBeLessThan(body.chunks / 2);
  });

  it('also counts the bytes of a body whose Content-Length understates it', async () => {
    const body = streamedBody(importBody(2 * MAX_IMPORT_BYTES));
    const response = await handle(post('inventory.import', body.stream, { 'content-length': '100' }));
    expect(response.status).toBe(413);
  });

  it('passes a body within the limit through to the procedure', async () => {
    const body = importBody(MAX_IMPORT_BYTES - 200);
    expect(new TextEncoder().encode(body).length).toBeLessThanOrEqual(MAX_IMPORT_BYTES);

    const response = await handle(post('inventory.import', streamedBody(body).stream));

    expect(response.status).toBe(200);
    const { result } = await response.json();
    expect(superjson.deserialize<{ mode: string }>(result.data).mode).toBe('merge');
  });
});

describe('request body limit of every other call', () => {
  it('answers 413 naming the ordinary limit for a body that only the import could send', async () => {
    const written = contentDigest(db);
    const body = JSON.stringify(superjson.serialize({ id: 'x'.repeat(MAX_REQUEST_BYTES) }));
    const size = new TextEncoder().encode(body).length;
    expect(size).toBeLessThan(MAX_IMPORT_BYTES);

    const response = await handle(post('jobs.delete', body, { 'content-length': String(size) }));

    expect(response.status).toBe(413);
    const { error } = await response.json();
    expect(error.json.message).toBe(
      `The request is ${formatSize(size)}; the server accepts at most 2,048 bytes (MIGAWKA_MAX_REQUEST_BYTES).`,
    );
    expect(contentDigest(db)).toBe(written);
  });

  it('gives a batch that calls the import the import cap', () => {
    const limit = (path: string) =>
      bodyLimitOf(new Request(`http://localhost${TRPC_ENDPOINT}/${path}`), {
        maxRequestBytes: 1,
        maxImportBytes: 2,
        maxBatchSize: 3,
      });
    expect(limit('inventory.import')).toEqual({ maxBytes: 2, setting: 'MIGAWKA_MAX_IMPORT_BYTES' });
    expect(limit('jobs.delete,inventory.import')).toEqual({
      maxBytes: 2,
      setting: 'MIGAWKA_MAX_IMPORT_BYTES',
    });
    expect(limit('jobs.delete')).toEqual({ maxBytes: 1, setting: 'MIGAWKA_MAX_REQUEST_BYTES' });
    expect(limit('inventory.importer')).toEqual({ maxBytes: 1, setting: 'MIGAWKA_MAX_REQUEST_BYTES' });
  });
});

describe('batch size limit', () => {
  it('refuses a batch over the cap with a message naming it, running none of its calls', async () => {
    const paths = Array.from({ length: MAX_BATCH_SIZE + 1 }, () => 'dashboard.get');

    const response = await handle(batchedGet(paths));

    expect(response.status).toBe(400);
    const answers = await response.json();
    expect(answers).toHaveLength(paths.length);
    for (const answer of answers) {
      expect(answer.error.json.message).toBe(
        'This request batches 4 calls; the server accepts at most 3 per request (MIGAWKA_MAX_BATCH_SIZE).',
      );
    }
    expect(contextsCreated).toBe(0);
  });

  it('answers a batch at the cap', async () => {
    const paths = Array.from({ length: MAX_BATCH_SIZE }, () => 'dashboard.get');
    const response = await handle(batchedGet(paths));
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveLength(MAX_BATCH_SIZE);
    expect(contextsCreated).toBe(1);
  });
});

describe('limit settings', () => {
  it('defaults admit a large import, a smaller body for everything else, and the console batch size', () => {
    const { http } = loadConfig({});
    expect(http.maxImportBytes).toBe(128 * 1024 * 1024);
    expect(http.maxRequestBytes).toBe(8 * 1024 * 1024);
    expect(http.maxBatchSize).toBeGreaterThanOrEqual(CONSOLE_BATCH_SIZE);
  });

  it('refuses a batch cap below what the console sends, saying why', () => {
    expect(() => loadConfig({ MIGAWKA_MAX_BATCH_SIZE: String(CONSOLE_BATCH_SIZE - 1) })).toThrow(
      `MIGAWKA_MAX_BATCH_SIZE="${CONSOLE_BATCH_SIZE - 1}": must be ≥ ${CONSOLE_BATCH_SIZE} (the console batches up to ${CONSOLE_BATCH_SIZE} calls per request)`,
    );
  });

  it.each([
    [512, '512 bytes'],
    [4096, '4,096 bytes'],
    [128 * 1024 * 1024, '128 MiB'],
    [1.5 * 1024 * 1024, '1.5 MiB'],
  ])('formats %d bytes as %s', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });
});

describe('the edge', () => {
  const origin = 'http://localhost';

  it.each<{ name: string; headers: Record<string, string> }>([
    { name: 'a foreign Origin', headers: { origin: 'https://attacker.example' } },
    {
      name: 'a cross-site fetch',
      headers: { 'sec-fetch-site': 'cross-site', origin: 'https://attacker.example' },
    },
    {
      name: 'a same-site sibling',
      headers: { 'sec-fetch-site': 'same-site', origin: 'http://other.localhost' },
    },
    { name: 'a cross-site fetch without Origin', headers: { 'sec-fetch-site': 'cross-site' } },
    { name: 'an Origin on another port', headers: { origin: 'http://localhost:4000' } },
    { name: 'a null Origin (sandboxed frame)', headers: { origin: 'null' } },
  ])('refuses a mutation from $name with 403 and writes nothing', async ({ headers }) => {
    const written = contentDigest(db);

    const response = await handle(
      post('jobs.delete', JSON.stringify(superjson.serialize({ id: 'job-1' })), headers),
    );

    expect(response.status).toBe(403);
    const { error } = await response.json();
    expect(error.json.data.code).toBe('FORBIDDEN');
    expect(error.json.message).toMatch(
      /^Refused: a request sent by the web page at .* may not act on this console/,
    );
    expect(error.json.message).toContain('MIGAWKA_ALLOWED_ORIGINS');
    expect(contextsCreated).toBe(0);
    expect(contentDigest(db)).toBe(written);
  });

  it('refuses a foreign Origin replacing the whole inventory, which stays as it was', async () => {
    const before = countInventory(db);
    const response = await handle(
      post('inventory.import', importBody(10).replace('merge', 'replace'), {
        origin: 'https://attacker.example',
      }),
    );
    expect(response.status).toBe(403);
    expect(countInventory(db)).toEqual(before);
  });

  it.each<{ name: string; headers: Record<string, string> }>([
    { name: 'the console itself (Sec-Fetch-Site)', headers: { 'sec-fetch-site': 'same-origin', origin } },
    { name: 'the console itself (Origin only)', headers: { origin } },
    {
      name: 'an allowed origin',
      headers: { 'sec-fetch-site': 'cross-site', origin: 'https://console.example' },
    },
    { name: 'a client that is not a browser', headers: {} },
  ])('lets a mutation from $name through', async ({ headers }) => {
    const response = await handle(post('inventory.import', importBody(10), headers));
    expect(response.status).toBe(200);
  });

  it('refuses a live event stream opened by another site', async () => {
    const input = JSON.stringify(superjson.serialize({ operationId: 'op-1' }));
    const response = await handle(
      new Request(`${origin}${TRPC_ENDPOINT}/operations.events?input=${encodeURIComponent(input)}`, {
        headers: {
          accept: 'text/event-stream',
          'sec-fetch-site': 'cross-site',
          origin: 'https://attacker.example',
        },
      }),
    );
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).not.toContain('text/event-stream');
    expect(contextsCreated).toBe(0);
  });

  it.each(['attacker.example', 'attacker.example:3000', '127.0.0.2', 'localhost.attacker.example'])(
    'refuses every call addressed to the host name %s (DNS rebinding), reads included',
    async (host) => {
      const written = contentDigest(db);
      for (const request of [
        batchedGet(['dashboard.get']),
        post('jobs.delete', JSON.stringify(superjson.serialize({ id: 'job-1' }))),
      ]) {
        request.headers.set('host', host);
        const response = await handle(request);
        expect(response.status).toBe(403);
        const [answer] = [await response.json()].flat();
        expect(answer.error.json.message).toContain(
          `Refused: this console does not answer to the host name "${host.split(':')[0]}"`,
        );
        expect(answer.error.json.message).toContain('MIGAWKA_ALLOWED_HOSTS');
      }
      expect(contextsCreated).toBe(0);
      expect(contentDigest(db)).toBe(written);
    },
  );

  it.each(['localhost:3000', '127.0.0.1', '[::1]:3313', 'LOCALHOST'])(
    'answers a call to the host %s',
    async (host) => {
      const request = batchedGet(['dashboard.get']);
      request.headers.set('host', host);
      expect((await handle(request)).status).toBe(200);
    },
  );

  it('puts the security headers on every answer: success, refusal and error', async () => {
    const refused = post('jobs.delete', '{}', { origin: 'https://attacker.example' });
    const missing = batchedGet(['no.such.procedure']);
    for (const request of [batchedGet(['dashboard.get']), refused, missing]) {
      const response = await handle(request);
      expect(response.headers.get('content-security-policy')).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      );
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('same-origin');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('x-powered-by')).toBeNull();
    }
  });
});
