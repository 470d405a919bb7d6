/**
 * tRPC 11's SSE wire format, for the streams the console writes itself (operation-events-sse.ts)
 * instead of through tRPC's pipeline, so the client's `httpSubscriptionLink` reads them unchanged.
 * What tRPC writes (@trpc/server 11.22, stream/sse.ts `sseStreamProducer`, with this router's
 * settings: no ping, no maximum duration, no client options):
 *
 *   event: connected\ndata: {}\n\n\n                  first, once the stream is open
 *   data: <JSON of superjson(value)>\nid: <id>\n\n\n   each `tracked(id, value)`
 *   event: serialized-error\ndata: <JSON of superjson(error shape)>\n\n\n   then the stream ends
 *
 * Each message's fields end in "\n" and the message in a further "\n\n" (one blank line more than
 * SSE needs: tRPC's transform enqueues "\n\n" after the fields). The headers are tRPC's
 * `sseHeaders` plus the `vary` its handler sets on every answer. The HTTP test compares these bytes
 * with tRPC's own for the same events (operation-events-sse.test.ts).
 */
import { sseHeaders } from '@trpc/server/unstable-core-do-not-import';

const encoder = new TextEncoder();

/** The answer's headers, as tRPC's fetch handler sets them on a subscription. */
export function sseResponseHeaders(): Headers {
  const headers = new Headers([['vary', 'trpc-accept, accept']]);
  for (const [name, value] of Object.entries(sseHeaders)) headers.set(name, value);
  return headers;
}

/** The first message: the stream is open (the client's `connected` state), with no client options. */
export const CONNECTED_MESSAGE: Uint8Array = encoder.encode('event: connected\ndata: {}\n\n\n');

/** A tracked value's message: its serialised form (the transformer's output) and its id. */
export function trackedMessage(id: string, serialized: unknown): string {
  return `data: ${JSON.stringify(serialized)}\nid: ${id}\n\n\n`;
}

/** The last message of a stream that failed: the error's shape, serialised by the transformer. */
export function serializedErrorMessage(serializedShape: unknown): Uint8Array {
  return encoder.encode(`event: serialized-error\ndata: ${JSON.stringify(serializedShape)}\n\n\n`);
}

export function encodeMessages(messages: string): Uint8Array {
  return encoder.encode(messages);
}
