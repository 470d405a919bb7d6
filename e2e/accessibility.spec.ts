/**
 * Accessibility of the console's main pages, checked by axe-core (WCAG 2.1 A and AA rules) as an
 * admin sees them on the demo lab: a serious or critical violation fails the page, named by rule,
 * what it means and the elements it found. Each page is checked once its content has loaded (its
 * level-one heading and, for lists, their first rows), so what is checked is what an operator uses.
 * Every page is checked twice: in the light scheme and in the dark one the console follows when the
 * operating system asks for it (prefers-color-scheme), contrast included.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page, test } from '@playwright/test';
import { DEMO_LAB_NAMES, openVm } from './fixtures/demo-lab';

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

// axe computes the contrast of every text node against what is painted under it: on a busy
// two-core machine one long page takes more than the suite's default minute.
test.describe.configure({ timeout: 180_000 });

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes
          .slice(0, 5)
          .map((node) => `${node.target.join(' ')} ${node.html.slice(0, 160)}`)
          .join(', ')}`,
    );
}

/** The pages, how to reach each, and what shows it has loaded. */
const PAGES: { name: string; open: (page: Page) => Promise<void> }[] = [
  { name: 'dashboard', open: (page) => goto(page, '/', /overview|dashboard/i) },
  { name: 'VM list', open: (page) => goto(page, '/vms', 'Virtual machines', 'table') },
  { name: 'VM page', open: (page) => openVm(page, DEMO_LAB_NAMES.healthyVm) },
  { name: 'hosts', open: (page) => goto(page, '/hosts', 'Hosts', 'table') },
  { name: 'volumes', open: (page) => goto(page, '/volumes', /volumes/i, 'table') },
  { name: 'restore points', open: (page) => goto(page, '/restore-points', /restore points/i) },
  { name: 'operations', open: (page) => goto(page, '/operations', 'Operations') },
  { name: 'jobs', open: (page) => goto(page, '/jobs', /jobs/i) },
  { name: 'protection', open: (page) => goto(page, '/protection', /protection/i) },
  { name: 'backup wizard', open: (page) => goto(page, '/backup/new', 'New backup') },
  { name: 'restore wizard', open: (page) => goto(page, '/restore/new', 'Restore') },
  { name: 'connections', open: (page) => goto(page, '/admin/connections', 'Connections') },
  { name: 'users', open: (page) => goto(page, '/admin/users', /users/i, 'table') },
  { name: 'audit trail', open: (page) => goto(page, '/audit', /audit/i) },
  { name: 'approvals', open: (page) => goto(page, '/approvals', /approvals/i) },
  { name: 'import', open: (page) => goto(page, '/import', /import/i) },
  { name: 'my sessions', open: (page) => goto(page, '/account/sessions', 'My sessions') },
];

async function goto(page: Page, path: string, heading: string | RegExp, waitFor?: 'table'): Promise<void> {
  await page.goto(path);
  await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
  if (waitFor === 'table')
    await expect(page.getByRole('table').first().getByRole('row').nth(1)).toBeVisible();
}

/**
 * How light the page's background is (0 black – 1 white), painted on a canvas to read it as RGB
 * whatever colour syntax the stylesheet used: proves the scheme under test is the one drawn, so the
 * dark run cannot pass by checking the light page again.
 */
async function canvasLightness(page: Page): Promise<number> {
  const rgb = await page.evaluate(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 1;
    canvas.height = 1;
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2D canvas');
    context.fillStyle = getComputedStyle(document.body).backgroundColor;
    context.fillRect(0, 0, 1, 1);
    return Array.from(context.getImageData(0, 0, 1, 1).data.slice(0, 3));
  });
  return rgb.reduce((sum, channel) => sum + channel, 0) / (3 * 255);
}

for (const colorScheme of ['light', 'dark'] as const) {
  test.describe(`${colorScheme} scheme`, () => {
    test.use({ colorScheme });

    for (const { name, open } of PAGES) {
      test(`the ${name} has no serious accessibility violation (${colorScheme})`, async ({ page }) => {
        await open(page);
        const lightness = await canvasLightness(page);
        if (colorScheme === 'dark') expect(lightness).toBeLessThan(0.2);
        else expect(lightness).toBeGreaterThan(0.9);
        expect(await seriousViolations(page)).toEqual([]);
      });
    }
  });
}
