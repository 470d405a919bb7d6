import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';

// Keeps the README's screenshot true to the current console.
test('the dashboard renders at 1280 px and is saved as the README screenshot', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Most common findings' })).toBeVisible();
  await expect(page.getByRole('link', { name: /VMs: Blocked/ })).toBeVisible();
  // Nothing may overflow sideways at 1280 px.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  const target = path.join(import.meta.dirname, '..', 'docs', 'screenshots', 'dashboard.png');
  mkdirSync(path.dirname(target), { recursive: true });
  await page.screenshot({ path: target });
});
