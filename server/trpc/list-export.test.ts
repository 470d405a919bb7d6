/**
 * Every list as CSV: the rows the list shows with the same filters and order, over as many pages
 * as it takes, in words; a bad query is refused naming the field; anonymous callers get nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, openDatabase, sqliteOf } from '../../db/client';
import { seedLargeEstate } from '../../db/seed/large-estate';
import { createServiceContext } from '../context';
import { listArrays } from '../services/inventory/arrays';
import { listHostVolumes } from '../services/inventory/host-volumes';
import { listHosts } from '../services/inventory/hosts';
import { listVms } from '../services/inventory/vms';
import { signedIn } from '../test-support';
import { contextFor } from './init';
import { listCsvResponse } from './list-export';

const NOW = new Date('2026-06-15T10:30:00Z');
let db: Db;

beforeAll(() => {
  db = openDatabase(':memory:');
  seedLargeEstate(db, { hosts: 30, vms: 450, seed: 42 });
});
afterAll(() => sqliteOf(db).close());

async function exportOf(list: string, query?: unknown, ctx = signedIn(db, 'viewer', { now: () => NOW })) {
  const search = query === undefined ? '' : `?query=${encodeURIComponent(JSON.stringify(query))}`;
  const response = listCsvResponse(new Request(`http://localhost/api/export/${list}${search}`), ctx, list);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, lines: text.trimEnd().split('\r\n') };
}

/** The first field of each data line, unquoted. */
const firstFields = (lines: string[]) => lines.slice(1).map((line) => JSON.parse(line.split('","')[0] + '"'));

/** Every name the list shows for `query`, walking its pages as the console does. */
async function namesShown<T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
  nameOf: (row: T) => string,
): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const next = await page(cursor);
    names.push(...next.items.map(nameOf));
    cursor = next.nextCursor ?? undefined;
  } while (cursor);
  return names;
}

describe('list exports hold what the list shows', () => {
  const ctx = createServiceContext({ now: () => NOW });
  const stores = () => contextFor(db).stores;

  it.each([
    {
      list: 'vms',
      query: { sort: 'host', direction: 'desc' },
      header:
        '"VM","Host","OS","Power state","Readiness","Recommended method","Blockers","Warnings","Protection","Last good point (UTC)","RPO (hours)","Gone from its host since (UTC)"',
      shown: () =>
        namesShown(
          (cursor) => listVms(stores(), ctx, { sort: 'host', direction: 'desc', cursor, limit: 100 }),
          (vm) => vm.name,
        ),
    },
    {
      list: 'vms',
      query: { readiness: 'blocked', sort: 'findings', direction: 'desc' },
      header: null,
      shown: () =>
        namesShown(
          (cursor) =>
            listVms(stores(), ctx, {
              readiness: 'blocked',
              sort: 'findings',
              direction: 'desc',
              cursor,
              limit: 100,
            }),
          (vm) => vm.name,
        ),
    },
    {
      list: 'hosts',
      query: { kind: 'xenserver' },
      header: '"Host","Hypervisor","Version","Pool","VMs","Volumes"',
      shown: () =>
        namesShown(
          (cursor) => listHosts(stores(), { kind: 'xenserver', cursor }),
          (host) => host.name,
        ),
    },
    {
      list: 'volumes',
      query: { vssEnabled: false, sort: 'name' },
      header: null,
      shown: () =>
        namesShown(
          (cursor) => listHostVolumes(stores(), { vssEnabled: false, cursor }),
          (volume) => volume.name,
        ),
    },
    {
      list: 'arrays',
      query: {},
      header: '"Array","Vendor","Snapshots","Volumes","Consistency groups","VMs"',
      shown: () =>
        namesShown(
          (cursor) => listArrays(stores(), { cursor }),
          (array) => array.name,
        ),
    },
  ])('$list with $query', async ({ list, query, header, shown }) => {
    const { status, headers, lines } = await exportOf(list, query);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(headers.get('content-disposition')).toBe(`attachment; filename="migawka-${list}-2026-06-15.csv"`);
    if (header) expect(lines[0]).toBe(header);
    const expected = await shown();
    expect(expected.length).toBeGreaterThan(0);
    expect(firstFields(lines)).toEqual(expected);
  });

  it('pages through a list larger than one read (450 VMs, 100 a read)', async () => {
    const { lines } = await exportOf('vms', {});
    expect(lines).toHaveLength(451);
    expect(new Set(firstFields(lines)).size).toBe(450);
  });

  it('writes words, not codes, and GiB for sizes', async () => {
    const vms = await exportOf('vms', { readiness: 'blocked' });
    expect(vms.lines[1]).toMatch(/"Blocked[^"]*"/);
    expect(vms.lines[1]).toContain('"Unprotected (VM-UNPROTECTED)"');
    const hosts = await exportOf('hosts', { kind: 'hyperv' });
    expect(hosts.lines[1]).toContain('"Hyper-V"');
    const volumes = await exportOf('volumes', {});
    expect(volumes.lines[1].split(',')[3]).toMatch(/^"\d+(\.\d+)?"$/);
    // A XenServer SR is named as one, and VSS and shadow storage (Windows only) are left empty for it.
    const srLines = volumes.lines.filter((line) => line.split(',')[2] === '"Storage repository"');
    expect(srLines.length).toBeGreaterThan(0);
    for (const line of srLines) expect(line.split(',').slice(5, 7)).toEqual(['""', '""']);
    expect(volumes.lines.some((line) => line.split(',')[2] === '"Host volume"')).toBe(true);
  });

  it('exports restore points, operations and jobs (none yet: the header alone)', async () => {
    for (const list of ['restore-points', 'operations', 'jobs']) {
      const { status, lines } = await exportOf(list, {});
      expect(status).toBe(200);
      expect(lines).toHaveLength(1);
    }
  });
});

describe('what the export refuses', () => {
  it.each([
    ['vms', 'not json', 'query: is not JSON'],
    ['vms', { readiness: 'fine' }, 'readiness:'],
    ['hosts', { sort: 'size' }, 'sort:'],
    [
      'restore-points',
      { createdFrom: '2026-06-02', createdTo: '2026-06-01' },
      'createdFrom: The start of the date range is after its end',
    ],
  ])('%s with %j: 400 naming the field', async (list, query, message) => {
    const search = typeof query === 'string' ? query : JSON.stringify(query);
    const response = listCsvResponse(
      new Request(`http://localhost/api/export/${list}?query=${encodeURIComponent(search)}`),
      signedIn(db, 'viewer'),
      list,
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toContain(message);
  });

  it('an unknown list is 404; an anonymous caller 401', async () => {
    expect((await exportOf('secrets')).status).toBe(404);
    expect((await exportOf('vms', {}, contextFor(db))).status).toBe(401);
  });
});
