/**
 * A VM whose power state Hyper-V reports as a state Migawka does not know (Hibernated, 32783) is
 * planned as running for safety, and the console never shows that plan as a fact. An admin
 * connects the fake Windows host (the SSH server on loopback that hyperv-host-connection.spec.ts
 * uses, started by this spec, its sql01 hibernated) and syncs it: the sync's log names the unread
 * state; the VM list, the VM page (its note and its finding), the host page and the restore
 * wizard's VM step each say "state not read", what Hyper-V reported, and that the VM is treated as
 * running for safety; the VM list's power-state filter lists it under "state not read", not "running". Once the VM runs again, the next sync reads its state and the words go.
 * The VMs are renamed pu-sql01, pu-file01, pu-web01 on the fake host, apart from other specs' VMs.
 * What it leaves behind: the host HV01 with its VMs, their states read (as the other Hyper-V specs
 * leave it), no connection, and one vault account named for this spec only.
 */
import { expect, type Page, test } from '@playwright/test';
import { VM_STATE } from '../server/drivers/hyperv/fake/fake-hyperv-model';
import { ADMIN, startFakeHost } from '../server/drivers/hyperv/hyperv-test-support';
import { addHypervHost, storeAccount } from './fixtures/connections';
import { disconnectByName } from './fixtures/disconnect';

const HIBERNATED = 32783;
const CONNECTION = 'HV01 power state';
const ACCOUNT = 'HV01 power-state account';
const VM = 'pu-sql01';
const REPORTED = 'Hyper-V reports state Hibernated (32783), which Migawka does not know';
const SHOWN = `state not read — ${REPORTED}; treated as running for safety`;

let fake: Awaited<ReturnType<typeof startFakeHost>>;
test.beforeAll(async () => {
  fake = await startFakeHost(4096);
  for (const vm of fake.model.state.vms) vm.name = `pu-${vm.name}`;
  const sql01 = fake.model.state.vms.find((vm) => vm.name === VM);
  if (!sql01) throw new Error(`the fake estate has no ${VM}`);
  sql01.state = HIBERNATED;
});
test.afterAll(async () => {
  await fake?.dispose();
});
test.describe.configure({ mode: 'serial' });

async function openFromNav(page: Page, link: 'VMs' | 'Connections', heading: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
}

/** The VM list's row of a VM by its name. */
function vmRow(page: Page, name: string) {
  return page
    .getByRole('table', { name: /^Virtual machines, sorted by/ })
    .getByRole('row')
    .filter({ has: page.getByRole('link', { name, exact: true }) });
}

/** This spec's VMs (pu-…) in the VM list, by the power-state filter's option as a person reads it. */
async function listThisSpecsVmsBy(page: Page, powerState: string) {
  await page.getByLabel('Search by name').fill('pu-');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByLabel('Power state').selectOption({ label: powerState });
  await expect(page.getByLabel('Power state')).toHaveValue(
    powerState === 'state not read' ? 'not-read' : powerState,
  );
}

async function syncNow(page: Page) {
  await openFromNav(page, 'Connections', 'Connections');
  const host = page.getByRole('article', { name: `Hyper-V host ${CONNECTION}` });
  await host.getByRole('button', { name: 'Sync now' }).click();
  await expect(host.getByRole('status', { name: `Last sync of ${CONNECTION}` })).toContainText(
    'Synced HV01: 3 VMs in the inventory',
  );
  return host;
}

test('an operator opens a VM whose power state Hyper-V reports as Hibernated and reads that it was not read', async ({
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

  // The sync's log names the state it could not read among the facts it could not read.
  const host = await syncNow(page);
  await expect(host.getByRole('table', { name: `Last syncs of ${CONNECTION}` })).toContainText(
    `${VM}: power state not read (${REPORTED})`,
  );

  // The VM list: not "running", but what was reported and that it is treated as running.
  await openFromNav(page, 'VMs', 'Virtual machines');
  await page.getByLabel('Search by name').fill(VM);
  await page.getByRole('button', { name: 'Search' }).click();
  const row = page
    .getByRole('table', { name: /^Virtual machines, sorted by/ })
    .getByRole('row')
    .filter({ hasText: VM });
  await expect(row).toContainText(SHOWN);

  // The power-state filter: "state not read" lists it, "running" (the state it is planned as) does not.
  await listThisSpecsVmsBy(page, 'running');
  await expect(vmRow(page, 'pu-file01')).toBeVisible();
  await expect(vmRow(page, VM)).toHaveCount(0);
  await listThisSpecsVmsBy(page, 'state not read');
  await expect(vmRow(page, VM)).toBeVisible();
  await expect(vmRow(page, 'pu-file01')).toHaveCount(0);
  await expect(row).toContainText(SHOWN);

  // The VM page: its line, the note that says why, and the finding.
  await row.getByRole('link', { name: VM, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: VM })).toBeVisible();
  await expect(page.getByText('power state not read', { exact: true })).toBeVisible();
  const note = page.getByRole('note', { name: `Power state of ${VM} not read` });
  await expect(note).toContainText(`The power state of ${VM} was not read: ${REPORTED}.`);
  await expect(note).toContainText(`Migawka treats ${VM} as running for safety`);
  const finding = page
    .getByRole('list', { name: 'Findings' })
    .getByRole('listitem')
    .filter({ has: page.getByText('VM-POWER-STATE-UNKNOWN', { exact: true }) });
  await expect(finding).toContainText(
    `The power state of VM '${VM}' on host 'HV01' was not read: ${REPORTED}`,
  );
  await expect(finding).toContainText(`Get-VM -Name '${VM}'`);

  // The host page lists the VM on its volume with the same words.
  await page.getByRole('main').getByRole('link', { name: 'HV01', exact: true }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'HV01' })).toBeVisible();
  await expect(
    page.getByRole('list', { name: 'VMs on D:' }).getByRole('listitem').filter({ hasText: VM }),
  ).toContainText(SHOWN);

  // The restore wizard's first step offers the VM with the same words.
  await page.goto('/restore/new');
  await page.getByLabel('Search VMs by name').fill(VM);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByRole('radiogroup', { name: 'VM to restore' })).toContainText(`HV01 · ${SHOWN}`);
});

test('once the VM runs again, the next sync reads its state and the console shows it running', async ({
  page,
}) => {
  const sql01 = fake.model.state.vms.find((vm) => vm.name === VM);
  if (sql01) sql01.state = VM_STATE.Running;
  await page.goto('/');
  const host = await syncNow(page);

  await openFromNav(page, 'VMs', 'Virtual machines');
  await page.getByLabel('Search by name').fill(VM);
  await page.getByRole('button', { name: 'Search' }).click();
  const row = page
    .getByRole('table', { name: /^Virtual machines, sorted by/ })
    .getByRole('row')
    .filter({ hasText: VM });
  await expect(row).toContainText('running');
  await expect(row).not.toContainText('state not read');
  // Read again, "state not read" no longer lists it, and "running" does.
  await listThisSpecsVmsBy(page, 'state not read');
  await expect(page.getByText('No VM matches these filters.')).toBeVisible();
  await listThisSpecsVmsBy(page, 'running');
  await expect(vmRow(page, VM)).toBeVisible();
  await expect(row).not.toContainText('state not read');
  await row.getByRole('link', { name: VM, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: VM })).toBeVisible();
  await expect(page.getByRole('note', { name: `Power state of ${VM} not read` })).toHaveCount(0);
  await expect(page.getByText('VM-POWER-STATE-UNKNOWN', { exact: true })).toHaveCount(0);

  await page.goto('/admin/connections');
  await disconnectByName(page, host, CONNECTION);
});
