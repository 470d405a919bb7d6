/**
 * A real OpenID Connect provider (the `oidc-provider` package) listening on loopback, for the
 * directory sign-in tests (server/auth/oidc.test.ts). Its directory is a plain object the test
 * changes (groups, who is disabled); the "person" at its login page is the test: the interaction
 * route logs in the account the test names and grants the scopes asked for. It can be taken down
 * (every connection dropped, as a network outage leaves it) and counts the requests to its token
 * endpoint. Beside it, the cookie jar of the browser that signs in.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface DirectoryPerson {
  email: string;
  name: string;
  groups: string[];
  /** A disabled person is not found: the provider then refuses their refresh token (invalid_grant). */
  disabled?: boolean;
}

export interface LoopbackDirectory {
  issuer: string;
  /** Who exists, by account id. */
  people: Record<string, DirectoryPerson>;
  /** The account the provider's login page signs in next. */
  loginAs: string;
  /** While true every connection is dropped: the provider is unreachable. */
  isDown: boolean;
  /** Requests to the token endpoint (sign-ins exchange a code there, re-checks a refresh token). */
  tokenRequests: number;
  close(): Promise<void>;
}

export interface LoopbackClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

async function interaction(
  provider: Provider,
  directory: LoopbackDirectory,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'login') {
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: directory.loginAs } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  const grant = new provider.Grant({
    accountId: details.session?.accountId,
    clientId: String(details.params.client_id),
  });
  grant.addOIDCScope(String(details.params.scope));
  await provider.interactionFinished(
    req,
    res,
    { consent: { grantId: await grant.save() } },
    { mergeWithLastSubmission: true },
  );
}

export async function startLoopbackDirectory(client: LoopbackClient): Promise<LoopbackDirectory> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const directory: LoopbackDirectory = {
    issuer: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    people: {},
    loginAs: '',
    isDown: false,
    tokenRequests: 0,
    close: () =>
      new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const provider = new Provider(directory.issuer, {
    clients: [
      {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: [client.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: ['cookie-signing-key-for-the-test'] },
    scopes: ['openid', 'email', 'profile', 'groups', 'offline_access'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, found: { uid: string }) => `/interaction/${found.uid}` },
    findAccount: (_ctx: unknown, id: string) => {
      const person = directory.people[id];
      if (person?.disabled) return undefined;
      return {
        accountId: id,
        claims: () =>
          person
            ? { sub: id, email: person.email, email_verified: true, name: person.name, groups: person.groups }
            : { sub: id },
      };
    },
  });
  const handle = provider.callback();
  server.on('request', (req, res) => {
    if (directory.isDown) {
      req.socket.destroy();
      return;
    }
    if (req.method === 'POST' && req.url === '/token') directory.tokenRequests += 1;
    if (req.url?.startsWith('/interaction/')) {
      interaction(provider, directory, req, res).catch((error) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    } else handle(req, res);
  });
  return directory;
}

/** Cookies per host, as a browser keeps them (name=value only: the test does not need attributes). */
export class CookieJar {
  private readonly byHost = new Map<string, Map<string, string>>();
  store(url: string, response: Response) {
    const host = new URL(url).host;
    const jar = this.byHost.get(host) ?? new Map<string, string>();
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = (pair ?? '').indexOf('=');
      const name = (pair ?? '').slice(0, at);
      const value = (pair ?? '').slice(at + 1);
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    this.byHost.set(host, jar);
  }
  header(url: string): string {
    const jar = this.byHost.get(new URL(url).host);
    return jar ? [...jar].map(([name, value]) => `${name}=${value}`).join('; ') : '';
  }
}
