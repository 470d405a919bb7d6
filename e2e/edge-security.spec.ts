import { request as httpRequest } from 'node:http';
import { expect, type Page, test } from '@playwright/test';
import { DEMO_LAB_NAMES } from './fixtures/demo-lab';

/** Every CSP violation the page reports, from its own event and from the console. */
async function watchCspViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(message.text()))
      violations.push(message.text());
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(
        `Content Security Policy violation: ${event.violatedDirective} blocked ${event.blockedURI}`,
      );
    });
  });
  return violations;
}

test('the console hydrates and works under its Content-Security-Policy without a single violation', async ({
  page,
}) => {
  // Eight full page loads, each rendered per request.
  test.setTimeout(180_000);
  const violations = await watchCspViolations(page);

  const response = await page.goto('/');
  const csp = response?.headers()['content-security-policy'] ?? '';
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(response?.headers()['x-content-type-options']).toBe('nosniff');
  expect(response?.headers()['referrer-policy']).toBe('same-origin');
  expect(response?.headers()['x-powered-by']).toBeUndefined();
  await expect(page.getByRole('heading', { name: 'VMs by backup readiness' })).toBeVisible();

  // Client-side navigation and a client-side filter only work once React has hydrated.
  await page.getByRole('link', { name: /VMs: Partial \(pass-through disks left out\)/ }).click();
  await expect(page).toHaveURL(/\/vms\?readiness=partial/);
  await expect(page.getByLabel('Readiness')).toHaveValue('partial');
  await page.getByRole('link', { name: DEMO_LAB_NAMES.passthroughVm, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: DEMO_LAB_NAMES.passthroughVm })).toBeVisible();

  for (const path of ['/backup/new', '/restore/new', '/operations', '/jobs', '/restore-points', '/import']) {
    const page2 = await page.goto(path);
    expect(page2?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  }
  // A second load gets a different nonce: it is made per request, not per build.
  const again = await page.goto('/');
  expect(again?.headers()['content-security-policy']).not.toBe(csp);
  await expect(page.getByRole('heading', { name: 'VMs by backup readiness' })).toBeVisible();

  expect(violations).toEqual([]);
});

/** A raw HTTP GET with a Host header of our choosing (browsers and fetch refuse to set it). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { host } }, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a page or API call reached through a rebound DNS name is refused with a reason', async ({
  baseURL,
}) => {
  for (const path of ['/', '/api/trpc/dashboard.get']) {
    const answer = await getWithHost(`${baseURL}${path}`, 'attacker.example');
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('does not answer to the host name');
    expect(answer.body).toContain('attacker.example');
  }
});

test('another site cannot replace the inventory through the browser', async ({ request }) => {
  const totals = async () =>
    (await (await request.get('/api/trpc/dashboard.get')).json()).result.data.json.totals;
  const before = await totals();
  expect(before.vms).toBeGreaterThan(0);

  const answer = await request.post('/api/trpc/inventory.import', {
    headers: { origin: 'https://attacker.example', 'content-type': 'application/json' },
    data: { json: { content: '{"hosts":[],"vms":[]}', mode: 'replace' } },
  });

  expect(answer.status()).toBe(403);
  expect((await answer.json()).error.json.message).toContain(
    'https://attacker.example may not act on this console',
  );
  expect(await totals()).toEqual(before);
});

test('an API answer carries the security headers and reaches a browser gzipped, as a page does', async ({
  request,
}) => {
  const answer = await request.get('/api/trpc/vms.list?input=%7B%22json%22%3A%7B%22limit%22%3A25%7D%7D', {
    headers: { 'accept-encoding': 'gzip, deflate, br' },
  });
  expect(answer.status()).toBe(200);
  const headers = answer.headers();
  expect(headers['content-encoding']).toBe('gzip');
  expect(headers.vary).toContain('accept-encoding');
  expect(headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-powered-by']).toBeUndefined();
  // Playwright inflates the body: what arrives is the page of VMs, whole.
  expect((await answer.json()).result.data.json.items.length).toBeGreaterThan(0);
});
