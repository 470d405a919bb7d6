import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { withGzip } from './http-compression';

const JSON_BODY = JSON.stringify({ result: { data: { json: { items: ['vm-a', 'vm-b'] } } } });

function answer(type: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON_BODY, { status: 200, headers: { 'content-type': type, ...headers } });
}

function asking(acceptEncoding: string | null): Request {
  return new Request('http://127.0.0.1/api/trpc/vms.list', {
    headers: acceptEncoding === null ? {} : { 'accept-encoding': acceptEncoding },
  });
}

describe('withGzip', () => {
  it.each<[acceptEncoding: string | null, response: () => Response, gzipped: boolean]>([
    ['gzip, deflate, br, zstd', () => answer('application/json'), true],
    ['gzip', () => answer('application/json; charset=utf-8'), true],
    ['br;q=1, gzip;q=0.5', () => answer('application/json'), true],
    [null, () => answer('application/json'), false],
    ['identity', () => answer('application/json'), false],
    ['gzip;q=0, br', () => answer('application/json'), false],
    ['gzip', () => answer('text/event-stream', { 'cache-control': 'no-cache, no-transform' }), false],
    ['gzip', () => answer('application/json', { 'cache-control': 'no-transform' }), false],
    ['gzip', () => answer('text/plain'), false],
    ['gzip', () => answer('application/json', { 'content-encoding': 'br' }), false],
  ])('Accept-Encoding %j → gzipped: %s', async (acceptEncoding, response, gzipped) => {
    const original = response();
    const served = await withGzip(asking(acceptEncoding), original);
    expect(served.status).toBe(200);
    expect(served.headers.get('vary')).toContain('accept-encoding');
    const bytes = Buffer.from(await served.arrayBuffer());
    if (gzipped) {
      expect(served.headers.get('content-encoding')).toBe('gzip');
      expect(served.headers.get('content-length')).toBe(String(bytes.length));
      expect(gunzipSync(bytes).toString()).toBe(JSON_BODY);
    } else {
      expect(served.headers.get('content-encoding')).toBe(original.headers.get('content-encoding'));
      expect(bytes.toString()).toBe(JSON_BODY);
    }
  });

  it('keeps the status and the headers the endpoint set (security headers, its own vary)', async () => {
    const original = new Response(JSON_BODY, {
      status: 401,
      headers: { 'content-type': 'application/json', 'x-frame-options': 'DENY', vary: 'trpc-accept, accept' },
    });
    const served = await withGzip(asking('gzip'), original);
    expect(served.status).toBe(401);
    expect(served.headers.get('x-frame-options')).toBe('DENY');
    expect(served.headers.get('vary')).toBe('trpc-accept, accept, accept-encoding');
    expect(gunzipSync(Buffer.from(await served.arrayBuffer())).toString()).toBe(JSON_BODY);
  });

  it.each([
    ['a list page (compressed at once)', 2_000],
    ['an answer over 64 K characters (compressed on the thread pool)', 40_000],
  ])('%s arrives whole, in any script, with its compressed length', async (_, count) => {
    const text = JSON.stringify({ items: Array.from({ length: count }, (_, i) => `VM ${i} — zażółć`) });
    const original = new Response(text, { headers: { 'content-type': 'application/json' } });
    const served = await withGzip(asking('gzip'), original);
    const bytes = Buffer.from(await served.arrayBuffer());
    expect(served.headers.get('content-length')).toBe(String(bytes.length));
    expect(gunzipSync(bytes).toString('utf8')).toBe(text);
  });
});
