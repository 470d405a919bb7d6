/**
 * HTTPS to a pool host with a pinned certificate. XenServer and XCP-ng hosts ship self-signed
 * certificates, so a CA check says nothing; instead the connection pins the SHA-256 fingerprint
 * of each host's certificate: the first connection records it (trust on first use), a later
 * different one is refused before a single byte (credentials included) is sent, until an admin
 * accepts the new fingerprint (docs/connectors/xenserver.md).
 *
 * Why node:https and not fetch: Node's fetch has no hook to see the peer certificate before the
 * request is written (undici's connector option would need the undici package as a dependency, at
 * a version tied to Node's). Here the TLS handshake is done first (`tls.connect`), the fingerprint
 * compared, and only then is the socket handed to the HTTP request.
 */
import http, { type IncomingMessage } from 'node:http';
import tls from 'node:tls';
import { DriverError } from '../../engine/driver';

/** A pool host as the client reaches it: an address and the HTTPS port (443 on real pools). */
export interface Endpoint {
  host: string;
  port: number;
}

export function endpointLabel(endpoint: Endpoint): string {
  return endpoint.port === 443 ? endpoint.host : `${endpoint.host}:${endpoint.port}`;
}

/**
 * Parses an address a pool hands out (`HOST_IS_SLAVE`'s master, `host.address`). Real pools answer
 * a bare address (the port is the one configured, 443); a `host:port` form is accepted too, which
 * is what lets several hosts of a test pool share the loopback address.
 */
export function endpointFromAddress(address: string, defaultPort: number): Endpoint {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(address);
  if (match) return { host: match[1].replace(/^\[|\]$/g, ''), port: Number(match[2]) };
  return { host: address, port: defaultPort };
}

/** Where the pinned fingerprints live (the pool connection's record). */
export interface TrustStore {
  /** The fingerprint pinned for this endpoint; null when none is yet (first use). */
  pinned(endpoint: string): Promise<string | null>;
  /** Pins a fingerprint: on first use, and when an admin accepts a changed certificate. */
  pin(endpoint: string, fingerprint: string): Promise<void>;
  /** A different certificate was presented: remembered so an admin can review and accept it. */
  refused(endpoint: string, fingerprint: string): Promise<void>;
}

export function memoryTrustStore(initial: Record<string, string> = {}): TrustStore & {
  pins: Map<string, string>;
  seen: Map<string, string>;
} {
  const pins = new Map(Object.entries(initial));
  const seen = new Map<string, string>();
  return {
    pins,
    seen,
    pinned: async (endpoint) => pins.get(endpoint) ?? null,
    pin: async (endpoint, fingerprint) => {
      pins.set(endpoint, fingerprint);
      seen.delete(endpoint);
    },
    refused: async (endpoint, fingerprint) => {
      seen.set(endpoint, fingerprint);
    },
  };
}

function unreachable(endpoint: Endpoint, error: unknown): DriverError {
  const reason = error instanceof Error ? error.message : String(error);
  return new DriverError('host-unreachable', `${endpointLabel(endpoint)} cannot be reached: ${reason}`);
}

/** Opens a TLS connection and checks the certificate against the pin before returning it. */
async function openPinned(
  endpoint: Endpoint,
  trust: TrustStore,
  signal: AbortSignal,
): Promise<tls.TLSSocket> {
  signal.throwIfAborted();
  const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
    // The chain cannot be verified (self-signed hosts); the pin below is the check.
    const candidate = tls.connect({ host: endpoint.host, port: endpoint.port, rejectUnauthorized: false });
    // With Nagle's algorithm on, a write that follows one the host has not yet acknowledged waits
    // for its delayed ACK (~40 ms): a disk PUT's chunks after its head, or a body sent apart.
    candidate.setNoDelay(true);
    const onAbort = () => candidate.destroy(signal.reason instanceof Error ? signal.reason : undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    candidate.once('secureConnect', () => {
      signal.removeEventListener('abort', onAbort);
      resolve(candidate);
    });
    candidate.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      reject(signal.aborted ? signal.reason : unreachable(endpoint, error));
    });
  });
  const fingerprint = socket.getPeerCertificate().fingerprint256;
  const label = endpointLabel(endpoint);
  const pinned = await trust.pinned(label);
  if (pinned === null) {
    await trust.pin(label, fingerprint);
  } else if (pinned !== fingerprint) {
    socket.destroy();
    await trust.refused(label, fingerprint);
    throw new DriverError(
      'host-unreachable',
      `${label} presented a different TLS certificate (pinned ${pinned}, now ${fingerprint}); ` +
        'nothing was sent. An admin must accept the new certificate (Admin → Connections).',
      { isRetryable: false },
    );
  }
  return socket;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  headers?: Record<string, string | number>;
  /** A JSON body (POST) or a byte stream (PUT of a disk). */
  body?: string | AsyncIterable<Uint8Array>;
}

/** One HTTPS request on a freshly pinned connection; resolves with the response head, body unread. */
export async function requestPinned(
  endpoint: Endpoint,
  trust: TrustStore,
  request: HttpRequest,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const socket = await openPinned(endpoint, trust, signal);
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = http.request({
      host: endpoint.host,
      port: endpoint.port,
      method: request.method,
      path: request.path,
      headers: { host: endpoint.host, ...request.headers },
      createConnection: () => socket,
      signal,
    });
    req.once('response', resolve);
    req.once('error', (error) => reject(signal.aborted ? signal.reason : unreachable(endpoint, error)));
    const { body } = request;
    if (body === undefined || typeof body === 'string') {
      req.end(body);
      return;
    }
    (async () => {
      for await (const chunk of body) {
        if (!req.write(chunk)) await new Promise((done) => req.once('drain', done));
      }
      req.end();
    })().catch((error: unknown) => req.destroy(error instanceof Error ? error : new Error(String(error))));
  });
}

/** Reads a whole (small) response body as text. */
export async function readText(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
