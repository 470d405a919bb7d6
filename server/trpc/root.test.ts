import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import superjson from 'superjson';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../db/client';
import { DEMO_LAB_NAMES } from '../../db/seed/demo-lab';
import { DOMAIN_ERROR_CODES, DomainError } from '../services/errors';
import { openDemoLab, rejectionOf, signedIn } from '../test-support';
import { createCallerFactory, DOMAIN_TO_TRPC_CODE, fieldErrorsOf, publicProcedure, router } from './init';
import { appRouter, createCaller } from './root';

let db: Db;
let caller: ReturnType<typeof createCaller>;

beforeAll(() => {
  db = openDemoLab();
  caller = createCaller(signedIn(db));
});

async function vmIdNamed(name: string): Promise<string> {
  const page = await caller.vms.list({ search: name, limit: 100 });
  const vm = page.items.find((item) => item.name === name);
  if (!vm) throw new Error(`demo lab has no VM named ${name}`);
  return vm.id;
}

describe('inventory procedures on the demo lab', () => {
  it('dashboard counts every VM once across the readiness categories', async () => {
    const dashboard = await caller.dashboard.get();
    const categorised = Object.values(dashboard.readiness).reduce((sum, n) => sum + n, 0);
    expect(dashboard.totals.vms).toBeGreaterThan(0);
    expect(categorised).toBe(dashboard.totals.vms);
  });

  it('filters VMs by a finding id', async () => {
    const page = await caller.vms.list({ ruleId: 'HV-PASSTHROUGH-DISK' });
    expect(page.items.map((vm) => vm.name)).toContain(DEMO_LAB_NAMES.passthroughVm);
    expect(page.items.map((vm) => vm.name)).not.toContain(DEMO_LAB_NAMES.healthyVm);
  });

  it('pages with the cursor it hands out, without repeating a VM', async () => {
    const first = await caller.vms.list({ limit: 3 });
    expect(first.items).toHaveLength(3);
    expect(first.nextCursor).not.toBeNull();
    const second = await caller.vms.list({ limit: 3, cursor: first.nextCursor ?? undefined });
    const firstIds = new Set(first.items.map((vm) => vm.id));
    expect(second.items.some((vm) => firstIds.has(vm.id))).toBe(false);
  });

  it('a page counts nothing; each list counts its filter once through its count procedure', async () => {
    const first = await caller.vms.list({ limit: 3 });
    expect(first).not.toHaveProperty('total');
    const dashboard = await caller.dashboard.get();
    expect(await caller.vms.count({})).toEqual({ total: dashboard.totals.vms });
    const windows = await caller.vms.list({ osFamily: 'windows', limit: 100 });
    expect(await caller.vms.count({ osFamily: 'windows' })).toEqual({ total: windows.items.length });
    expect(await caller.hosts.count({})).toEqual({ total: dashboard.totals.hosts });
    expect(await caller.volumes.count({})).toEqual({ total: dashboard.totals.volumes });
    expect(await caller.arrays.count({})).toEqual({ total: dashboard.totals.arrays });
  });

  it('returns a VM with its plan, and the same plan from vms.plan', async () => {
    const id = await vmIdNamed(DEMO_LAB_NAMES.passthroughVm);
    const detail = await caller.vms.get({ id });
    const plan = await caller.vms.plan({ id });
    expect(detail.vm.name).toBe(DEMO_LAB_NAMES.passthroughVm);
    expect(plan.options.map((option) => option.method).sort()).toEqual(
      ['array-snapshot', 'guest-agent', 'hyperv-vss', 'wsb-volume', 'xen-quiesced', 'xen-snapshot'].sort(),
    );
    expect(detail.plan?.recommended).toBe(plan.recommended);
  });

  it('lists findings for one VM with counts', async () => {
    const id = await vmIdNamed(DEMO_LAB_NAMES.sqlVm);
    const result = await caller.findings.list({ vmId: id });
    expect(result.findings.map((finding) => finding.ruleId)).toContain('HV-SHADOW-STORAGE-ELSEWHERE');
    expect(result.counts.total).toBe(result.findings.length);
  });
});

describe('errors', () => {
  it.each([
    { procedure: 'vms.get', call: () => caller.vms.get({ id: 'vm-nope' }), text: 'vm-nope' },
    { procedure: 'hosts.get', call: () => caller.hosts.get({ id: 'host-nope' }), text: 'host-nope' },
    { procedure: 'volumes.get', call: () => caller.volumes.get({ id: 'vol-nope' }), text: 'vol-nope' },
    { procedure: 'arrays.get', call: () => caller.arrays.get({ id: 'array-nope' }), text: 'array-nope' },
    { procedure: 'findings.list', call: () => caller.findings.list({ vmId: 'vm-nope' }), text: 'vm-nope' },
  ])('$procedure of an unknown id is NOT_FOUND and names the id', async ({ call, text }) => {
    const error = await rejectionOf(call);
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain(text);
  });

  it('invalid list input is BAD_REQUEST with a field error per bad field', async () => {
    const error = await rejectionOf(() =>
      // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong input, as a hand-written client could send
      caller.vms.list({ limit: 0, sort: 'bogus', osFamily: 'beos' } as any),
    );
    expect(error.code).toBe('BAD_REQUEST');
    const paths = fieldErrorsOf(error).map((fieldError) => fieldError.path);
    expect(paths.sort()).toEqual(['limit', 'osFamily', 'sort']);
  });

  // The power-state filter takes a state read as such or "not-read"; anything else is refused by
  // name, on the list and on its count, before any store is asked.
  it.each([
    { procedure: 'vms.list', call: (powerState: string) => caller.vms.list({ powerState } as never) },
    { procedure: 'vms.count', call: (powerState: string) => caller.vms.count({ powerState } as never) },
  ])(
    '$procedure refuses an unknown power-state filter, naming the field and the values it takes',
    async ({ call }) => {
      for (const powerState of ['hibernated', 'unread', 'Running', '']) {
        const error = await rejectionOf(() => call(powerState));
        expect(error.code, powerState).toBe('BAD_REQUEST');
        expect(fieldErrorsOf(error)).toEqual([
          { path: 'powerState', message: 'Choose a power state: running, off, saved, paused, not-read' },
        ]);
      }
      // The values it names are taken.
      await expect(call('not-read')).resolves.toBeDefined();
      await expect(call('paused')).resolves.toBeDefined();
    },
  );

  it('a broken inventory file is BAD_REQUEST with field paths and changes nothing', async () => {
    const before = await caller.dashboard.get();
    const broken = JSON.stringify({
      formatVersion: 1,
      hosts: [{ id: 'h1', name: 'h1', kind: 'vmware' }],
      vms: [{ id: 'v1', name: 'v1', hostId: 'no-such-host' }],
    });
    const error = await rejectionOf(() => caller.inventory.import({ content: broken, mode: 'replace' }));
    expect(error.code).toBe('BAD_REQUEST');
    const fieldErrors = fieldErrorsOf(error);
    expect(fieldErrors.length).toBeGreaterThan(1);
    expect(fieldErrors.some((fieldError) => fieldError.path.startsWith('hosts[0]'))).toBe(true);
    const after = await caller.dashboard.get();
    expect(after.totals).toEqual(before.totals);
  });

  it('a file that is not JSON is BAD_REQUEST and says so', async () => {
    const error = await rejectionOf(() =>
      caller.inventory.import({ content: '{ "hosts": [', mode: 'merge' }),
    );
    expect(error.code).toBe('BAD_REQUEST');
    expect(fieldErrorsOf(error)[0]?.message).toMatch(/not valid JSON/);
  });

  it.each(DOMAIN_ERROR_CODES.map((code) => ({ code, expected: DOMAIN_TO_TRPC_CODE[code] })))(
    'DomainError $code becomes $expected',
    async ({ code, expected }) => {
      const testRouter = router({
        fail: publicProcedure.query(() => {
          throw new DomainError(code, `failed with ${code}`, [{ path: 'x', message: 'bad' }]);
        }),
      });
      const error = await rejectionOf(() => createCallerFactory(testRouter)(signedIn(db)).fail());
      expect(error.code).toBe(expected);
      expect(error.message).toBe(`failed with ${code}`);
      expect(fieldErrorsOf(error)).toEqual([{ path: 'x', message: 'bad' }]);
    },
  );

  it('names the rejected input field', async () => {
    const error = await rejectionOf(() => caller.vms.get({ id: '' }));
    expect(fieldErrorsOf(error).map((fieldError) => fieldError.path)).toEqual(['id']);
  });
});

describe('over HTTP', () => {
  async function get(path: string, input: unknown): Promise<Response> {
    const url = `http://localhost/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`;
    return fetchRequestHandler({
      endpoint: '/api/trpc',
      req: new Request(url),
      router: appRouter,
      createContext: () => signedIn(db),
    });
  }

  it('answers 404 with the domain message for an unknown VM', async () => {
    const response = await get('vms.get', { id: 'vm-nope' });
    expect(response.status).toBe(404);
    const body = await response.json();
    expect(body.error.json.message).toContain('vm-nope');
    expect(body.error.json.data.code).toBe('NOT_FOUND');
  });

  it('answers 400 with field errors in error.data for invalid input', async () => {
    const response = await get('vms.list', { limit: 1000 });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error.json.data.fieldErrors).toEqual([{ path: 'limit', message: expect.any(String) }]);
    // The schema's own words, for a page that shows only the message.
    expect(body.error.json.message).toBe(`Invalid input: ${body.error.json.data.fieldErrors[0].message}`);
    expect(body.error.json.message).toMatch(/100/);
  });
});
