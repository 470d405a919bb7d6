/**
 * A fake ONTAP cluster on loopback over real HTTPS (node:https, a committed self-signed
 * certificate): HTTP Basic, the documented collection / job / error envelopes (CONNECTORS.md §3),
 * 202 + job for the asynchronous calls, a `Location` header on a CG start and a FlexClone. The state
 * lives in FakeOntapModel. Tests steer it: `failNext` (an error envelope for the next matching calls),
 * `hang` (a path that never answers), `pageSize` (collections answered a page at a time), and read
 * `calls` to see what the connector asked for.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { FakeOntapFault, type FakeOntapModel } from './fake-ontap-model';
import { type Answer, routeRequest } from './fake-ontap-routes';

const CERT_DIR = path.join(import.meta.dirname, 'certs');

export function fakeOntapCertificate(name: 'cluster-a' | 'cluster-b') {
  return {
    key: readFileSync(path.join(CERT_DIR, `${name}.key`)),
    cert: readFileSync(path.join(CERT_DIR, `${name}.crt`)),
  };
}

interface PlannedFailure {
  match: string;
  fault: FakeOntapFault;
  remaining: number;
}

export class FakeOntapServer {
  private server: https.Server | null = null;
  private readonly failures: PlannedFailure[] = [];
  private readonly hung = new Set<string>();
  port = 0;
  /**
   * The most records one collection GET answers (null: all), as ONTAP answers when the call's
   * return_timeout (15 s by default) runs out first: the rest is linked as `_links.next`.
   */
  pageSize: number | null = null;
  /** "METHOD /path?query" of every request, in order. */
  readonly calls: string[] = [];

  constructor(
    readonly model: FakeOntapModel,
    private readonly options: {
      users?: Record<string, string>;
      certificate?: 'cluster-a' | 'cluster-b';
    } = {},
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = https.createServer(
      fakeOntapCertificate(this.options.certificate ?? 'cluster-a'),
      (req, res) => {
        this.handle(req, res).catch((error: unknown) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/hal+json' });
          res.end(JSON.stringify({ error: { message: String(error), code: '13' } }));
        });
      },
    );
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  /** The next `times` requests whose "METHOD /path" starts with `match` fail with this envelope. */
  failNext(match: string, fault: { code: string; message: string; status?: number }, times = 1): void {
    this.failures.push({
      match,
      fault: new FakeOntapFault(fault.code, fault.message, fault.status ?? 400),
      remaining: times,
    });
  }

  /** Requests starting with `match` are read and never answered (a hung cluster). */
  hang(match: string): void {
    this.hung.add(match);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'https://fake');
    const line = `${req.method} ${url.pathname}${url.search}`;
    this.calls.push(line);
    if (!this.isAuthorized(req.headers.authorization)) {
      return send(res, { status: 401, body: { error: { message: 'User is not authorized', code: '6' } } });
    }
    if ([...this.hung].some((match) => line.startsWith(match))) return; // never answered
    const planned = this.failures.find((failure) => failure.remaining > 0 && line.startsWith(failure.match));
    if (planned) {
      planned.remaining -= 1;
      return send(res, faultAnswer(planned.fault));
    }
    this.model.advanceJobs();
    const body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    try {
      const answer = routeRequest(this.model, req.method ?? 'GET', url, body);
      send(res, req.method === 'GET' ? this.paged(url, answer) : answer);
    } catch (error) {
      if (!(error instanceof FakeOntapFault)) throw error;
      send(res, faultAnswer(error));
    }
  }

  /**
   * One page of a collection answer: from `start.index` (this fake's continuation key; ONTAP's are
   * `start.<field>`, and clients only follow the link), at most `max_records` or `pageSize` records.
   */
  private paged(url: URL, answer: Answer): Answer {
    const body = answer.body as { records?: unknown[] };
    if (!Array.isArray(body?.records)) return answer;
    const start = Number(url.searchParams.get('start.index') ?? 0);
    const limit = Math.min(
      this.pageSize ?? Number.POSITIVE_INFINITY,
      Number(url.searchParams.get('max_records') ?? Number.POSITIVE_INFINITY),
    );
    const records = body.records.slice(start, start + limit);
    const links: Record<string, { href: string }> = { self: { href: `${url.pathname}${url.search}` } };
    if (start + records.length < body.records.length) {
      const next = new URLSearchParams(url.searchParams);
      next.set('start.index', String(start + records.length));
      links.next = { href: `${url.pathname}?${next}` };
    }
    return { ...answer, body: { ...body, records, num_records: records.length, _links: links } };
  }

  private isAuthorized(header: string | undefined): boolean {
    const users = this.options.users ?? { admin: 'netapp1!' };
    const match = /^Basic (.+)$/.exec(header ?? '');
    if (!match) return false;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon > 0 && users[decoded.slice(0, colon)] === decoded.slice(colon + 1);
  }
}

function faultAnswer(fault: FakeOntapFault): Answer {
  return { status: fault.status, body: { error: { message: fault.message, code: fault.code } } };
}

function send(res: ServerResponse, answer: Answer): void {
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': 'application/hal+json',
    'content-length': Buffer.byteLength(text),
    ...(answer.location ? { location: answer.location } : {}),
  });
  res.end(text);
}
