/**
 * The array-consistent capture of Xen VMs run by the worker across three real transports
 * (xapi-ontap-runner-support.ts): pre-freeze script in the guest over SSH → fsfreeze in the guest →
 * `sync` in dom0 → CG start → thaw and post-thaw inside the write fence → commit. Every VM's point
 * records what happened to it.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { storeDialects } from '../../../db/stores/contract/dialects';
import { DISK_SIZE } from '../xapi/fake/fake-fixtures';
import { diskBytes } from '../xapi/fake/fake-pool';
import { type FencedXen, openFencedXen, POST_THAW, PRE_FREEZE } from './xapi-ontap-runner-support';

const dialects = await storeDialects('xapi-ontap-fence');
let run: FencedXen;
afterEach(() => run?.close());

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function stepsOf(operationId: string) {
  return new Map((await run.h.stores.operations.steps(operationId)).map((step) => [step.key, step]));
}

async function pointOf(operationId: string, vmName: string) {
  const catalog = (await stepsOf(operationId)).get(`vm:${run.vmIdOf(vmName)}:catalog`);
  const pointId = (catalog?.resultJson as { restorePointId?: string } | null)?.restorePointId;
  return pointId ? ((await run.h.stores.restorePoints.get(pointId)) ?? undefined) : undefined;
}

async function runToEnd(policy: 'require' | 'fallback') {
  const op = await run.enqueue(policy);
  const [done] = await run.h.tickUntilFinal(run.h.createWorker({ drivers: run.drivers }), [op.id]);
  return { op, done };
}

describe.each(dialects)('$name', (dialect) => {
  describe.skipIf(dialect.skip !== null)('array capture of Xen VMs across XAPI, SSH and ONTAP', () => {
    it('pre-freeze → fsfreeze → dom0 sync → CG start → thaw and post-thaw in the fence → commit; each VM’s point says what happened', async () => {
      run = await openFencedXen(dialect);
      const { op, done } = await runToEnd('fallback');

      expect(done.status).toBe('succeeded-with-warnings'); // app01's point leaves out its udev disk
      expect(run.timeline).toEqual([
        `guest: db01: script ${PRE_FREEZE}`,
        'guest: db01: freeze /var/lib/mysql', // the deepest mount first
        'guest: db01: freeze /',
        'host: xcp1: sync', // dom0 of the host the SR is plugged into
        'array: POST start',
        'guest: db01: thaw /', // thawed inside the fence, through the freeze's own channel
        'guest: db01: thaw /var/lib/mysql',
        `guest: db01: script ${POST_THAW}`,
        'array: PATCH commit',
        'array: DELETE', // the CG snapshot released after the copy
      ]);
      expect(run.frozenAtStart).toEqual([['/', '/var/lib/mysql']]);
      expect(run.guest.frozen.size).toBe(0);
      expect(run.cluster.model.fences.size).toBe(0);
      const steps = await stepsOf(op.id);
      const db01 = run.vmIdOf('db01');
      expect(steps.get(`vm:${db01}:guest-thaw`)?.resultJson).toMatchObject({ thawedInFence: true });
      expect(steps.get(`vm:${db01}:post-thaw-script`)?.resultJson).toMatchObject({ ranInFence: true });

      expect(await pointOf(op.id, 'db01')).toMatchObject({ consistency: 'application' });
      expect(await pointOf(op.id, 'sql01')).toMatchObject({ consistency: 'crash' }); // Windows: no hook
      expect(await pointOf(op.id, 'app01')).toMatchObject({ consistency: 'filesystem' }); // halted
      const stored = await run.h.driver.repository.read((await pointOf(op.id, 'db01'))?.id as string, {
        signal: new AbortController().signal,
        timeoutMs: 10_000,
      });
      expect(stored?.files.map((file) => file.sha256)).toEqual([sha256(diskBytes('db01-root', DISK_SIZE))]);
    });

    it('a guest whose fsfreeze fails under `fallback`: what it froze is thawed, the scripts stay paired, db01 crash-consistent and named', async () => {
      run = await openFencedXen(dialect);
      run.guest.frozen.add('/'); // someone else holds the root file system frozen
      const { op, done } = await runToEnd('fallback');

      expect(done.status).toBe('succeeded-with-warnings');
      expect(run.timeline).toEqual([
        `guest: db01: script ${PRE_FREEZE}`,
        'guest: db01: freeze /var/lib/mysql',
        'guest: db01: thaw /var/lib/mysql', // / was busy: the shell undid its own freeze
        'host: xcp1: sync',
        'array: POST start',
        `guest: db01: script ${POST_THAW}`,
        'array: PATCH commit',
        'array: DELETE',
      ]);
      expect([...run.guest.frozen]).toEqual(['/']); // not ours: left as it was
      const point = await pointOf(op.id, 'db01');
      expect(point?.consistency).toBe('crash');
      expect(point?.consistencyReason).toMatch(/^fallback: .*db01.*Device or resource busy/);
    });

    it('a guest whose freeze window runs out before the fence: its thaw fails once, the point is crash-consistent and says the snapshot may come after that thaw', async () => {
      run = await openFencedXen(dialect);
      const record = run.dom0.onEvent;
      // The window ends while dom0 flushes, before the array's fence opens.
      run.dom0.onEvent = (event) => {
        if (event.endsWith(': sync')) run.guest.windowRunsOut();
        record(event);
      };
      const { op, done } = await runToEnd('fallback');

      expect(done.status).toBe('succeeded-with-warnings');
      expect(run.timeline.slice(0, 6)).toEqual([
        `guest: db01: script ${PRE_FREEZE}`,
        'guest: db01: freeze /var/lib/mysql',
        'guest: db01: freeze /',
        'guest: db01: thaw /', // by itself: the window ran out
        'guest: db01: thaw /var/lib/mysql',
        'host: xcp1: sync',
      ]);
      expect(run.guest.frozen.size).toBe(0);
      const steps = await stepsOf(op.id);
      const db01 = run.vmIdOf('db01');
      // The retried thaw finds nothing of ours frozen and succeeds.
      expect(steps.get(`vm:${db01}:guest-thaw`)?.status).toBe('succeeded');
      const point = await pointOf(op.id, 'db01');
      expect(point?.consistency).toBe('crash');
      expect(point?.consistencyReason).toMatch(
        /db01: the guest thawed itself when its freeze window \(15 min\) ran out, before the thaw; the snapshot may have been taken after that thaw/,
      );
    });

    it('a pool without a guest account: db01’s scripts fail as the hook’s missing account says, dom0 still flushes, the others are captured', async () => {
      run = await openFencedXen(dialect, { guestAccount: false });
      const { op, done } = await runToEnd('fallback');

      expect(done.status).toBe('failed');
      const steps = await stepsOf(op.id);
      const db01 = run.vmIdOf('db01');
      expect(steps.get(`vm:${db01}:pre-freeze-script`)).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/has no guest account, so the guest hook cannot reach db01/),
      });
      expect(steps.get(`vm:${db01}:guest-freeze`)?.status).toBe('skipped');
      expect(run.guest.events).toEqual([]);
      expect(run.timeline).toEqual([
        'host: xcp1: sync',
        'array: POST start',
        'array: PATCH commit',
        'array: DELETE',
      ]);
      expect(await pointOf(op.id, 'sql01')).toMatchObject({ consistency: 'crash' });
      expect(await pointOf(op.id, 'app01')).toMatchObject({ consistency: 'filesystem' });
    });
  });
});
