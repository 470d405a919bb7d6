/**
 * Gzip for the answers the console's server gives outside Next's router (server/console-server.ts):
 * what Next's own compression did for them, so a browser receives the same bytes either way. Only
 * JSON is compressed: an event stream must reach the client message by message, and gzip holds
 * bytes back until it has a block (tRPC's streams also say `no-transform`).
 */
import Negotiator from 'negotiator';

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
export function withGzip(request: Request, response: Response): Response {
  // Caches must key on the header whether this answer was compressed or not.
  response.headers.append('vary', 'accept-encoding');
  if (!isCompressible(response) || !acceptsGzip(request)) return response;
  const headers = new Headers(response.headers);
  headers.set('content-encoding', 'gzip');
  headers.delete('content-length');
  // The DOM typings give CompressionStream a BufferSource writable; the body's bytes are Uint8Arrays.
  const body = (response.body as ReadableStream<BufferSource>).pipeThrough(new CompressionStream('gzip'));
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}
