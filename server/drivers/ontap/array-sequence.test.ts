/**
 * The consistent sequence across two connectors over their real transports: the Hyper-V fake host
 * (SSH + PowerShell) runs the guest scripts and the host flush, the fake ONTAP cluster (HTTPS)
 * takes the two-phase CG snapshot. One timeline from both fakes' logs shows the order.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GUEST_PASSWORD, GUEST_USER, SQL01, WEB01 } from '../hyperv/fake/fake-estate';
import { vmInventoryId } from '../hyperv/hyperv-discovery';
import { HypervHypervisor } from '../hyperv/hyperv-hypervisor';
import { callOptions as hvCallOptions, startFakeHost } from '../hyperv/hyperv-test-support';
import { takeConsistentArraySnapshot } from './ontap-consistent-snapshot';
import { OntapOperations } from './ontap-operations';
import { type FakeCluster, startFakeCluster } from './ontap-test-support';

let host: Awaited<ReturnType<typeof startFakeHost>>;
let cluster: FakeCluster;
let hypervisor: HypervHypervisor;
let timeline: string[];

const HOST_VOLUME = 'hv-host:hv01:cbd6257a-0000-4000-8000-000000000002';
const sql = vmInventoryId(SQL01);
const web = vmInventoryId(WEB01);

beforeEach(async () => {
  host = await startFakeHost(64 * 1024);
  cluster = await startFakeCluster();
  hypervisor = new HypervHypervisor({
    client: host.connect(),
    guestCredential: async () => ({ user: GUEST_USER, password: GUEST_PASSWORD }),
  });
  timeline = [];
  // One timeline: what the host did (its log) and what the array was asked (its calls), in order.
  const hostLog = host.model.state.log;
  const push = hostLog.push.bind(hostLog);
  hostLog.push = (...items: string[]) => {
    timeline.push(...items.map((item) => `host: ${item}`));
    return push(...items);
  };
  const calls = cluster.server.calls;
  const record = calls.push.bind(calls);
  calls.push = (...items: string[]) => {
    for (const item of items)
      if (!item.startsWith('GET'))
        timeline.push(
          `array: ${item.split('?')[0].replace(/[0-9a-f-]{36}/g, '…')}${item.includes('action=') ? ` ${/action=\w+/.exec(item)?.[0]}` : ''}`,
        );
    return record(...items);
  };
});
afterEach(async () => {
  await host.dispose();
  await cluster.stop();
});

const guestScripts = () => host.model.state.vms.find((vm) => vm.id === SQL01)?.guest?.ran ?? [];
const scripts = {
  preFreeze: { command: 'C:\\Scripts\\pre-freeze.cmd', timeoutMs: 30_000 },
  postThaw: { command: 'C:\\Scripts\\post-thaw.cmd', timeoutMs: 30_000 },
};

function request(overrides: Partial<Parameters<typeof takeConsistentArraySnapshot>[1]> = {}) {
  return {
    stepKey: 'run-1',
    consistencyGroup: 'cg_sql',
    snapshotName: 'mgw-run-1',
    quiesced: [{ vmId: sql, hypervisor, ...scripts }],
    bystanderVmIds: [web],
    hostVolumes: [{ hostVolumeId: HOST_VOLUME, hypervisor }],
    freezePolicy: 'require' as const,
    ...overrides,
  };
}

describe('array-consistent capture across Hyper-V and ONTAP', () => {
  it('freeze → flush → CG start → thaw → commit, and records what each VM got', async () => {
    let fencedDuringThaw = 0;
    const watchedHypervisor = {
      runGuestScript: async (...args: Parameters<HypervHypervisor['runGuestScript']>) => {
        if (args[1].command === scripts.postThaw.command) fencedDuringThaw = cluster.model.fences.size;
        timeline.push(`guest: ${args[1].command}`);
        return hypervisor.runGuestScript(...args);
      },
    };
    const captured = await takeConsistentArraySnapshot(
      new OntapOperations(cluster.client),
      request({ quiesced: [{ vmId: sql, hypervisor: watchedHypervisor, ...scripts }] }),
      hvCallOptions(),
    );
    expect(guestScripts()).toEqual([scripts.preFreeze.command, scripts.postThaw.command]);
    expect(timeline).toEqual([
      'guest: C:\\Scripts\\pre-freeze.cmd',
      'host: flush \\\\?\\Volume{cbd6257a-0000-4000-8000-000000000002}\\',
      'array: POST /api/application/consistency-groups/…/snapshots action=start',
      'guest: C:\\Scripts\\post-thaw.cmd',
      'array: PATCH /api/application/consistency-groups/…/snapshots/… action=commit',
    ]);
    expect(fencedDuringThaw).toBe(2); // the post-thaw script ran while ONTAP held the fence
    expect(cluster.model.fences.size).toBe(0);
    expect(captured).toEqual([
      { vmId: sql, consistency: 'application', reason: 'quiesced by its pre-freeze script' },
      { vmId: web, consistency: 'crash', reason: 'shares the LUN but was not frozen' },
    ]);
  });

  it('a thaw that makes the commit miss the fence: the capture fails clean, the guest is thawed, nothing is fenced', async () => {
    const slowThaw = {
      runGuestScript: async (...args: Parameters<HypervHypervisor['runGuestScript']>) => {
        const result = await hypervisor.runGuestScript(...args);
        if (args[1].command === scripts.postThaw.command) cluster.clock.advance(9000);
        return result;
      },
    };
    const error = await takeConsistentArraySnapshot(
      new OntapOperations(cluster.client),
      request({ quiesced: [{ vmId: sql, hypervisor: slowThaw, ...scripts }] }),
      hvCallOptions(),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ faultCode: 'snapshot-failed', isRetryable: true });
    expect(guestScripts()).toEqual([scripts.preFreeze.command, scripts.postThaw.command]);
    expect(cluster.model.fences.size).toBe(0);
    expect(cluster.model.volumeByName('sql_data')?.snapshots).toEqual([]);
  });

  it('a failed pre-freeze under `fallback` goes on crash-consistent and says why; under `require` the array is never asked', async () => {
    const guest = host.model.state.vms.find((vm) => vm.id === SQL01)?.guest;
    if (guest) guest.commands[scripts.preFreeze.command] = { exitCode: 3, output: 'VSS writer failed\r\n' };
    const captured = await takeConsistentArraySnapshot(
      new OntapOperations(cluster.client),
      request({ freezePolicy: 'fallback', snapshotName: 'mgw-run-2', stepKey: 'run-2' }),
      hvCallOptions(),
    );
    expect(captured[0]).toEqual({ vmId: sql, consistency: 'crash', reason: 'pre-freeze script exited 3' });
    expect(guestScripts()).toEqual([scripts.preFreeze.command]); // nothing to thaw
    expect(cluster.model.volumeByName('sql_data')?.snapshots.map((s) => s.name)).toEqual(['mgw-run-2']);

    const before = cluster.server.calls.length;
    await expect(
      takeConsistentArraySnapshot(
        new OntapOperations(cluster.client),
        request({ snapshotName: 'mgw-run-3' }),
        hvCallOptions(),
      ),
    ).rejects.toMatchObject({ faultCode: 'script-failed' });
    expect(cluster.server.calls.length).toBe(before);
  });
});
