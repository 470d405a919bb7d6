import superjson from 'superjson';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../db/client';
import { ensureDemoLab } from '../../db/seed/ensure-demo-lab';
import { countInventory } from '../../db/stores/inventory-store';
import { loadConfig } from '../config';
import { CONSOLE_BATCH_SIZE } from '../http-limits';
import { createTrpcHttpHandler, formatSize, TRPC_ENDPOINT } from './http-handler';
import { contextFor } from './init';

const MAX_REQUEST_BYTES = 4096;
const MAX_BATCH_SIZE = 3;

let db: Db;
let contextsCreated: number;
let handle: (request: Request) => Promise<Response>;

beforeEach(() => {
  db = openDatabase(':memory:');
  ensureDemoLab(db, { seedDemo: true });
  contextsCreated = 0;
  handle = createTrpcHttpHandler({
    maxRequestBytes: MAX_REQUEST_BYTES,
    maxBatchSize: MAX_BATCH_SIZE,
    createContext: () => {
      contextsCreated++;
      return contextFor(db);
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

describe('request body limit', () => {
  it('answers 413 naming the limit when Content-Length is over it, without reading the body', async () => {
    const body = streamedBody(importBody(MAX_REQUEST_BYTES));
    const vmsBefore = countInventory(db).vms;

    const response = await handle(
      post('inventory.import', body.stream, { 'content-length': String(MAX_REQUEST_BYTES + 100) }),
    );

    expect(response.status).toBe(413);
    const { error } = await response.json();
    expect(error.json.data.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.json.message).toBe(
      'The request is 4,196 bytes; the server accepts at most 4,096 bytes (MIGAWKA_MAX_REQUEST_BYTES).',
    );
    expect(body.pulled()).toBe(0);
    expect(countInventory(db).vms).toBe(vmsBefore);
  });

  it('answers 413 once the streamed bytes pass the limit when no Content-Length says so', async () => {
    const body = streamedBody(importBody(20 * MAX_REQUEST_BYTES));

    const response = await handle(post('inventory.import', body.stream));

    expect(response.status).toBe(413);
    const { error } = await response.json();
    expect(error.json.message).toBe(
      'The request is larger than 4,096 bytes; the server accepts at most 4,096 bytes (MIGAWKA_MAX_REQUEST_BYTES).',
    );
    // Reading stopped at the limit: the rest of the body was never pulled.
    expect(body.pulled()).toBeLessThan(body.chunks / 2);
  });

  it('also counts the bytes of a body whose Content-Length understates it', async () => {
    const body = streamedBody(importBody(2 * MAX_REQUEST_BYTES));
    const response = await handle(post('inventory.import', body.stream, { 'content-length': '100' }));
    expect(response.status).toBe(413);
  });

  it('passes a body within the limit through to the procedure', async () => {
    const body = importBody(MAX_REQUEST_BYTES - 200);
    expect(new TextEncoder().encode(body).length).toBeLessThanOrEqual(MAX_REQUEST_BYTES);

    const response = await handle(post('inventory.import', streamedBody(body).stream));

    expect(response.status).toBe(200);
    const { result } = await response.json();
    expect(superjson.deserialize<{ mode: string }>(result.data).mode).toBe('merge');
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
  it('defaults admit a large import and the console batch size', () => {
    const { http } = loadConfig({});
    expect(http.maxRequestBytes).toBe(128 * 1024 * 1024);
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
