/**
 * The dashboard, the VM list and the protection page say when the facts their readiness and
 * protection rest on may be out of date, and so does the backup wizard's review, of the hosts of
 * its VMs only. An admin connects a Hyper-V host (the fake Windows host over real SSH that
 * hyperv-host-connection.spec.ts uses, started by this spec) and syncs it: nothing is said. The
 * host is reinstalled and its next sync is refused: the pages name the connection, its error, the
 * host and when its facts were read, and lead to the host's page; a viewer reads the same, without
 * the admin's link to the connections. A backup of a lab VM says nothing in its review; one with a
 * VM of the host names it, its connection and why. Once the host is disconnected, all say no
 * connection reads it. Nothing is backed up: the reviews are left unconfirmed.
 * The VMs are renamed st-sql01, st-file01, st-web01 on the fake host, apart from other specs' VMs.
 * What it leaves behind: the host HV01 with its VMs, no connection (as hyperv-host-connection.spec.ts
 * leaves it), and one vault account named for this spec only.
 */
import { expect, type Page, test } from '@playwright/test';
import { ADMIN, startFakeHost } from '../server/drivers/hyperv/hyperv-test-support';
import { addHypervHost, storeAccount, syncHypervHost } from './fixtures/connections';
import { disconnectByName } from './fixtures/disconnect';
import { storageStateOf } from './fixtures/users';

let fake: Awaited<ReturnType<typeof startFakeHost>>;
test.beforeAll(async () => {
  fake = await startFakeHost(4096);
  for (const vm of fake.model.state.vms) vm.name = `st-${vm.name}`;
});
test.afterAll(async () => {
  await fake?.dispose();
});
test.describe.configure({ mode: 'serial' });

const CONNECTION = 'HV01 stale';
const ACCOUNT = 'HV01 stale-facts account';

/** The warning of the dashboard and the VM list, whatever the number of hosts it names. */
const staleWarning = (page: Page) =>
  page.getByRole('status', { name: /^Facts of \d+ hosts? may be out of date$/ });

/** The warning of the backup wizard's review, about the hosts of its VMs. */
const planWarning = (page: Page) =>
  page.getByRole('status', { name: /^This plan rests on facts of \d+ hosts? that may be out of date$/ });

async function openFromNav(
  page: Page,
  link: 'Dashboard' | 'Protection' | 'VMs' | 'Connections',
  heading: string,
) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
}

/**
 * From the protection page's "New backup…", chooses these VMs, once, now, and goes to the review;
 * returns once the review has its answer about the hosts' facts (a warning, or nothing).
 */
async function reviewBackupOf(page: Page, vmNames: string[]) {
  await openFromNav(page, 'Protection', 'Protection');
  await page.getByRole('link', { name: 'New backup…' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'What to back up' })).toBeFocused();
  for (const name of vmNames) {
    await page.getByLabel('Search VMs by name').fill(name);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('checkbox', { name: `Select ${name}`, exact: true }).check();
    await expect(page.getByRole('button', { name: `Remove ${name}` })).toBeVisible();
  }
  await page.getByRole('button', { name: 'Next: method' }).click();
  await page.getByRole('button', { name: 'Next: consistency & scripts' }).click();
  await page.getByRole('button', { name: 'Next: schedule & retention' }).click();
  await page.getByLabel('Once, now').check();
  await page.getByRole('button', { name: 'Next: review' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Review' })).toBeFocused();
  await expect(page.getByRole('table', { name: 'VMs in this backup' })).toBeVisible();
  // The check of the hosts' facts starts with the plan shown: once it stops, its answer is there.
  await expect(page.getByText("Checking whether this backup's hosts' facts are current…")).toHaveCount(0);
}

test('an admin sees on the dashboard and the VM list that a host whose last sync failed shows older facts, and opens the host', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await openFromNav(page, 'Connections', 'Connections');
  await storeAccount(page, { name: ACCOUNT, ...ADMIN });

  await addHypervHost(page, {
    name: CONNECTION,
    port: fake.host.port,
    account: ACCOUNT,
    username: ADMIN.username,
  });
  const host = await syncHypervHost(page, CONNECTION, 'Synced HV01: 3 VMs in the inventory');

  // Every host's facts are current (the lab's always are): nothing is said. (The warning's answer
  // comes in the same batch as the page's own, so once the page shows, it would show too.)
  await openFromNav(page, 'Dashboard', 'Dashboard');
  await expect(page.getByRole('heading', { name: 'VMs by backup readiness' })).toBeVisible();
  await expect(staleWarning(page)).toHaveCount(0);
  await openFromNav(page, 'VMs', 'Virtual machines');
  await expect(page.getByRole('table', { name: /^Virtual machines, sorted by/ })).toBeVisible();
  await expect(staleWarning(page)).toHaveCount(0);

  // The host is reinstalled: its next sync is refused, and what the inventory holds of it stays.
  await fake.host.restartWithNewKey();
  await openFromNav(page, 'Connections', 'Connections');
  await host.getByRole('button', { name: 'Sync now' }).click();
  await expect(host).toContainText(
    `Last sync failed: Hyper-V host ${CONNECTION}: the host presented a different SSH host key`,
  );

  await openFromNav(page, 'Dashboard', 'Dashboard');
  const onDashboard = staleWarning(page);
  await expect(onDashboard).toContainText(
    `The last sync of Hyper-V host ${CONNECTION} failed: the host presented a different SSH host key`,
  );
  await expect(onDashboard).toContainText(
    /What HV01 shows of its \d+ VMs is what its last successful sync read, at /,
  );
  await expect(onDashboard.getByRole('link', { name: CONNECTION, exact: true })).toHaveAttribute(
    'href',
    '/admin/connections',
  );

  await openFromNav(page, 'VMs', 'Virtual machines');
  const onVmList = staleWarning(page);
  await expect(onVmList).toContainText(`The last sync of Hyper-V host ${CONNECTION} failed`);
  await onVmList.getByRole('link', { name: 'HV01', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'HV01' })).toBeVisible();
  await expect(page.getByRole('status', { name: 'Facts of HV01 may be out of date' })).toContainText(
    'What this page shows about HV01 is what its last successful sync read, at',
  );
});

test('the protection page says the same, and a backup review names the host whose facts its plan rests on', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.goto('/');
  await openFromNav(page, 'Protection', 'Protection');
  await expect(page.getByRole('heading', { level: 2, name: 'Protection status' })).toBeVisible();
  const onProtection = staleWarning(page);
  await expect(onProtection).toContainText(
    `The last sync of Hyper-V host ${CONNECTION} failed: the host presented a different SSH host key`,
  );
  await expect(onProtection).toContainText(
    /What HV01 shows of its \d+ VMs is what its last successful sync read, at /,
  );

  // A lab VM's plan rests on current facts: its review says nothing of HV01.
  await reviewBackupOf(page, ['web-01']);
  await expect(planWarning(page)).toHaveCount(0);
  await expect(page.getByText(CONNECTION)).toHaveCount(0);

  // With a VM of HV01 beside it, the review names the host, its connection and why, counting the one VM.
  await page.getByRole('button', { name: 'Start over' }).click();
  await reviewBackupOf(page, ['web-01', 'st-sql01']);
  const review = planWarning(page);
  await expect(review).toHaveAccessibleName('This plan rests on facts of 1 host that may be out of date');
  await expect(review).toContainText(
    `The last sync of Hyper-V host ${CONNECTION} failed: the host presented a different SSH host key`,
  );
  await expect(review).toContainText(
    /The 1 VM of this backup on HV01 is planned from what its last successful sync read, at /,
  );
  await review.getByRole('link', { name: 'HV01', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'HV01' })).toBeVisible();
});

test.describe('as a viewer', () => {
  test.use({ storageState: storageStateOf('viewer') });

  test('a viewer reads the same warning, with no link to the admins’ connections page', async ({ page }) => {
    await page.goto('/');
    const warning = staleWarning(page);
    await expect(warning).toContainText(
      `The last sync of Hyper-V host ${CONNECTION} failed: the host presented a different SSH host key`,
    );
    await expect(warning.getByRole('link', { name: CONNECTION, exact: true })).toHaveCount(0);
    await warning.getByRole('link', { name: 'HV01', exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'HV01' })).toBeVisible();
  });
});

test('once the host is disconnected, the dashboard, the VM list, the protection page and a backup review say no connection reads it', async ({
  page,
}) => {
  await page.goto('/admin/connections');
  const host = page.getByRole('article', { name: `Hyper-V host ${CONNECTION}` });
  await disconnectByName(
    page,
    host,
    CONNECTION,
    /\d+ VMs? on its hosts can then be neither backed up nor restored/,
  );

  const disconnected =
    /No Hyper-V host connection reads HV01 \(it was disconnected, or its facts came from a file\): what it shows of its \d+ VMs was last read into the inventory/;
  await openFromNav(page, 'Dashboard', 'Dashboard');
  await expect(staleWarning(page)).toContainText(disconnected);
  await expect(staleWarning(page)).not.toContainText(CONNECTION);
  await openFromNav(page, 'Protection', 'Protection');
  await expect(staleWarning(page)).toContainText(disconnected);
  await reviewBackupOf(page, ['st-sql01']);
  await expect(planWarning(page)).toContainText(
    'No Hyper-V host connection reads HV01 (it was disconnected, or its facts came from a file): the 1 VM of this backup on it is planned from what was last read into the inventory, and nothing updates it.',
  );
  await openFromNav(page, 'VMs', 'Virtual machines');
  await expect(staleWarning(page)).toContainText(disconnected);
  await staleWarning(page).getByRole('link', { name: 'HV01', exact: true }).click();
  await expect(page.getByRole('status', { name: 'Facts of HV01 may be out of date' })).toContainText(
    'No Hyper-V host connection reads HV01 (it was disconnected',
  );
});
