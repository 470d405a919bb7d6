import { expect, test } from '@playwright/test';

/** Where the run leaves the screenshot; `npm run screenshot` copies it over the README's. */
const SCREENSHOT = 'reports/screenshots/dashboard.png';

test('the dashboard renders at 1280 px without sideways overflow (the README screenshot)', async ({
  page,
}, testInfo) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Most common findings' })).toBeVisible();
  await expect(page.getByRole('link', { name: /VMs: Blocked/ })).toBeVisible();
  // The tab shows the console's mark, served from public/.
  const icon = await page.locator('link[rel="icon"]').getAttribute('href');
  expect(icon).toMatch(/^\/icon\.svg/);
  expect((await page.request.get(icon ?? '')).headers()['content-type']).toContain('image/svg+xml');
  // Nothing may overflow sideways at 1280 px.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  // Test output only: no test writes into tracked files.
  await page.screenshot({ path: SCREENSHOT });
  await testInfo.attach('dashboard', { path: SCREENSHOT, contentType: 'image/png' });
});
