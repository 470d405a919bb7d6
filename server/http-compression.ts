/**
 * Gzip for the answers the console's server gives outside Next's router (server/console-server.ts):
 * what Next's own compression did for them, so a browser receives the same bytes either way. Only
 * JSON is compressed: an event stream must reach the client message by message, and gzip holds
 * bytes back until it has a block (tRPC's streams also say `no-transform`).
 *
 * The tRPC endpoint's JSON answers are whole strings (the console batches without streaming), so
 * the body is read at once and compressed by zlib, not piped through a CompressionStream: on an
 * 11 KB list page the web stream cost ~540 µs of CPU per answer (its chunks, promises and the zlib
 * thread's hand-offs), one synchronous gzip ~125 µs. A body too large to compress without holding
 * the event loop goes to zlib's thread pool instead.
 */
import { promisify } from 'node:util';
import { gzip, gzipSync } from 'node:zlib';
import Negotiator from 'negotiator';

/**
 * Longer bodies are compressed on zlib's thread pool: 64 K characters of JSON take about 1 ms to
 * gzip here, which is as long as one answer should hold the event loop; the pool's hand-off costs
 * ~0.1 ms, more than a list page's whole compression.
 */
const SYNC_GZIP_MAX_CHARS = 64 * 1024;

const gzipOnThreadPool = promisify(gzip);

function acceptsGzip(request: Request): boolean {
  const acceptEncoding = request.headers.get('accept-encoding');
  if (acceptEncoding === null) return false;
  return new Negotiator({ headers: { 'accept-encoding': acceptEncoding } }).encodings(['gzip']).length > 0;
}

function isCompressible(response: Response): boolean {
  const type = response.headers.get('content-type') ?? '';
  return (
    response.body !== null &&
    !response.headers.has('content-encoding') &&
    type.split(';', 1)[0].trim().toLowerCase() === 'application/json' &&
    !/\bno-transform\b/i.test(response.headers.get('cache-control') ?? '')
  );
}

/**
 * The answer gzipped when the client accepts gzip and the answer is JSON; as it is otherwise. The
 * endpoint's answers are its own (their headers can be changed), as its security headers are.
 */
export async function withGzip(request: Request, response: Response): Promise<Response> {
  // Caches must key on the header whether this answer was compressed or not.
  response.headers.append('vary', 'accept-encoding');
  if (!isCompressible(response) || !acceptsGzip(request)) return response;
  const headers = new Headers(response.headers);
  headers.set('content-encoding', 'gzip');
  const text = await response.text();
  const body = text.length <= SYNC_GZIP_MAX_CHARS ? gzipSync(text) : await gzipOnThreadPool(text);
  headers.set('content-length', String(body.length));
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}
