/**
 * An admin connects a NetApp ONTAP cluster as they would in production: the cluster is the fake
 * ONTAP speaking REST over HTTPS (its own certificate, real sockets) started by this spec, seeded
 * with svm1, two volumes with a LUN each (the log LUN's record without its state, which the array
 * page shows as unknown) and one consistency group. The account goes into the vault, "Test connection" pins the cluster's certificate and says what it answered, "Discover
 * now" brings the array and its LUNs into the inventory, a renewed certificate is refused until the
 * admin accepts its fingerprint, and the cluster is disconnected.
 * The same for a Dell EqualLogic group, a fake Group Manager CLI on an in-process SSH server.
 * What it leaves behind for the specs after it: two more arrays ("Lab cluster" with two LUNs and a
 * consistency group, "Lab group" with two volumes), no VM, host, job or connection; two vault
 * accounts named for this spec only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { FakeEqlGroup } from '../server/drivers/equallogic/fake/fake-eql-group';
import { FakeOntapModel } from '../server/drivers/ontap/fake/fake-ontap-model';
import { FakeOntapServer } from '../server/drivers/ontap/fake/fake-ontap-server';
import { seedCluster } from '../server/drivers/ontap/ontap-test-support';
import { ManualClock } from '../server/drivers/xapi/fake/fake-clock';
import { storeAccount } from './fixtures/connections';
import { disconnectByName } from './fixtures/disconnect';

let root: string;
let fake: FakeOntapServer;
let group: FakeEqlGroup;
test.beforeAll(async () => {
  group = new FakeEqlGroup('group1');
  group.addVolume('vmfs01', 4096);
  group.addVolume('vmfs02', 4096);
  await group.start();
  root = mkdtempSync(path.join(tmpdir(), 'e2e-fake-ontap-'));
  const model = new FakeOntapModel(root, new ManualClock());
  // The log LUN's record comes without its state: its snapshot support must read as unknown.
  seedCluster(model).log.state = null;
  fake = new FakeOntapServer(model);
  await fake.start();
});
test.afterAll(async () => {
  await fake?.stop();
  await group?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

test('an admin connects an ONTAP cluster, tests it, discovers its LUNs, accepts its renewed certificate and disconnects it', async ({
  page,
}) => {
  await page.goto('/');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Connections' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Connections' })).toBeVisible();
  await expect(page.getByText('No storage array connected yet.')).toBeVisible();

  await storeAccount(page, { name: 'Lab cluster api', username: 'admin', password: 'netapp1!' });

  // A bad address and a bad igroup are refused, naming the fields; nothing is added.
  const arrayForm = page.getByRole('form', { name: 'Add a storage array' });
  await arrayForm.getByLabel('Kind of array').selectOption({ label: 'NetApp ONTAP cluster (REST)' });
  await arrayForm.getByLabel('Array name in Migawka').fill('Lab cluster');
  await arrayForm.getByLabel('Cluster management address').fill('https://cluster1/');
  await arrayForm.getByLabel('Array account').selectOption({ label: 'Lab cluster api (admin)' });
  await arrayForm.getByLabel('Staging igroup (for staged restores)').fill('stage 01');
  await arrayForm.getByRole('button', { name: 'Add array' }).click();
  await expect(arrayForm.getByText('Enter a host name or IP address, with :port only')).toBeVisible();
  await expect(arrayForm.getByText('An igroup name: letters, digits and _ . : - only')).toBeVisible();
  await expect(page.getByText('No storage array connected yet.')).toBeVisible();

  await arrayForm.getByLabel('Cluster management address').fill(fake.address);
  await arrayForm.getByLabel('Staging igroup (for staged restores)').fill('stage01');
  await arrayForm.getByRole('button', { name: 'Add array' }).click();
  await expect(
    page.getByText('Array Lab cluster added: test the connection, then discover it'),
  ).toBeVisible();
  const array = page.getByRole('article', { name: 'Array Lab cluster' });
  await expect(array).toContainText(`${fake.address} · account Lab cluster api`);
  await expect(array).toContainText('Staged restores map clones to igroup stage01');
  await expect(array).toContainText('Not discovered yet');

  await array.getByRole('button', { name: 'Test connection' }).click();
  await expect(array.getByRole('status')).toContainText(
    'Reachable and signed in: cluster cluster1, ONTAP 9.13.1, 1 SVM, 2 volumes',
  );
  // Trusted on first use: the fingerprint is shown for the admin to compare.
  await expect(array).toContainText(/Trusted certificate: ([0-9A-F]{2}:){31}[0-9A-F]{2}/);

  await array.getByRole('button', { name: 'Discover now' }).click();
  // Host volumes an earlier spec's hosts left on LUNs of the same NAA ids are linked too, and named.
  await expect(
    page.getByText(
      /^Discovered Lab cluster: 2 LUNs, 1 consistency group(, \d+ host volumes? linked to their LUN)? in the inventory$/,
    ),
  ).toBeVisible();
  await expect(array).toContainText('Last discovery');

  // The cluster's certificate is renewed: Migawka refuses it, shows the new fingerprint, and talks
  // to the cluster again only once the admin accepts it.
  const pinned = (await array.textContent())?.match(
    /Trusted certificate: ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})/,
  )?.[1];
  expect(pinned).toBeTruthy();
  const port = fake.port;
  await fake.stop();
  fake = new FakeOntapServer(fake.model, { certificate: 'cluster-b' });
  fake.port = port;
  await fake.start();
  await array.getByRole('button', { name: 'Test connection' }).click();
  await expect(array.getByRole('alert').filter({ hasText: 'Connection failed' })).toContainText(
    'presented a different TLS certificate',
  );
  const changed = array.getByRole('alert').filter({ hasText: 'presented a different certificate' });
  await expect(changed).toContainText(/different certificate: ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
  // Beside the new fingerprint, the one it would replace: the admin sees what changes.
  await expect(changed).toContainText(`(trusted until now: ${pinned})`);
  await changed.getByRole('button', { name: 'Accept the new certificate of Lab cluster' }).click();
  await expect(page.getByText('The new certificate of Lab cluster is trusted')).toBeVisible();
  await expect(array).not.toContainText(`Trusted certificate: ${pinned}`);
  await array.getByRole('button', { name: 'Test connection' }).click();
  await expect(array.getByRole('status')).toContainText('Reachable and signed in: cluster cluster1');

  // The array and its LUNs are in the console like any other array.
  await page.goto('/arrays');
  await page.getByLabel('Search by array name').fill('Lab cluster');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: 'Lab cluster', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Lab cluster' })).toBeVisible();
  await expect(page.getByRole('main')).toContainText('svm1:/vol/sql_data/lun0');
  await expect(page.getByRole('main')).toContainText('svm1:/vol/sql_log/lun0');
  await expect(page.getByRole('main')).toContainText('svm1:cg_sql');
  await expect(
    page.getByRole('row', { name: /svm1:\/vol\/sql_data\/lun0/ }).getByText('supported', { exact: true }),
  ).toBeVisible();
  await expect(page.getByRole('row', { name: /svm1:\/vol\/sql_log\/lun0/ })).toContainText(
    "unknown: the array did not report the LUN's state",
  );

  await page.goto('/admin/connections');
  await disconnectByName(page, array, 'Lab cluster');
  await expect(page.getByText('Array Lab cluster disconnected')).toBeVisible();
  await expect(page.getByText('No storage array connected yet.')).toBeVisible();
});

test('an admin connects an EqualLogic group over SSH, tests it, discovers its volumes and disconnects it', async ({
  page,
}) => {
  await page.goto('/admin/connections');
  await storeAccount(page, { name: 'Lab group admin', username: 'grpadmin', password: 'eql-pass' });

  const arrayForm = page.getByRole('form', { name: 'Add a storage array' });
  await arrayForm.getByLabel('Kind of array').selectOption({ label: 'Dell EqualLogic group (SSH)' });
  // A group has no staging igroup.
  await expect(arrayForm.getByLabel('Staging igroup (for staged restores)')).toHaveCount(0);
  await arrayForm.getByLabel('Array name in Migawka').fill('Lab group');
  await arrayForm.getByLabel('Group management address').fill(`127.0.0.1:${group.port}`);
  await arrayForm.getByLabel('Array account').selectOption({ label: 'Lab group admin (grpadmin)' });
  await arrayForm.getByRole('button', { name: 'Add array' }).click();
  const array = page.getByRole('article', { name: 'Array Lab group' });
  await expect(array).toContainText('Dell EqualLogic group');

  await array.getByRole('button', { name: 'Test connection' }).click();
  await expect(array.getByRole('status')).toContainText('Reachable and signed in: group group1, 2 volumes');
  await expect(array).toContainText(/Trusted SSH host key: SHA256:/);

  await array.getByRole('button', { name: 'Discover now' }).click();
  await expect(page.getByText('Discovered Lab group: 2 volumes in the inventory')).toBeVisible();

  await disconnectByName(page, array, 'Lab group', 'what its discoveries brought');
  await expect(page.getByText('Array Lab group disconnected')).toBeVisible();
  await expect(page.getByText('No storage array connected yet.')).toBeVisible();
});
