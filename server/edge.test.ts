import { describe, expect, it } from 'vitest';
import nextConfig, { NEXT_SECURITY_HEADERS } from '../next.config.mjs';
import { checkCrossOrigin, checkHost, newNonce, pageContentSecurityPolicy, SECURITY_HEADERS } from './edge';

const policy = {
  allowedHosts: ['localhost', '127.0.0.1', '[::1]', 'migawka.example.com'],
  allowedOrigins: [],
};

function request(host: string, headers: Record<string, string> = {}): Request {
  const init = new Request('http://placeholder/api', { method: 'POST', headers });
  init.headers.set('host', host);
  return init;
}

describe('checkHost', () => {
  it.each<[host: string, allowed: boolean]>([
    ['localhost:3000', true],
    ['127.0.0.1', true],
    ['[::1]:3000', true],
    ['Migawka.Example.COM', true],
    ['migawka.example.com:8443', true],
    ['attacker.example', false],
    ['migawka.example.com.attacker.example', false],
    ['127.0.0.2:3000', false],
    ['[::2]:3000', false],
    ['', false],
  ])('Host %j → allowed: %s', (host, allowed) => {
    expect(checkHost(request(host), policy) === null).toBe(allowed);
  });
});

describe('checkCrossOrigin', () => {
  const allowing = { ...policy, allowedOrigins: ['https://migawka.example.com'] };
  it.each<[name: string, headers: Record<string, string>, allowed: boolean]>([
    ['same-origin fetch', { 'sec-fetch-site': 'same-origin', origin: 'http://localhost:3000' }, true],
    ['typed URL', { 'sec-fetch-site': 'none' }, true],
    ['cross-site fetch', { 'sec-fetch-site': 'cross-site', origin: 'https://attacker.example' }, false],
    ['same-site sibling', { 'sec-fetch-site': 'same-site', origin: 'http://app.localhost:3000' }, false],
    [
      'cross-site from an allowed origin',
      { 'sec-fetch-site': 'cross-site', origin: 'https://migawka.example.com' },
      true,
    ],
    ['old browser, own origin', { origin: 'http://localhost:3000' }, true],
    ['old browser, other port', { origin: 'http://localhost:3001' }, false],
    ['old browser, foreign origin', { origin: 'https://attacker.example' }, false],
    ['old browser, allowed origin behind a proxy', { origin: 'https://migawka.example.com' }, true],
    ['opaque origin', { origin: 'null' }, false],
    ['not a browser', {}, true],
  ])('%s → allowed: %s', (_name, headers, allowed) => {
    expect(checkCrossOrigin(request('localhost:3000', headers), allowing) === null).toBe(allowed);
  });
});

describe('headers', () => {
  it('next.config.mjs applies exactly the security headers to every path, without X-Powered-By', async () => {
    expect(NEXT_SECURITY_HEADERS).toEqual(SECURITY_HEADERS);
    expect(nextConfig.poweredByHeader).toBe(false);
    const rules = await nextConfig.headers?.();
    expect(rules?.[0]).toEqual({
      source: '/:path*',
      headers: Object.entries(SECURITY_HEADERS).map(([key, value]) => ({ key, value })),
    });
  });

  it('gives pages a nonce-based script policy that nobody may frame', () => {
    const nonce = newNonce();
    const csp = pageContentSecurityPolicy(nonce, { isDev: false });
    expect(csp).toContain(`script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('unsafe-eval');
    expect(pageContentSecurityPolicy(nonce, { isDev: true })).toContain("'unsafe-eval'");
  });

  it('makes a new 128-bit nonce every time', () => {
    const nonces = new Set(Array.from({ length: 100 }, newNonce));
    expect(nonces.size).toBe(100);
    for (const nonce of nonces) expect(atob(nonce)).toHaveLength(16);
  });
});
